"""The tool system: lookup, validation, refusals, script tools, and the `Tool` global."""

from __future__ import annotations

import re

import pytest

from llmspell.config import LLMSpellConfig, apply_overrides
from llmspell.core.errors import (
    ScriptError,
    SecurityError,
    ToolNotFound,
    ToolParameterError,
)
from llmspell.runtime import Runtime


def make_runtime(tmp_path, sink, **overrides):
    cfg = apply_overrides(
        LLMSpellConfig.build({}),
        {"tools.file_operations.allowed_paths": [str(tmp_path)], **overrides},
    )
    return Runtime.from_config(cfg, sink=sink, cwd=tmp_path)


@pytest.fixture
def rt(tmp_path, sink):
    with make_runtime(tmp_path, sink) as runtime:
        yield runtime


def test_names_fold_dashes_and_underscores(rt):
    assert rt.tools.exists("uuid_generator")
    assert rt.tools.exists("uuid-generator")
    assert rt.tools.exists("UUID_Generator")
    assert rt.tools.get("uuid-generator").name == "uuid_generator"


def test_unknown_tool_suggests_the_close_name(rt):
    with pytest.raises(
        ToolNotFound, match=r"Tool 'uuid_generatr' not found\. Did you mean 'uuid_generator'"
    ):
        rt.tools.invoke("uuid_generatr", {})


def test_parameters_are_validated_before_the_tool_runs(rt):
    with pytest.raises(ToolParameterError, match=r"parameter 'count': .*valid integer.*'many'"):
        rt.tools.invoke("uuid_generator", {"count": "many"})
    with pytest.raises(ToolParameterError, match=r"unknown parameter 'bogus'"):
        rt.tools.invoke("uuid_generator", {"bogus": 1})


def test_every_builtin_has_a_valid_schema_and_metadata(rt):
    from jsonschema import Draft202012Validator

    for info in rt.tools.list():
        tool = rt.tools.get(info.name)
        Draft202012Validator.check_schema(tool.parameters_schema())
        assert (
            info.category
            and info.description
            and info.security_level
            in (
                "safe",
                "restricted",
                "privileged",
            )
        )


def test_security_level_ceiling_refuses_higher_tools(tmp_path, sink):
    with make_runtime(tmp_path, sink, **{"tools.max_security_level": "safe"}) as runtime:
        runtime.tools.register(_script_tool("risky", level="privileged"))
        with pytest.raises(
            SecurityError, match=r"needs security level 'privileged'.*max_security_level"
        ):
            runtime.tools.invoke("risky", {})


def test_rate_limit_refuses_calls_past_the_limit(tmp_path, sink):
    with make_runtime(tmp_path, sink, **{"tools.rate_limit_per_minute": 3}) as runtime:
        for _ in range(3):
            runtime.tools.invoke("uuid_generator", {})
        with pytest.raises(
            SecurityError, match=r"3 tool calls per minute .*tools.rate_limit_per_minute"
        ):
            runtime.tools.invoke("uuid_generator", {})


def test_tools_disabled_hides_builtins_but_keeps_script_tools(tmp_path, sink):
    with make_runtime(tmp_path, sink, **{"tools.enabled": False}) as runtime:
        assert not runtime.tools.exists("uuid_generator")
        with pytest.raises(ToolNotFound, match=r"tools\.enabled = false"):
            runtime.tools.invoke("uuid_generator", {})
        runtime.tools.register(_script_tool("mine"))
        assert runtime.tools.names() == ["mine"]


@pytest.mark.parametrize(
    ("key", "gone", "kept"),
    [
        ("tools.file_operations.enabled", ["file_operations", "archive_handler"], "csv_analyzer"),
        ("tools.http_request.enabled", ["http_request"], "graphql_query"),
        ("tools.web_search.enabled", ["web_search"], "web-scraper"),
    ],
)
def test_a_section_switched_off_removes_its_tools(tmp_path, sink, key, gone, kept):
    with make_runtime(tmp_path, sink, **{key: False}) as runtime:
        names = runtime.tools.names()
        assert kept in names and not set(gone) & set(names)
        with pytest.raises(ToolNotFound, match=re.escape(f"`{key} = false`")):
            runtime.tools.invoke(gone[0], {})


def _script_tool(name, level="safe"):
    from llmspell.tools.script_tool import ScriptTool

    return ScriptTool(
        name=name,
        description="test tool",
        parameters={"type": "object", "properties": {}},
        execute=lambda params: "done",
        security_level=level,
    )


# The Tool global, from Lua --------------------------------------------------------------------


def test_tool_global_call_forms(rt):
    values = rt.run_code(
        """
        local a = Tool.invoke("uuid_generator", {operation = "component_id", prefix = "agent"})
        local b = Tool.execute("uuid-generator", {})
        local c = Tool.get("uuid_generator"):execute({})
        local d = Tool.uuid_generator:execute({})
        local e = Tool["uuid-generator"].execute({})
        return a.result.prefix, b.success, #c.result.uuid, d.text == d.result.uuid, e.success
        """
    )
    assert values == ["agent", True, 36, True, True]


def test_tool_list_get_exists_categories_discover(rt):
    values = rt.run_code(
        """
        local names = {}
        for _, t in ipairs(Tool.list()) do names[t.name] = t.category end
        local handle = Tool.get("uuid_generator")
        local found = Tool.discover({category = "utility"})
        local has_utility = false
        for _, c in ipairs(Tool.categories()) do if c == "utility" then has_utility = true end end
        return names.uuid_generator, handle.schema.parameters[1].name, handle.version,
          Tool.exists("nope"), Tool.get("nope"), Tool.nope, #found > 0, has_utility
        """
    )
    assert values == ["utility", "operation", "1.0.0", False, None, None, True, True]


def test_errors_reach_lua_as_catchable_messages(rt):
    ok, message = rt.run_code('return pcall(Tool.invoke, "nope", {})')
    assert ok is False
    assert message.startswith("Tool 'nope' not found")
    ok, message = rt.run_code('return pcall(Tool.invoke, "uuid_generator", "not a table")')
    assert "parameters must be a table" in message


def test_register_a_lua_tool_and_use_it_like_a_builtin(rt):
    values = rt.run_code(
        """
        Tool.register{
          name = "word-count",
          description = "Count words",
          parameters = {
            text = {type = "string", description = "the text", required = true},
            min = {type = "integer"},
          },
          execute = function(params)
            local n = 0
            for _ in params.text:gmatch("%S+") do n = n + 1 end
            return {success = true, text = tostring(n), result = {words = n}}
          end,
        }
        local r = Tool.invoke("word_count", {text = "one two three"})
        local ok, err = pcall(Tool.invoke, "word-count", {min = 1})
        local ok2, err2 = pcall(Tool.invoke, "word-count", {text = 5})
        return r.text, r.result.words, Tool.exists("word_count"), ok, err, err2
        """
    )
    assert values[:4] == ["3", 3, True, False]
    assert "'text' is a required property" in values[4]
    assert "parameter 'text'" in values[5] and "is not of type 'string'" in values[5]
    assert "word-count" in rt.tools.names()


def test_register_validates_its_own_arguments(rt):
    with pytest.raises(ScriptError, match="`execute` must be a function"):
        rt.run_code('Tool.register{name = "x", description = "d"}')
    with pytest.raises(ScriptError, match="unknown type 'strng'"):
        rt.run_code(
            'Tool.register{name = "y", parameters = {a = {type = "strng"}},'
            " execute = function() end}"
        )
    with pytest.raises(ScriptError, match="already exists"):
        rt.run_code('Tool.register{name = "uuid_generator", execute = function() end}')


def test_a_failing_lua_tool_raises_with_its_message(rt):
    rt.run_code('Tool.register{name = "boom", execute = function() error("kaput") end}')
    ok, message = rt.run_code('return pcall(Tool.invoke, "boom", {})')
    assert ok is False
    assert "kaput" in message
