"""HookRegistry and HookResult in Python: parsing, order, failures, the off switch, and the
model-call points."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from llmspell.agents import AgentInput, AgentManager
from llmspell.config import HooksConfig
from llmspell.core.errors import AgentError, ValidationError
from llmspell.hooks import HookContext, HookRegistry, HookResult, parse_result
from llmspell.providers import ChatRequest, ChatResponse


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (None, "continue"),
        ("continue", "continue"),
        (True, "continue"),
        ("skip", "skipped"),
        ("skipped", "skipped"),
        ("cancel", "cancel"),
        ("stop it", "cancel"),
        ({"type": "modified", "data": {"a": 1}}, "modified"),
        ({"action": "modified", "modified_data": 1}, "modified"),
        ({"type": "cancel", "reason": "r"}, "cancel"),
        ({"type": "redirect", "target": "t"}, "redirect"),
        ({"type": "redirect"}, "continue"),
        ({"type": "replace", "data": 5}, "replace"),
        ({"type": "retry", "delay_ms": 10}, "retry"),
        ({"type": "skipped", "reason": "r"}, "skipped"),
        ({"type": "nonsense"}, "continue"),
        ({"modified_data": 1}, "continue"),
    ],
)
def test_parse_result_shapes(value, kind):
    assert parse_result(value).kind == kind


def test_parse_result_fields():
    assert parse_result({"type": "cancel", "reason": "no"}).reason == "no"
    assert parse_result("stop it").reason == "stop it"
    assert parse_result({"type": "retry", "delay_ms": 250}).delay == 0.25
    assert parse_result({"type": "replace", "data": [1]}).data == [1]


def ctx(point: str = "BeforeToolExecution", **data: Any) -> HookContext:
    return HookContext(
        point=point, component_type="tool", component_name="t", data=data, subject="params"
    )


def test_fire_without_hooks_is_continue():
    hooks = HookRegistry()
    outcome = hooks.fire("BeforeToolExecution", ctx(params={"a": 1}))
    assert outcome.kind == "continue" and outcome.ran == 0


def test_numbers_and_names_order_hooks_and_modified_chains():
    hooks = HookRegistry()
    order: list[str] = []

    def add(tag: str, value: int) -> Any:
        def hook(c: HookContext) -> HookResult:
            order.append(tag)
            return HookResult.modified({"n": c.data["params"]["n"] + value})

        return hook

    hooks.register("BeforeToolExecution", add("b", 10), priority=5)
    hooks.register("BeforeToolExecution", add("a", 1), priority="high")
    hooks.register("BeforeToolExecution", add("c", 100), priority="low")
    outcome = hooks.fire("BeforeToolExecution", ctx(params={"n": 0}))
    assert order == ["a", "b", "c"]
    assert outcome.kind == "modified" and outcome.data == {"n": 111}


def test_a_raising_hook_is_logged_and_counts_as_continue(caplog):
    hooks = HookRegistry()
    hid = hooks.register("ToolError", lambda c: 1 / 0, name="divider")
    hooks.register("ToolError", lambda c: HookResult.skipped("later"))
    outcome = hooks.fire("ToolError", ctx("ToolError"))
    assert outcome.kind == "skipped"
    assert "divider" in caplog.text
    assert hooks.get(hid).failures == 1


def test_disabled_registry_fires_nothing():
    hooks = HookRegistry(HooksConfig(enabled=False))
    hooks.register("BeforeToolExecution", lambda c: HookResult.cancel("x"))
    assert hooks.fire("BeforeToolExecution", ctx(params={})).kind == "continue"
    assert not hooks.has("BeforeToolExecution")


def test_bad_points_and_priorities_are_refused():
    hooks = HookRegistry()
    with pytest.raises(ValidationError, match="Unknown hook point"):
        hooks.register("Nope", lambda c: None)
    with pytest.raises(ValidationError, match="priority"):
        hooks.register("ToolError", lambda c: None, priority="urgent")
    assert hooks.register("custom:mine", lambda c: None)
    assert [h.point for h in hooks.list()] == ["custom:mine"]


@dataclass
class EchoModel:
    provider: str = "fake"
    model: str = "echo"
    seen: list[str] = field(default_factory=list)

    def chat(self, request: ChatRequest) -> ChatResponse:
        text = request.messages[-1].content or ""
        self.seen.append(text)
        return ChatResponse(text=f"echo: {text}", provider=self.provider, model=self.model)


@pytest.fixture
def llm_agent(runtime):
    model = EchoModel()
    manager = AgentManager(
        providers=None,
        tools=runtime.tools,
        model_factory=lambda *args: model,
        hooks=runtime.hooks,
    )
    agent = manager.create({"name": "llm", "model": "fake/echo"})
    yield agent, model, runtime.hooks
    manager.close()


def test_llm_call_hooks_modify_request_and_response(llm_agent):
    agent, model, hooks = llm_agent
    hooks.register("BeforeLLMCall", lambda c: HookResult.modified({"text": "rewritten"}))
    hooks.register(
        "AfterLLMCall",
        lambda c: HookResult.modified(c.data["response"]["text"].upper()),
    )
    out = agent.execute(AgentInput(text="original"))
    assert model.seen == ["rewritten"]
    assert out.text == "ECHO: REWRITTEN"


def test_llm_call_hooks_replace_and_cancel(llm_agent):
    agent, model, hooks = llm_agent
    hid = hooks.register("BeforeLLMCall", lambda c: HookResult.replace("from cache"))
    assert agent.execute(AgentInput(text="x")).text == "from cache"
    assert model.seen == []
    hooks.unregister(hid)
    hooks.register("BeforeLLMCall", lambda c: HookResult.cancel("budget spent"))
    with pytest.raises(AgentError, match="cancelled by a hook: budget spent"):
        agent.execute(AgentInput(text="x"))


def test_agent_error_hook_retries_once(llm_agent):
    agent, model, hooks = llm_agent
    calls = {"n": 0}

    def flaky(request: ChatRequest) -> ChatResponse:
        calls["n"] += 1
        if calls["n"] == 1:
            raise AgentError("transient")
        return ChatResponse(text="fine", provider="fake", model="echo")

    model.chat = flaky  # type: ignore[method-assign]
    hooks.register("AgentError", lambda c: HookResult.retry(0.001))
    assert agent.execute(AgentInput(text="x")).text == "fine"
    assert calls["n"] == 2


def test_builtin_metrics_and_logging_hooks_count_a_tool_call(runtime, caplog):
    import logging

    from llmspell.hooks.builtin import LoggingHook, MetricsHook

    metrics = MetricsHook()
    metrics.install(runtime.hooks)
    LoggingHook().install(runtime.hooks, points=["BeforeToolExecution"])
    with caplog.at_level(logging.INFO, logger="llmspell.hooks.logging"):
        runtime.tools.invoke("calculator", {"input": "1+1"})
    snap = metrics.snapshot()
    assert snap["BeforeToolExecution"] == {"calls": 1, "components": {"calculator": 1}}
    assert snap["AfterToolExecution"]["calls"] == 1
    assert "BeforeToolExecution tool:calculator" in caplog.text


def test_a_hook_that_keeps_failing_is_switched_off():
    registry = HookRegistry(HooksConfig(circuit_breaker_threshold=0.5))
    calls = []

    def broken(ctx: HookContext) -> None:
        calls.append(1)
        raise RuntimeError("boom")

    registry.register("BeforeToolExecution", broken, language="lua")
    for _ in range(5):
        registry.fire("BeforeToolExecution", component_type="tool", component_name="t")
    assert len(calls) == 3
    (info,) = [h.info() for h in registry.list()]
    assert info["enabled"] is False and info["failures"] == 3


def test_rare_failures_keep_a_hook_running():
    registry = HookRegistry(HooksConfig(circuit_breaker_threshold=0.5))
    count = [0]

    def flaky(ctx: HookContext) -> None:
        count[0] += 1
        if count[0] % 3 == 0:
            raise RuntimeError("every third call")

    registry.register("BeforeToolExecution", flaky, language="lua")
    for _ in range(12):
        registry.fire("BeforeToolExecution", component_type="tool", component_name="t")
    assert count[0] == 12
