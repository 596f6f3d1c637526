"""Response cache and circuit breaker built-ins; agent stream chunks on the event bus."""

from __future__ import annotations

import time
from pathlib import Path

from fakes import FakeProviderServer, Reply
from llmspell import Runtime
from llmspell.config.loader import config_from_toml
from llmspell.core.output import CaptureSink
from llmspell.hooks import HookContext
from llmspell.hooks.builtin import CircuitBreakerHook, ResponseCacheHook


def providers_toml(fake: FakeProviderServer, extra: str = "") -> str:
    lines = []
    for line in fake.providers_toml().splitlines():
        lines.append(line)
        if line.startswith("[providers."):
            lines += ["max_retries = 0", "timeout_seconds = 2"]
    return "\n".join(lines) + "\n" + extra


def _runtime(toml: str, tmp_path: Path) -> Runtime:
    return Runtime(config_from_toml(toml), sink=CaptureSink(), cwd=tmp_path)


ASK = """
local a = Agent.builder():name("c"):model("openai/gpt-4o-mini"):build()
function ask(text)
  local ok, out = pcall(function() return a:execute(text) end)
  if ok then return out.content end
  return "ERR: " .. tostring(out)
end
"""


# Cache -----------------------------------------------------------------------------------------


def test_identical_call_is_answered_from_the_cache(fake_llm, tmp_path):
    fake_llm.push(Reply(text="first", input_tokens=5, output_tokens=2), "second", "third")
    toml = providers_toml(fake_llm, "[hooks]\ncache_responses = true\n")
    with _runtime(toml, tmp_path) as rt:
        out = rt.run_code(
            """
            local function fresh(text)
              local a = Agent.builder():name("c" .. tostring(math.random(1e9)))
                :system_prompt("S"):model("openai/gpt-4o-mini"):build()
              return a:execute(text)
            end
            local one, two, three = fresh("hello"), fresh("hello"), fresh("other")
            return one.content, two.content, three.content
            """
        )
        assert out == ["first", "first", "second"]
        assert len(fake_llm.chat_requests("openai")) == 2


def test_cache_entries_expire_after_ttl(fake_llm, tmp_path):
    fake_llm.push("old", "new")
    toml = providers_toml(fake_llm, "[hooks]\ncache_responses = true\ncache_ttl_seconds = 0.2\n")
    with _runtime(toml, tmp_path) as rt:
        code = """
            local a = Agent.builder():name("t" .. tostring(math.random(1e9)))
              :system_prompt("S"):model("openai/gpt-4o-mini"):build()
            return a:execute("same").content
        """
        assert rt.run_code(code) == ["old"]
        assert rt.run_code(code) == ["old"]
        time.sleep(0.3)
        assert rt.run_code(code) == ["new"]
        assert len(fake_llm.chat_requests("openai")) == 2


def test_cache_is_lru_bounded_and_skips_errors():
    now = [0.0]
    cache = ResponseCacheHook(ttl=10, max_entries=2, clock=lambda: now[0])

    def ctx(point, text, **extra):
        data = {
            "provider": "p",
            "model": "m",
            "request": {"messages": [{"role": "user", "content": text}], "tools": []},
            **extra,
        }
        return HookContext(point=point, component_type="llm", component_name="p/m", data=data)

    for text in ("a", "b"):
        cache(ctx("AfterLLMCall", text, response={"text": text, "tool_calls": [], "usage": {}}))
    assert cache(ctx("BeforeLLMCall", "a")).kind == "replace"  # a is now most recent
    cache(ctx("AfterLLMCall", "c", response={"text": "c", "tool_calls": [], "usage": {}}))
    assert len(cache) == 2
    assert cache(ctx("BeforeLLMCall", "b")).kind == "continue"  # evicted
    assert cache(ctx("BeforeLLMCall", "a")).data["text"] == "a"
    cache(ctx("AfterLLMCall", "e", response={"text": "", "finish_reason": "error"}))
    assert cache(ctx("BeforeLLMCall", "e")).kind == "continue"
    now[0] = 11
    assert cache(ctx("BeforeLLMCall", "a")).kind == "continue"


def test_no_cache_or_breaker_by_default(tmp_path):
    with _runtime("", tmp_path) as rt:
        _ = rt.agents
        names = {h.name for h in rt.hooks.list()}
        assert "response_cache" not in names and "circuit_breaker" not in names


# Circuit breaker -------------------------------------------------------------------------------


def test_breaker_opens_after_failures_then_lets_a_trial_through(fake_llm, tmp_path):
    fake_llm.fault("http_error", status=500, times=2)
    fake_llm.push("recovered")
    toml = providers_toml(
        fake_llm,
        "[hooks]\ncircuit_breaker_failures = 2\ncircuit_breaker_reset_seconds = 0.3\n",
    )
    with _runtime(toml, tmp_path) as rt:
        out = rt.run_code(ASK + 'return ask("1"), ask("2"), ask("3")')
        assert out[0].startswith("ERR") and out[1].startswith("ERR")
        assert "circuit breaker open" in out[2] and "openai/gpt-4o-mini" in out[2]
        assert "hooks.circuit_breaker_failures" in out[2]
        assert len(fake_llm.chat_requests("openai")) == 2
        time.sleep(0.4)
        assert rt.run_code('return ask("4")') == ["recovered"]
        assert len(fake_llm.chat_requests("openai")) == 3


def test_breaker_half_open_failure_reopens():
    now = [0.0]
    hook = CircuitBreakerHook(1, reset=5, clock=lambda: now[0])
    meta = {"provider": "p", "model": "m"}
    before = HookContext(
        point="BeforeLLMCall", component_type="llm", component_name="p/m", data=dict(meta)
    )
    failed = HookContext(
        point="AgentError", component_type="agent", component_name="a",
        data={"error": "boom"}, metadata=dict(meta),
    )  # fmt: skip
    after = HookContext(
        point="AfterLLMCall", component_type="llm", component_name="p/m", data=dict(meta)
    )
    assert hook(before).kind == "continue"
    hook(failed)
    assert hook.state("p/m") == "open"
    result = hook(before)
    assert result.kind == "cancel" and "'p/m'" in result.reason
    now[0] = 5
    assert hook(before).kind == "continue"  # the trial
    assert hook(before).kind == "cancel"  # only one trial at a time
    hook(failed)
    assert hook.state("p/m") == "open"
    now[0] = 10
    assert hook(before).kind == "continue"
    hook(after)
    assert hook.state("p/m") == "closed"
    assert hook(before).kind == "continue"


# Stream chunks on the event bus ----------------------------------------------------------------


def test_stream_chunks_are_published(fake_llm, tmp_path):
    fake_llm.push(Reply(text="one two three", chunks=["one ", "two ", "three"]))
    with _runtime(providers_toml(fake_llm), tmp_path) as rt:
        out = rt.run_code(
            """
            local sid = Event.subscribe("agent.stream.*")
            local a = Agent.builder():name("s"):model("openai/gpt-4o-mini"):build()
            local r = a:stream("go", function(c) end)
            local got = {}
            while true do
              local ev = Event.receive(sid, 100)
              if ev == nil then break end
              got[#got + 1] = ev.data.agent .. ":" .. ev.data.index .. ":" .. ev.data.text
            end
            return r.chunks_received, table.concat(got, "|"), ev
            """
        )
        assert out[0] == 3
        assert out[1] == "s:1:one |s:2:two |s:3:three"
