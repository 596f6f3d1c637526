"""The tool-call loop: schemas offered, calls run through the registry, results fed back."""

from __future__ import annotations

import json

import pytest
from scripted import calls

from llmspell.agents import AgentInput
from llmspell.core.errors import AgentError
from llmspell.providers import ChatResponse, Usage


def test_the_model_gets_tool_schemas_and_the_calculator_result(manager, script, runtime):
    agent = manager.create({"name": "math", "model": "m", "allowed_tools": ["calculator"]})
    script.push(calls(("calculator", {"input": "6 * 7"})), "It is 42.")
    out = agent.execute(AgentInput(text="What is 6 times 7?"))
    assert out.text == "It is 42."
    first, second = script.sent
    [spec] = first.request.tools
    assert spec.name == "calculator"
    assert spec.parameters == runtime.tools.get("calculator").parameters_schema()
    assert spec.description == runtime.tools.info("calculator").description
    assert second.roles() == ["system", "user", "assistant", "tool"]
    assistant, tool = second.messages[2], second.messages[3]
    assert assistant.tool_calls[0].name == "calculator"
    assert (tool.tool_call_id, tool.name) == ("call_1", "calculator")
    assert "42" in tool.content
    [record] = out.tool_calls
    assert (record.name, record.success, record.arguments) == (
        "calculator",
        True,
        {"input": "6 * 7"},
    )
    assert out.rounds == 2
    assert agent.metrics.snapshot()["tool_invocations"] == 1
    # the whole exchange is remembered, so the next call sees it as real messages
    agent.execute(AgentInput(text="And plus one?"))
    assert script.last.roles() == ["system", "user", "assistant", "tool", "assistant", "user"]


def test_usage_adds_up_over_rounds(manager, script):
    agent = manager.create({"name": "u", "model": "openai/gpt-4o-mini", "tools": ["calculator"]})
    first = calls(("calculator", {"input": "1+1"}))
    first.usage = Usage(input_tokens=100, output_tokens=10)
    script.push(
        first,
        ChatResponse(
            text="2", provider="", model="", usage=Usage(input_tokens=120, output_tokens=5)
        ),
    )
    out = agent.execute(AgentInput(text="1+1?"))
    assert (out.usage.input_tokens, out.usage.output_tokens) == (220, 15)
    assert out.cost_usd == pytest.approx((220 * 0.15 + 15 * 0.60) / 1e6)


def test_a_lua_tool_runs_from_the_loop(manager, script, runtime):
    runtime.run_code(
        """
        Tool.register{
          name = "shout", description = "Upper-case a word",
          parameters = {word = {type = "string", required = true}},
          execute = function(p) return {success = true, text = p.word:upper()} end,
        }
        """
    )
    agent = manager.create({"name": "loud", "model": "m", "allowed_tools": ["shout"]})
    script.push(calls(("shout", {"word": "hey"})), "done")
    out = agent.execute(AgentInput(text="shout hey"))
    assert script.last.messages[-1].content == "HEY"
    assert out.tool_calls[0].output == "HEY"
    assert script.sent[0].request.tools[0].parameters["required"] == ["word"]


def test_tool_errors_go_back_to_the_model_so_it_can_recover(manager, script):
    agent = manager.create({"name": "retry", "model": "m", "allowed_tools": ["calculator"]})
    script.push(
        calls(("calculator", {"input": "2 +* 2"})),
        calls(("calculator", {"bogus": 1})),
        calls(("file_operations", {"operation": "read", "path": "/etc/passwd"})),
        calls(("calculator", {"input": "2 + 2"})),
        "4",
    )
    out = agent.execute(AgentInput(text="2+2"))
    assert out.text == "4"
    outputs = [r.output for r in out.tool_calls]
    assert outputs[0].startswith("Error: Tool 'calculator'")
    assert "unknown parameter 'bogus'" in outputs[1]
    assert outputs[2].startswith("Error: Tool 'file_operations' is not available to this agent")
    assert outputs[3] == "4" or "4" in outputs[3]
    assert [r.success for r in out.tool_calls] == [False, False, False, True]


def test_max_tool_calls_stops_the_loop_with_a_clear_error(manager, script):
    agent = manager.create(
        {"name": "greedy", "model": "m", "tools": ["calculator"], "max_tool_calls": 2}
    )
    script.handler = lambda request: calls(("calculator", {"input": "1+1"}))
    with pytest.raises(AgentError) as info:
        agent.execute(AgentInput(text="loop forever"))
    message = str(info.value)
    assert "Agent 'greedy'" in message and "`max_tool_calls` = 2" in message
    assert len(agent.conversation) == 0
    assert agent.metrics.snapshot()["tool_invocations"] == 2


def test_several_calls_in_one_answer_count_against_the_limit(manager, script):
    agent = manager.create(
        {"name": "two", "model": "m", "tools": ["calculator"], "max_tool_calls": 1}
    )
    script.push(calls(("calculator", {"input": "1"}), ("calculator", {"input": "2"})))
    with pytest.raises(AgentError, match="max_tool_calls"):
        agent.execute(AgentInput(text="x"))


def test_per_call_tools_and_the_star(manager, script, runtime):
    agent = manager.create({"name": "all", "model": "m", "allowed_tools": ["*"]})
    agent.execute(AgentInput(text="x"))
    offered = {spec.name for spec in script.last.request.tools}
    assert {"calculator", "uuid_generator", "file_operations"} <= offered
    assert len(offered) == len(runtime.tools.names())
    agent.execute(AgentInput(text="y", tools=[]))
    assert script.last.request.tools == []
    agent.execute(AgentInput(text="z", tools=["uuid-generator"]))
    assert [s.name for s in script.last.request.tools] == ["uuid_generator"]


def test_an_unknown_allowed_tool_fails_the_call_not_the_build(manager, script):
    agent = manager.create({"name": "typo", "model": "m", "allowed_tools": ["calculater"]})
    with pytest.raises(AgentError, match="allowed tool 'calculater' is not registered"):
        agent.execute(AgentInput(text="x"))
    assert script.sent == []


def test_tool_security_applies_to_agent_calls(manager, script, tmp_path):
    agent = manager.create({"name": "reader", "model": "m", "tools": ["file_operations"]})
    script.push(calls(("file_operations", {"operation": "read", "path": "/etc/hostname"})), "ok")
    out = agent.execute(AgentInput(text="read it"))
    [record] = out.tool_calls
    assert not record.success
    assert "not allowed" in record.output.lower() or "outside" in record.output.lower()


def test_structured_tool_results_are_sent_as_json(manager, script, runtime):
    runtime.run_code(
        """
        Tool.register{name = "facts", description = "Facts",
          execute = function() return {success = true, result = {n = 3, tags = {"a"}}} end}
        """
    )
    agent = manager.create({"name": "j", "model": "m", "tools": ["facts"]})
    script.push(calls(("facts", {})), "ok")
    agent.execute(AgentInput(text="facts"))
    assert json.loads(script.last.messages[-1].content) == {"n": 3, "tags": ["a"]}
