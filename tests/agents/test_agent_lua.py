"""The `Agent` global from Lua, over the scripted model: shapes, call styles, errors."""

from __future__ import annotations

import pytest
from scripted import calls

from llmspell.core.errors import ScriptError


def run(lua, code):
    values = lua.execute(code)
    if not values:
        return None
    return values[0] if len(values) == 1 else values


def test_builder_in_both_call_styles(lua, script):
    names = run(
        lua,
        """
        local a = Agent.builder():name("colon"):model("openai/gpt-4o-mini"):temperature(0.2)
            :max_tokens(50):system_prompt("S"):build()
        local b = Agent.builder().name("dot").provider("anthropic")
          .model("claude-3-5-haiku-latest").build()
        local c = Agent.builder():name("mixed").model("ollama/llama3.1:8b"):allow_tool("calculator")
            :allow_tool("uuid_generator"):build()
        return {a.name, a.provider, a.model, b.provider, b.model, c.provider, c.model,
                #c:discover_tools(), c:has_tool("calculator"), c:has_tool("base64_encoder")}
        """,
    )
    assert names == [
        "colon",
        "openai",
        "gpt-4o-mini",
        "anthropic",
        "claude-3-5-haiku-latest",
        "ollama",
        "llama3.1:8b",
        2,
        True,
        False,
    ]


def test_builder_is_the_same_object_through_the_chain(lua):
    assert run(lua, "local b = Agent.builder(); return b:name('x') == b, b.model('m') == b")


def test_every_builder_method_exists(lua):
    methods = [
        "name",
        "description",
        "model",
        "provider",
        "system_prompt",
        "temperature",
        "max_tokens",
        "max_conversation_length",
        "base_url",
        "api_key",
        "allow_tool",
        "allowed_tools",
        "max_execution_time",
        "max_memory_mb",
        "max_tool_calls",
        "max_recursion_depth",
        "type",
        "custom_config",
        "resource_limits",
        "build",
    ]
    code = (
        "local b = Agent.builder(); return {"
        + ", ".join(f"type(b.{m}) == 'function'" for m in methods)
        + "}"
    )
    assert run(lua, code) == [True] * len(methods)


def test_builder_settings_reach_the_config(lua):
    config = run(
        lua,
        """
        local a = Agent.builder():name("full"):description("d"):model("gpt-4o-mini")
          :base_url("http://127.0.0.1:1/v1"):api_key("sk-abcdefgh1234"):max_conversation_length(6)
          :allowed_tools({"calculator"}):custom_config({system_prompt = "CS", team = "x"})
          :resource_limits({max_execution_time_secs = 30, max_memory_mb = 8, max_tool_calls = 4,
                            max_recursion_depth = 2})
          :type("llm"):build()
        return a:get_config()
        """,
    )
    assert config["system_prompt"] == "CS" and config["custom_config"] == {"team": "x"}
    assert (config["max_execution_time"], config["max_tool_calls"]) == (30, 4)
    assert config["api_key"] == "****1234" and config["max_conversation_length"] == 6
    assert config["allowed_tools"] == ["calculator"]


def test_execute_accepts_every_input_shape(lua, script):
    texts = run(
        lua,
        """
        local a = Agent.create{name = "shapes", model = "m", max_conversation_length = 0}
        return {
          a:execute("plain").text,
          a:invoke({text = "table"}).content,
          a:execute({prompt = "prompt key"}).response,
          a:execute("with opts", {temperature = 0.5}).text,
          a:execute({text = "nested", parameters = {max_tokens = 9}}).text,
          a:execute({text = "data", instruction = "Summarise"}).text,
        }
        """,
    )
    assert texts == [
        "echo: plain",
        "echo: table",
        "echo: prompt key",
        "echo: with opts",
        "echo: nested",
        "echo: Summarise\n\ndata",
    ]
    assert script.sent[3].request.temperature == 0.5
    assert script.sent[4].request.max_tokens == 9


def test_the_result_table_shape(lua, script):
    script.push(calls(("calculator", {"input": "2+2"})), '{"result": 4, "success": true}')
    r = run(
        lua,
        """
        local a = Agent.builder():name("shape"):model("openai/gpt-4o-mini")
          :allow_tool("calculator"):build()
        return a:execute("2+2 as JSON")
        """,
    )
    assert r["text"] == r["content"] == r["response"] == '{"result": 4, "success": true}'
    meta = r["metadata"]
    assert (meta["provider"], meta["model"], meta["finish_reason"]) == (
        "openai",
        "gpt-4o-mini",
        "stop",
    )
    usage = meta["usage"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"] > 0
    assert meta["cost_usd"] > 0 and meta["duration_ms"] >= 0
    [call] = r["tool_calls"]
    assert (call["name"], call["arguments"], call["success"]) == (
        "calculator",
        {"input": "2+2"},
        True,
    )
    assert call["output"] == "4"


def test_streaming_calls_the_lua_function_per_chunk(lua, script):
    script.push("a b c")
    got = run(
        lua,
        """
        local a = Agent.create{name = "st", model = "m"}
        local seen = {}
        local r = a:stream("go", function(c) seen[#seen + 1] = c.text .. "|" .. c.delta end)
        local r2 = a:invokeStream({text = "again"}, function() end)
        local r3 = a:execute_streaming("third", {max_tokens = 5}, function() end)
        return {seen, r.text, r.chunks_received, r2.text, r3.text}
        """,
    )
    assert got == [["a |a ", "b |b ", "c|c"], "a b c", 3, "echo: again", "echo: third"]


def test_errors_are_catchable_and_name_the_problem(lua, script):
    from llmspell.core.errors import ProviderHTTPError

    script.push(ProviderHTTPError("openai/gpt-4o-mini: HTTP 500 Internal Server Error", status=500))
    results = run(
        lua,
        """
        local a = Agent.create{name = "e", model = "openai/gpt-4o-mini"}
        local ok1, e1 = pcall(a.execute, a, "boom")
        local ok2, e2 = pcall(function() return a:execute(42) end)
        local ok3, e3 = pcall(function() return Agent.builder():build() end)
        local ok4, e4 = pcall(Agent.create, {name = "e", model = "m"})
        local ok5, e5 = pcall(function() return a:execute({}) end)
        return {ok1, e1, ok2, e2, ok3, e3, ok4, e4, ok5, e5, #a:get_history()}
        """,
    )
    assert results[0] is False and "HTTP 500" in results[1] and "gpt-4o-mini" in results[1]
    assert results[2] is False and "pass a string or a table {text=...}, got number" in results[3]
    assert results[4] is False and "Model is required" in results[5]
    assert results[6] is False and "Agent instance 'e' already exists" in results[7]
    assert results[8] is False and "the input has no text" in results[9]
    assert results[10] == 0


def test_uncaught_errors_stop_the_spell_with_the_line(lua):
    with pytest.raises(ScriptError) as info:
        lua.execute('local a = Agent.create{name = "x", type = "robot"}', chunk_name="@spell.lua")
    assert "spell.lua:1:" in str(info.value) and "type 'robot'" in str(info.value)


def test_statics(lua):
    out = run(
        lua,
        """
        Agent.create{name = "one", model = "m"}
        local name = Agent.register{name = "two", description = "d", type = "llm",
          model = {provider = "openai", model_id = "gpt-4o-mini"}, custom_config = {},
          resource_limits = {max_execution_time_secs = 10}}
        local t = Agent.create_from_template("three", "basic", {})
        local got = Agent.get("one")
        return {name, Agent.list_instances(), #Agent.list(), Agent.list()[1].name,
                Agent.get("nope") == nil, got == Agent.get("one"), got.name,
                Agent.list_templates(), Agent.discover()[3].type, Agent.get_info("llm").category,
                t:execute("hi").text, Agent.list_capabilities().one.streaming,
                Agent.get_details("two").model, Agent.get_hierarchy("one").type}
        """,
    )
    assert out == [
        "two",
        ["one", "three", "two"],
        3,
        "one",
        True,
        True,
        "one",
        ["llm", "basic", "tool-orchestrator"],
        "tool-orchestrator",
        "agent",
        "BasicAgent 'three' received: hi",
        True,
        "gpt-4o-mini",
        "llm",
    ]


def test_lifecycle_metrics_and_state_from_lua(lua, script):
    out = run(
        lua,
        """
        local a = Agent.create{name = "cycle", model = "openai/gpt-4o-mini"}
        local s0 = a:get_state()
        a:execute("hi")
        local s1 = a:get_agent_state()
        a:pause(); local s2 = a:get_state(); a:resume()
        local ok, err = pcall(a.resume, a)
        a:set_error("bad"); local healthy = a:is_healthy(); a:recover()
        local m = a:get_metrics()
        local saved = a:save_state()
        a:clear_history()
        local empty = #a:get_history()
        local loaded = a:load_state()
        return {s0, s1, s2, ok, err, healthy, a:get_last_error(), a:get_recovery_attempts(),
                m.requests_total, m.agent_id, m.total_tokens > 0, m.cost_usd > 0, saved, empty,
                loaded, #a:get_history(), a:get_state_metrics().current_state,
                #a:get_state_history() > 4, a:get_health().status,
                a:get_performance().success_rate}
        """,
    )
    assert out[:3] == ["Uninitialized", "Running", "Paused"]
    assert out[3] is False and "cannot resume: it is Running" in out[4]
    assert out[5:8] == [False, "bad", 1]
    assert out[8:12] == [1, "cycle", True, True]
    assert out[12:16] == [True, 0, True, 2]
    assert out[16:] == ["Ready", True, "healthy", 1.0]


def test_invoke_tool_and_tool_metadata(lua):
    out = run(
        lua,
        """
        local a = Agent.builder():name("tooly"):model("m"):allow_tool("calculator"):build()
        local r = a:invokeTool("calculator", {input = "3*3"})
        local meta = a:get_tool_metadata("calculator")
        return {r.success, r.text, meta.name, a:get_tool_metadata("uuid_generator") == nil,
                a:get_all_tool_metadata().calculator.category, a:get_metrics().tool_invocations}
        """,
    )
    assert out == [True, "9", "calculator", True, "utility", 1]


def test_agent_uses_a_lua_tool_and_wraps_as_a_tool(lua, script):
    script.push(calls(("reverse", {"s": "abc"})), "reversed it")
    out = run(
        lua,
        """
        Tool.register{name = "reverse", description = "Reverse a string",
          parameters = {s = {type = "string", required = true}},
          execute = function(p) return {success = true, text = p.s:reverse()} end}
        local a = Agent.builder():name("rev"):model("m"):allowed_tools({"reverse"}):build()
        local r = a:execute("reverse abc")
        local tool = Agent.wrap_as_tool("rev", {tool_name = "rev_tool"})
        local via = Tool.invoke("rev_tool", {input = "plain question"})
        return {r.text, r.tool_calls[1].output, tool, via.text, via.result.agent}
        """,
    )
    assert out == ["reversed it", "cba", "rev_tool", "echo: plain question", "rev"]


def test_composite_contexts_and_shared_memory_from_lua(lua, script):
    out = run(
        lua,
        """
        Agent.create{name = "up", type = "basic"}
        Agent.create{name = "echo2", model = "m"}
        local team = Agent.create_composite("pipe", {"up", "echo2"}, {mode = "sequential"})
        local r = team:execute("x")
        local ctx = Agent.create_context({scope = {type = "session", id = "s"}, data = {a = 1}})
        local child = Agent.create_child_context(ctx, {type = "agent", id = "up"}, "inherit")
        Agent.update_context(child, "b", 2)
        Agent.set_shared_memory({type = "user", id = "u1"}, "pref", {color = "blue"})
        local with_ctx = Agent.get("echo2"):execute_with_context("hello", child)
        Agent.remove_context(ctx)
        local ok = pcall(Agent.get_context_data, child, "a")
        return {r.text, Agent.get_context_data == nil, ok,
                Agent.get_shared_memory({type = "user", id = "u1"}, "pref").color,
                Agent.get_shared_memory({}, "pref") == nil, with_ctx.text}
        """,
    )
    assert out[0] == "echo: BasicAgent 'up' received: x"
    assert out[1:5] == [False, False, "blue", True]
    assert "Context:\na: 1\nb: 2" in script.last.messages[0].content


def test_context_reads_before_removal(lua):
    assert run(
        lua,
        """
        local ctx = Agent.create_context({data = {a = 1}})
        local child = Agent.create_child_context(ctx, nil, "copy")
        Agent.update_context(ctx, "a", 5)
        return {Agent.get_context_data(child, "a"), Agent.get_context_data(ctx, "a")}
        """,
    ) == [1, 5]


def test_parallel_members_call_lua_tools_without_deadlock(lua, script):
    def handler(request):
        if request.messages[-1].role == "tool":
            return f"got {request.messages[-1].content}"
        return calls(("tag", {"who": request.messages[0].content.split(",")[0][8:]}))

    script.handler = handler
    out = run(
        lua,
        """
        Tool.register{name = "tag", description = "Tag a name",
          parameters = {who = {type = "string"}},
          execute = function(p) return "<" .. p.who .. ">" end}
        for _, n in ipairs({"p1", "p2", "p3"}) do
          Agent.builder():name(n):model("m"):allow_tool("tag"):build()
        end
        return Agent.create_composite("fan", {"p1", "p2", "p3"}, {mode = "parallel"})
          :execute("go").text
        """,
    )
    assert out == "[p1]\ngot <p1>\n\n[p2]\ngot <p2>\n\n[p3]\ngot <p3>"
