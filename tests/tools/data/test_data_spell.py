"""The data tools as a spell sees them, through the real `llmspell run` command."""

from __future__ import annotations

SPELL = """
local function check(label, ok) print(label .. ": " .. (ok and "ok" or "FAILED")) end
local csv = "name,team,score\\nAda,red,90\\nAlan,blue,75\\nGrace,red,88\\n"
local stats = Tool.invoke("csv_analyzer", {
  content = csv, operation = "aggregate", group_by = "team",
})
check("csv", stats.result.rows[1].team == "red" and stats.result.rows[1].score_mean == 89)
local q = Tool.invoke("json_processor", {input = {a = {1, 2, 3}}, query = ".a | add"})
check("jq", q.result == 6 and q.text == "6")
local v = Tool.invoke("data_validation", {input = {age = -1}, rules = {{field = "age", min = 0}}})
check("validation", v.success and not v.result.valid and v.result.errors[1].rule == "range")
local t = Tool.invoke("template_engine", {input = "Workflow {{id}} done", context = {id = 7}})
check("template", t.text == "Workflow 7 done")
local d = Tool.invoke("diff_calculator", {
  old_text = "a\\nb\\n", new_text = "a\\nc\\n", format = "simple",
})
check("diff", d.text == "- b\\n+ c")
local g = Tool.invoke("graph-builder", {operation = "build", edges = {{"x", "y"}, {"y", "z"}}})
local p = Tool.invoke("graph-builder", {
  operation = "shortest_path", graph = g.result, from = "x", to = "z",
})
check("graph", p.text == "x -> y -> z")
local ok, err = pcall(Tool.invoke, "json_processor", {input = {}, query = "env"})
print(ok, err)
"""


def test_a_spell_uses_the_data_tools(cli, tmp_path):
    (tmp_path / "spell.lua").write_text(SPELL)
    result = cli("run", "spell.lua")
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:6] == [
        "csv: ok",
        "jq: ok",
        "validation: ok",
        "template: ok",
        "diff: ok",
        "graph: ok",
    ]
    assert lines[6].startswith("false")
    assert "Tool 'json_processor' refused the query: 'env'" in lines[6]
