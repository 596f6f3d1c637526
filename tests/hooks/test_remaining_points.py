"""The remaining hook points fire from real operations, through a Runtime."""

from __future__ import annotations

from typing import Any

import pytest

from llmspell.core.errors import LLMSpellError
from llmspell.hooks import HookResult


def record(rt: Any, *points: str) -> list[str]:
    seen: list[str] = []
    for p in points:
        rt.hooks.register(p, lambda ctx, p=p: seen.append(p))
    return seen


def test_tool_discovery_points_fire_from_lua(runtime):
    seen = record(runtime, "BeforeToolDiscovery", "AfterToolDiscovery")
    runtime.run_code("return #Tool.list()")
    assert seen == ["BeforeToolDiscovery", "AfterToolDiscovery"]


def test_tool_validation_fires_and_cancel_refuses(runtime):
    seen = record(runtime, "ToolValidation")
    runtime.tools.invoke("calculator", {"input": "1+1"})
    assert seen == ["ToolValidation"]
    runtime.hooks.register("ToolValidation", lambda ctx: HookResult.cancel("no"))
    with pytest.raises(LLMSpellError, match="refused"):
        runtime.tools.invoke("calculator", {"input": "1+1"})


def test_state_conflict_fires_on_failed_compare_and_swap(runtime):
    seen = record(runtime, "StateConflict")
    runtime.state.save("global", "k", "a")
    assert not runtime.state.compare_and_swap("k", "b", "c")
    assert seen == ["StateConflict"]


def test_event_handler_error_fires_when_a_subscriber_raises(runtime):
    seen = record(runtime, "EventHandlerError")

    def bad(event: Any) -> None:
        raise RuntimeError("boom")

    runtime.events.subscribe("x.*", bad)
    runtime.events.publish("x.y", {})
    assert seen == ["EventHandlerError"]


def test_performance_threshold_fires_for_a_slow_hook(runtime):
    seen = record(runtime, "PerformanceThresholdExceeded")
    runtime.hooks._slow_s = 0.0
    runtime.hooks.register("StateConflict", lambda ctx: None)
    runtime.state.save("global", "k", "a")
    runtime.state.compare_and_swap("k", "b", "c")
    assert "PerformanceThresholdExceeded" in seen
