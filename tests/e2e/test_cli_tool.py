"""`llmspell tool list|info|invoke|search|test` through the real command."""

from __future__ import annotations

import json

import pytest

from llmspell.tools.builtin import BUILTIN_TOOLS


def test_tool_list_shows_every_builtin(cli):
    result = cli("--output", "json", "tool", "list")
    assert result.code == 0, result.stderr
    names = {t["name"] for t in json.loads(result.stdout)["tools"]}
    assert names == set(BUILTIN_TOOLS)
    text = cli("tool", "list", "--category", "utility")
    assert "uuid_generator" in text.stdout and "file_operations" not in text.stdout


def test_tool_info_describes_parameters_and_result_keys(cli):
    result = cli("tool", "info", "uuid-generator")
    assert result.code == 0
    assert "uuid_generator (utility, security: safe)" in result.stdout
    assert "operation: generate | validate | component_id | deterministic" in result.stdout
    assert "component_id: id, prefix, short" in result.stdout


def test_tool_invoke_with_json_and_key_value_params(cli):
    result = cli("--output", "json", "tool", "invoke", "uuid_generator", "--params", '{"count": 3}')
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["success"] is True and len(document["result"]["uuids"]) == 3
    text = cli(
        "tool", "invoke", "uuid_generator", "-P", "operation=component_id", "-P", "prefix=job"
    )
    assert text.stdout.startswith("job_")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["tool", "invoke", "nope"], 1, "Tool 'nope' not found"),
        (["tool", "invoke", "uuid_generator", "--params", "{bad"], 2, "--params is not valid JSON"),
        (["tool", "invoke", "uuid_generator", "-P", "count=x"], 1, "parameter 'count'"),
        (["tool", "invoke", "uuid_generator", "-P", "novalue"], 2, "-P expects KEY=VALUE"),
    ],
)
def test_tool_invoke_bad_input(cli, args, code, message):
    result = cli(*args)
    assert result.code == code
    assert message in result.stderr


def test_tool_search_and_test(cli):
    found = cli("tool", "search", "uuid")
    assert "uuid_generator" in found.stdout
    checked = cli("tool", "test", "uuid_generator", "--verbose")
    assert checked.code == 0
    assert "ok   schema: valid JSON Schema" in checked.stdout
    assert "uuid_generator: all checks passed" in checked.stdout
    missing = cli("tool", "test", "nope")
    assert missing.code == 1
