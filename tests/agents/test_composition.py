"""Templates, agents wrapped as tools, composite agents and the recursion guard."""

from __future__ import annotations

import threading

import pytest
from scripted import calls

from llmspell.agents import AgentInput
from llmspell.core.errors import AgentError, ToolParameterError, ValidationError


def test_templates_and_their_merge(manager, script):
    assert manager.templates() == ["llm", "basic", "tool-orchestrator"]
    llm = manager.create_from_template("writer", "llm", {"temperature": 0.1})
    assert (llm.config.temperature, llm.config.max_tokens) == (0.1, 2000)
    assert (llm.provider, llm.model) == ("openai", "gpt-4o-mini")
    orchestrator = manager.create_from_template(
        "boss", "tool-orchestrator", {"model": "anthropic/claude-3-5-haiku-latest"}
    )
    assert orchestrator.config.allowed_tools == ["*"]
    assert orchestrator.config.temperature == 0.3
    assert orchestrator.provider == "anthropic"
    basic = manager.create_from_template("echoer", "basic")
    assert basic.execute(AgentInput(text="x")).text == "BasicAgent 'echoer' received: x"
    with pytest.raises(AgentError, match="template 'nope' not found"):
        manager.create_from_template("n", "nope")
    with pytest.raises(ValidationError, match="unknown key 'colour'"):
        manager.create_from_template("n", "llm", {"colour": "red"})


def test_get_info_and_capabilities(manager):
    info = manager.info("llm")
    assert info["category"] == "agent" and info["required_parameters"] == ["name"]
    assert manager.info("whatever")["description"] == "Agent type: whatever"
    manager.create({"name": "t", "model": "m", "tools": ["calculator"]})
    manager.create({"name": "plain", "model": "m"})
    assert manager.discover_by_capability("tool_calling") == ["t"]
    assert manager.discover_by_capability("calculator") == ["t"]
    assert manager.discover_by_capability("streaming") == ["plain", "t"]


def test_an_agent_wrapped_as_a_tool_answers_through_the_registry(manager, script, runtime):
    expert = manager.create({"name": "expert", "model": "openai/gpt-4o-mini"})
    name = manager.wrap_as_tool("expert", {})
    assert name == "expert_tool"
    info = runtime.tools.info(name)
    assert (info.category, info.security_level) == ("agent", "restricted")
    script.push("the expert says hi")
    result = runtime.tools.invoke("expert_tool", {"input": "hello?"})
    assert result.text == "the expert says hi"
    assert result.result["agent"] == "expert" and result.result["usage"]["total_tokens"] > 0
    assert expert.metrics.snapshot()["requests_total"] == 1
    assert runtime.tools.invoke("expert_tool", {"prompt": "again"}).success
    with pytest.raises(ToolParameterError, match="parameter 'input' is required"):
        runtime.tools.invoke("expert_tool", {})


def test_a_lead_agent_can_call_a_wrapped_agent(manager, script):
    manager.create({"name": "researcher", "model": "m"})
    manager.wrap_as_tool("researcher", {"tool_name": "ask_researcher", "description": "Research"})
    lead = manager.create({"name": "lead", "model": "m", "tools": ["ask_researcher"]})

    def handler(request):
        if request.messages[0].content.startswith("You are researcher"):
            return "facts: water is wet"
        if request.messages[-1].role == "tool":
            return f"summary of {request.messages[-1].content}"
        return calls(("ask_researcher", {"input": "is water wet?"}))

    script.handler = handler
    out = lead.execute(AgentInput(text="brief me"))
    assert out.text == "summary of facts: water is wet"
    assert script.sent[0].request.tools[0].description == "Research"


def test_recursion_depth_is_guarded(manager, script):
    manager.create({"name": "loop", "model": "m", "tools": ["loop_tool"], "max_recursion_depth": 3})
    manager.wrap_as_tool("loop", {"tool_name": "loop_tool"})
    script.handler = lambda request: (
        f"gave up: {request.messages[-1].content}"
        if request.messages[-1].role == "tool"
        else calls(("loop_tool", {"input": "deeper"}))
    )
    out = manager.require("loop").execute(AgentInput(text="go"))
    assert "nested 3 agents deep" in out.text and "max_recursion_depth" in out.text


def test_sequential_composite_feeds_each_answer_to_the_next(manager, script):
    manager.create({"name": "drafter", "model": "openai/gpt-4o-mini"})
    manager.create({"name": "editor", "model": "openai/gpt-4o-mini"})
    script.handler = lambda r: r.messages[-1].content.upper() + "!"
    team = manager.create_composite("team", ["drafter", "editor"], {})
    out = team.execute(AgentInput(text="draft"))
    assert out.text == "DRAFT!!"
    assert [s.messages[-1].content for s in script.sent] == ["draft", "DRAFT!"]
    assert out.provider == "composite" and out.model == "drafter,editor"
    assert out.usage.total_tokens > 0 and out.cost_usd > 0
    assert manager.hierarchy(team) == {
        "name": "team",
        "type": "composite",
        "children": [
            {"name": "drafter", "type": "llm", "children": []},
            {"name": "editor", "type": "llm", "children": []},
        ],
    }


def test_parallel_composite_runs_members_at_once(manager, script):
    for name in ("a", "b", "c"):
        manager.create({"name": name, "model": "m"})
    barrier = threading.Barrier(3, timeout=5)

    def handler(request):
        barrier.wait()  # all three must be in flight together
        return request.messages[0].content.split(",")[0]

    script.handler = handler
    team = manager.create_composite("fan", ["a", "b", "c"], {"mode": "parallel"})
    out = team.execute(AgentInput(text="go"))
    assert out.text == "[a]\nYou are a\n\n[b]\nYou are b\n\n[c]\nYou are c"


def test_fallback_composite_uses_the_first_agent_that_answers(manager, script):
    manager.create({"name": "flaky", "model": "m"})
    manager.create({"name": "steady", "model": "m"})
    script.push(AgentError("flaky is down"), "steady answer")
    team = manager.create_composite("safe", ["flaky", "steady"], {"routing": "fallback"})
    assert team.execute(AgentInput(text="q")).text == "steady answer"


def test_composite_errors(manager):
    with pytest.raises(AgentError, match="Agent instance 'ghost' not found"):
        manager.create_composite("c", ["ghost"], {})
    manager.create({"name": "one", "model": "m"})
    with pytest.raises(ValidationError, match="mode 'zigzag'"):
        manager.create_composite("c", ["one"], {"mode": "zigzag"})
    with pytest.raises(ValidationError, match="at least one agent"):
        manager.create_composite("c", [], {})
