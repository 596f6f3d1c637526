"""Built-in hooks turned on from `[hooks]`: rate limit, cost budget, logging with redaction."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from fakes import FakeProviderServer, Reply
from llmspell import Runtime
from llmspell.config.loader import config_from_toml
from llmspell.core.errors import LLMSpellError
from llmspell.core.output import CaptureSink
from llmspell.hooks import HookContext, HookRegistry
from llmspell.hooks.builtin import CostBudgetHook, LoggingHook, RateLimitHook, redact_secrets


def providers_toml(fake: FakeProviderServer, extra: str = "") -> str:
    lines = []
    for line in fake.providers_toml().splitlines():
        lines.append(line)
        if line.startswith("[providers."):
            lines += ["max_retries = 0", "timeout_seconds = 2"]
    return "\n".join(lines) + "\n" + extra


def _runtime(toml: str, tmp_path: Path) -> Runtime:
    return Runtime(config_from_toml(toml), sink=CaptureSink(), cwd=tmp_path)


# Rate limit ------------------------------------------------------------------------------------


def test_rate_limit_cancels_calls_over_the_limit_naming_the_key(tmp_path):
    with _runtime("[hooks]\nrate_limit_per_minute = 3\n", tmp_path) as rt:
        for _ in range(3):
            rt.tools.invoke("uuid_generator", {})
        with pytest.raises(LLMSpellError, match=r"hooks\.rate_limit_per_minute"):
            rt.tools.invoke("uuid_generator", {})


def test_rate_limit_window_slides():
    now = [0.0]
    hook = RateLimitHook(2, clock=lambda: now[0])
    ctx = HookContext(point="BeforeToolExecution", component_type="tool", component_name="t")
    assert hook(ctx).kind == "continue"
    assert hook(ctx).kind == "continue"
    assert hook(ctx).kind == "cancel"
    now[0] = 60.0
    assert hook(ctx).kind == "continue"


def test_rate_limit_counts_agents_and_tools_together(fake_llm, tmp_path):
    fake_llm.push(Reply(text="hi"))
    toml = providers_toml(fake_llm, "[hooks]\nrate_limit_per_minute = 2\n")
    with _runtime(toml, tmp_path) as rt:
        out = rt.run_code(
            """
            Tool.invoke("uuid_generator", {})
            local a = Agent.builder():name("a"):model("openai/gpt-4o-mini"):build()
            a:execute("x")
            local ok, err = pcall(Tool.invoke, "uuid_generator", {})
            return ok, tostring(err)
            """
        )
        assert out[0] is False
        assert "rate_limit_per_minute" in out[1]


# Cost budget -----------------------------------------------------------------------------------


def test_cost_budget_cancels_model_calls_once_spent(fake_llm, tmp_path):
    fake_llm.push(Reply(text="a", input_tokens=1_000_000, output_tokens=0))  # $0.15
    fake_llm.push(Reply(text="never"))
    toml = providers_toml(fake_llm, "[hooks]\ncost_budget_usd = 0.1\n")
    with _runtime(toml, tmp_path) as rt:
        out = rt.run_code(
            """
            local a = Agent.builder():name("spender"):model("openai/gpt-4o-mini"):build()
            local first = a:execute("x").content
            local ok, err = pcall(function() return a:execute("y") end)
            return first, ok, tostring(err)
            """
        )
        assert out[0] == "a"
        assert out[1] is False
        assert "hooks.cost_budget_usd" in out[2]
        assert len(fake_llm.chat_requests("openai")) == 1


def test_cost_budget_stops_a_tool_loop_between_rounds(fake_llm, tmp_path):
    from fakes import FakeToolCall

    fake_llm.push(
        Reply(
            tool_calls=[FakeToolCall("calculator", {"input": "2+2"})],
            input_tokens=1_000_000,
            output_tokens=0,
        )
    )  # $0.15, over the budget before the second round
    fake_llm.push(Reply(text="never"))
    toml = providers_toml(fake_llm, "[hooks]\ncost_budget_usd = 0.1\n")
    with _runtime(toml, tmp_path) as rt:
        out = rt.run_code(
            """
            local a = Agent.builder():name("looper"):model("openai/gpt-4o-mini")
                :allow_tool("calculator"):build()
            local ok, err = pcall(function() return a:execute("add") end)
            return ok, tostring(err), Metrics.get("llm.cost_usd")
            """
        )
        assert out[0] is False
        assert "hooks.cost_budget_usd" in out[1]
        assert len(fake_llm.chat_requests("openai")) == 1


def test_cost_budget_hook_alone():
    spent = [0.0]
    hook = CostBudgetHook(1.0, lambda: spent[0])
    ctx = HookContext(point="BeforeLLMCall", component_type="llm", component_name="p/m")
    assert hook(ctx).kind == "continue"
    spent[0] = 1.5
    result = hook(ctx)
    assert result.kind == "cancel" and "hooks.cost_budget_usd" in result.reason


def test_no_budget_or_limit_by_default(tmp_path):
    with _runtime("", tmp_path) as rt:
        _ = rt.tools
        names = {h.name for h in rt.hooks.list()}
        assert names == {"observer"}


# Logging and redaction -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "secret",
    [
        "sk-proj-abcdefghijklmnopqrstuvwx",
        "sk-ant-api03-abcdefghijklmnop",
        "AKIAABCDEFGHIJKLMNOP",
        "ghp_abcdefghijklmnopqrstuvwxyz0123",
    ],
)
def test_redact_masks_api_key_looking_strings(secret):
    text = redact_secrets(f'{{"note": "key is {secret} ok"}}')
    assert secret not in text and "****" in text and "ok" in text


def test_redact_masks_named_fields_and_bearer_tokens():
    text = redact_secrets('{"api_key": "hunter22", "headers": "Bearer abc.def.ghijkl"} token=xyz1')
    assert "hunter22" not in text and "abc.def.ghijkl" not in text and "xyz1" not in text
    assert text.count("****") == 3


def test_logging_hook_output_is_redacted(caplog):
    registry = HookRegistry()
    LoggingHook().install(registry, ["BeforeToolExecution"])
    ctx = HookContext(
        point="BeforeToolExecution",
        component_type="tool",
        component_name="http_request",
        data={"params": {"headers": {"Authorization": "Bearer sk-live-0123456789abcdef"}}},
    )
    with caplog.at_level(logging.INFO, logger="llmspell.hooks.logging"):
        registry.fire("BeforeToolExecution", ctx)
    assert "http_request" in caplog.text
    assert "0123456789abcdef" not in caplog.text


def test_log_calls_config_installs_the_logging_hook(tmp_path, caplog):
    with _runtime("[hooks]\nlog_calls = true\n", tmp_path) as rt:
        with caplog.at_level(logging.INFO, logger="llmspell.hooks.logging"):
            rt.tools.invoke("uuid_generator", {})
        assert "AfterToolExecution tool:uuid_generator" in caplog.text
