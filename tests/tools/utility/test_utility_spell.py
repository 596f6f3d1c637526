"""The utility tools as a spell sees them, through the real `llmspell run` command."""

from __future__ import annotations

SPELL = """
local function check(label, ok) print(label .. ": " .. (ok and "ok" or "FAILED")) end
local e = Tool.invoke("base64_encoder", {operation = "encode", input = "Hello LLMSpell"})
local d = Tool.invoke("base64_encoder", {operation = "decode", input = e.result.output})
check("base64", d.result.output == "Hello LLMSpell" and e.result.encoded == e.result.output)
local h = Tool.invoke("hash_calculator", {operation = "hash", algorithm = "md5", input = "test"})
check("hash", h.result.hash == "098f6bcd4621d373cade4e832627b4f6")
local c = Tool.invoke("calculator", {operation = "evaluate", input = "42 * 17 + 89"})
check("calculator", c.result.result == 803)
local t = Tool.invoke("text_manipulator", {operation = "uppercase", input = "hello llmspell"})
check("text", t.result.result == "HELLO LLMSPELL")
local n = Tool.invoke("date_time_handler", {operation = "now"})
check("now", type(n.result.datetime) == "string" and n.result.timestamp > 1700000000)
local b = Tool.invoke("citation-formatter", {style = "mla", reference = {
  authors = {"Ada Lovelace"}, title = "Notes", year = 1843, type = "book"}})
print(b.text)
local ok, err = pcall(Tool.invoke, "calculator", {input = "9^9^9"})
print(ok, err)
"""


def test_a_spell_uses_the_utility_tools(cli, tmp_path):
    (tmp_path / "spell.lua").write_text(SPELL)
    result = cli("run", "spell.lua")
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:5] == ["base64: ok", "hash: ok", "calculator: ok", "text: ok", "now: ok"]
    assert lines[5] == "Lovelace, Ada. Notes. 1843."
    assert lines[6].startswith("false")
    assert "Tool 'calculator' execution failed: 9^387420489 is too large" in lines[6]
