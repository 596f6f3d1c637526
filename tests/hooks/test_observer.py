"""The runtime observer: metrics and lifecycle events from real tool, agent and workflow calls."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes import FakeProviderServer, Reply
from llmspell import Runtime
from llmspell.config.loader import config_from_toml
from llmspell.core.output import CaptureSink


def providers_toml(fake: FakeProviderServer, extra: str = "") -> str:
    lines = []
    for line in fake.providers_toml().splitlines():
        lines.append(line)
        if line.startswith("[providers."):
            lines += ["max_retries = 0", "timeout_seconds = 2"]
    return "\n".join(lines) + "\n" + extra


@pytest.fixture
def runtime(fake_llm: FakeProviderServer, tmp_path: Path) -> Iterator[Runtime]:
    rt = Runtime(config_from_toml(providers_toml(fake_llm)), sink=CaptureSink(), cwd=tmp_path)
    yield rt
    rt.close()


def test_not_installed_until_a_component_is_built(runtime):
    runtime.run_code("return 1")
    assert runtime.observer is None
    _ = runtime.tools
    assert runtime.observer is not None
    assert runtime.hooks.list(internal=False) == []


def test_tool_calls_feed_metrics_and_events(runtime):
    sub = runtime.events.subscribe("tool.*")
    runtime.run_code(
        """
        Tool.invoke("calculator", {input = "1 + 1"})
        Tool.invoke("calculator", {input = "2 * 3"})
        pcall(Tool.invoke, "calculator", {input = "1 +"})
        """
    )
    m = runtime.metrics
    assert m.get("tool.calls", {"tool": "calculator"}) == 3
    assert m.get("tool.errors", {"tool": "calculator"}) == 1
    hist = m.get("tool.duration_ms", {"tool": "calculator"})
    assert hist["count"] == 3
    events = []
    while (event := runtime.events.receive(sub)) is not None:
        events.append(event)
    assert [e.event_type for e in events] == ["tool.executed", "tool.executed", "tool.error"]
    first = events[0]
    assert first.data["name"] == "calculator" and first.data["success"] is True
    assert first.data["duration_ms"] >= 0
    assert first.correlation_id
    assert "error" in events[2].data


def test_events_carry_the_hook_context_correlation_id(runtime):
    seen: list[str] = []
    runtime.hooks.register("AfterToolExecution", lambda ctx: seen.append(ctx.correlation_id))
    sub = runtime.events.subscribe("tool.executed")
    runtime.tools.invoke("uuid_generator", {})
    event = runtime.events.receive(sub)
    assert event is not None and event.correlation_id == seen[0]


def test_agent_calls_feed_tokens_cost_and_events(runtime, fake_llm):
    fake_llm.push(Reply(text="a", input_tokens=1_000_000, output_tokens=0))
    fake_llm.push(Reply(text="b", input_tokens=0, output_tokens=1_000_000))
    sub = runtime.events.subscribe("agent.*")
    runtime.run_code(
        """
        local a = Agent.builder():name("spender"):model("openai/gpt-4o-mini"):build()
        a:execute("x")
        a:execute("y")
        """
    )
    m = runtime.metrics
    llm = {"provider": "openai", "model": "gpt-4o-mini"}
    assert m.get("agent.calls", {"agent": "spender"}) == 2
    assert m.get("llm.tokens.input", llm) == 1_000_000
    assert m.get("llm.tokens.output", llm) == 1_000_000
    assert m.get("llm.cost_usd", llm) == pytest.approx(0.75)
    assert m.get("llm.calls", llm) == 2
    assert runtime.observer is not None and runtime.observer.spent_usd == pytest.approx(0.75)
    event = runtime.events.receive(sub)
    assert event is not None and event.event_type == "agent.completed"
    assert event.data["name"] == "spender" and event.data["success"] is True
    assert event.data["cost_usd"] == pytest.approx(0.15)


def test_agent_errors_are_counted(runtime, fake_llm):
    fake_llm.fault("http_error", status=500, times=1)
    sub = runtime.events.subscribe("agent.error")
    ok = runtime.run_code(
        """
        local a = Agent.builder():name("broken"):model("openai/gpt-4o-mini"):build()
        return (pcall(function() return a:execute("x") end))
        """
    )
    assert ok == [False]
    assert runtime.metrics.get("agent.errors", {"agent": "broken"}) == 1
    event = runtime.events.receive(sub)
    assert event is not None and event.data["success"] is False


def test_workflow_runs_and_errors(runtime):
    sub = runtime.events.subscribe("workflow.*")
    runtime.run_code(
        """
        local wf = Workflow.builder():name("calc"):sequential()
            :add_step({name = "s", type = "tool", tool = "calculator", input = {input = "1+1"}})
            :build()
        wf:execute({})
        """
    )
    assert runtime.metrics.get("workflow.runs", {"workflow": "calc"}) == 1
    event = runtime.events.receive(sub)
    assert event is not None and event.event_type == "workflow.completed"
    assert event.data["name"] == "calc" and event.data["success"] is True


def test_no_events_when_events_are_disabled(fake_llm, tmp_path):
    loaded = config_from_toml(providers_toml(fake_llm, "[events]\nenabled = false\n"))
    with Runtime(loaded, sink=CaptureSink(), cwd=tmp_path) as rt:
        rt.tools.invoke("uuid_generator", {})
        assert rt.metrics.get("tool.calls", {"tool": "uuid_generator"}) == 1
        assert rt._events is None  # the bus was never built


def test_hooks_disabled_means_no_observer(tmp_path):
    loaded = config_from_toml("[hooks]\nenabled = false\n")
    with Runtime(loaded, sink=CaptureSink(), cwd=tmp_path) as rt:
        rt.tools.invoke("uuid_generator", {})
        assert rt.observer is None
        assert rt.metrics.get("tool.calls", {"tool": "uuid_generator"}) in (None, 0)


def test_spell_hook_list_and_clear_leave_the_observer(runtime):
    out = runtime.run_code(
        """
        Hook.register("BeforeToolExecution", function() end)
        local before = #Hook.list()
        Hook.clear()
        Tool.invoke("uuid_generator", {})
        return before, #Hook.list()
        """
    )
    assert out == [1, 0]
    assert runtime.metrics.get("tool.calls", {"tool": "uuid_generator"}) == 1
