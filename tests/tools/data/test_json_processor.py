"""json_processor: jq queries (in a limited child process), schema checks, formatting, merging."""

from __future__ import annotations

import json
import os

import pytest

from llmspell.core.errors import (
    PathNotAllowed,
    SecurityError,
    ToolExecutionError,
    ToolParameterError,
)

USERS = {"users": [{"name": "Ada", "age": 36}, {"name": "Alan", "age": 41}]}


def jp(rt, **params):
    return rt.tools.invoke("json_processor", params)


def test_query_returns_the_jq_result_itself(rt):
    one = jp(rt, input=USERS, query=".users[0].name")
    assert one.result == "Ada" and one.text == '"Ada"' and one.extra["operation"] == "query"
    assert jp(rt, input=USERS, query=".users[0].name", raw_output=True).text == "Ada"
    several = jp(rt, data=json.dumps(USERS), query=".users[] | select(.age > 30) | .name")
    assert several.result == ["Ada", "Alan"]
    assert jp(rt, input=USERS, filter="[.users[].age] | add").result == 77
    assert jp(rt, input=USERS, query=".users[] | select(.age > 99)").result == []
    assert jp(rt, json_data=USERS, operation="jq", query=".users | length").result == 2
    assert jp(rt, input=USERS).result == USERS  # the default query is "."


def test_query_errors_show_jq_message(rt):
    with pytest.raises(ToolExecutionError, match=r"jq query failed: .*syntax error"):
        jp(rt, input=USERS, query=".users[ |")
    with pytest.raises(ToolExecutionError, match=r"jq query failed: .*Cannot index"):
        jp(rt, input=[1, 2], query=".name")
    with pytest.raises(ToolExecutionError, match=r"input is not valid JSON: .* line 1, column 9"):
        jp(rt, input='{"a": 1,', query=".a")


@pytest.mark.parametrize(
    "query", ["env", "$ENV.HOME", '"\\(env.PATH)"', 'import "x" as x; .', "input", "[inputs]"]
)
def test_queries_reaching_outside_the_input_are_refused(rt, query):
    with pytest.raises(SecurityError, match=r"Tool 'json_processor' refused the query"):
        jp(rt, input={"a": 1}, query=query)


def test_words_in_strings_and_field_names_are_not_refused(rt):
    data = {"input": "env", "env": 2}
    assert jp(rt, input=data, query='.input == "env"').result is True
    assert jp(rt, input=data, query="{input: .env}").result == {"input": 2}


def test_runaway_queries_are_stopped(make_rt):
    rt = make_rt(**{"tools.data.processing_timeout_seconds": 1})
    with pytest.raises(
        ToolExecutionError, match=r"ran longer than 1 s .*processing_timeout_seconds"
    ):
        jp(rt, input=0, query="last(range(1e12))")


def test_output_is_capped(make_rt):
    rt = make_rt(**{"tools.file_operations.max_file_size": 1000})
    with pytest.raises(
        ToolExecutionError, match=r"output passed the 1,000-byte limit .*max_file_size"
    ):
        jp(rt, input=0, query="range(100000)")


def test_validate_against_a_schema(rt):
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
        "required": ["name", "age"],
    }
    good = jp(rt, operation="validate", input={"name": "Ada", "age": 36}, schema=schema)
    assert good.result == {"valid": True, "is_valid": True, "errors": []}
    bad = jp(rt, operation="validate", input={"age": -1}, schema=json.dumps(schema))
    assert bad.success and bad.result["valid"] is False
    assert {(e["path"], e["keyword"]) for e in bad.result["errors"]} == {
        ("age", "minimum"),
        ("name", "required"),
    }
    with pytest.raises(ToolExecutionError, match=r"validate needs 'schema'"):
        jp(rt, operation="validate", input={})


def test_format_minify_merge_keys_and_stream(rt):
    pretty = jp(rt, operation="format", input={"b": 1, "a": [1]}, sort_keys=True, indent=2)
    assert pretty.text == '{\n  "a": [\n    1\n  ],\n  "b": 1\n}' and pretty.result == pretty.text
    assert jp(rt, operation="minify", input='{ "a" : [1, 2] }').text == '{"a":[1,2]}'
    merged = jp(rt, operation="merge", input={"a": {"x": 1}, "k": 1}, other={"a": {"y": 2}})
    assert merged.result == {"a": {"x": 1, "y": 2}, "k": 1}
    shallow = jp(rt, operation="merge", input=[{"a": {"x": 1}}, {"a": {"y": 2}}], deep=False)
    assert shallow.result == {"a": {"y": 2}}
    assert jp(rt, operation="keys", input=USERS).result == ["users"]
    assert jp(rt, operation="keys", input=USERS, recursive=True).result == [
        "users",
        "users[0].name",
        "users[0].age",
        "users[1].name",
        "users[1].age",
    ]
    lines = '{"n": 1}\n\n{"n": 2}\n'
    assert jp(rt, operation="stream", input=lines, query=".n * 10").result == [10, 20]


def test_reads_files_inside_the_sandbox_only(rt, work, outside):
    (work / "users.json").write_text(json.dumps(USERS))
    assert jp(rt, path=str(work / "users.json"), query=".users[1].age").result == 41
    (outside / "secret.json").write_text("{}")
    with pytest.raises(PathNotAllowed):
        jp(rt, path=str(work / ".." / "outside" / "secret.json"))
    os.symlink(outside / "secret.json", work / "link.json")
    with pytest.raises(PathNotAllowed, match=r"tools.file_operations.allowed_paths"):
        jp(rt, file=str(work / "link.json"))
    (work / "bad.json").write_text("{nope")
    with pytest.raises(ToolExecutionError, match=r"is not valid JSON"):
        jp(rt, path=str(work / "bad.json"))


def test_size_and_depth_limits(make_rt, work):
    rt = make_rt(**{"tools.data.max_json_depth": 3, "tools.file_operations.max_file_size": 100})
    with pytest.raises(
        ToolExecutionError,
        match=r"nested 4 levels deep, over the limit of 3 \(`tools.data.max_json_depth`\)",
    ):
        jp(rt, input={"a": {"b": {"c": [1]}}})
    with pytest.raises(
        ToolExecutionError,
        match=r"over the 100-byte limit \(`tools.file_operations.max_file_size`\)",
    ):
        jp(rt, input=json.dumps({"k": "x" * 200}))
    (work / "big.json").write_text(json.dumps({"k": "x" * 200}))
    with pytest.raises(ToolExecutionError, match=r"tools.file_operations.max_file_size"):
        jp(rt, path=str(work / "big.json"))


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"input": {}, "query": 3}, "query"),
        ({"input": {}, "operation": "delete"}, "operation"),
        ({"input": {}, "indent": "wide"}, "indent"),
        ({"input": {}, "bogus": 1}, "bogus"),
    ],
)
def test_bad_parameters_name_the_parameter(rt, params, name):
    with pytest.raises(ToolParameterError, match=rf"parameter '{name}'"):
        jp(rt, **params)


def test_from_lua(rt):
    values = rt.run_code(
        """
        local r = Tool.invoke("json_processor", {
          input = {items = {1, 2, 3, 4, 5}}, query = "[.items[] | select(. > 2)]",
        })
        local v = Tool.invoke("json_processor", {
          operation = "validate", input = '{"a": "x"}',
          schema = {type = "object", properties = {a = {type = "number"}}},
        })
        return #r.result, r.result[1], r.operation, v.result.valid, v.result.errors[1].path
        """
    )
    assert values == [3, 3, "query", False, "a"]
