"""Client-side requests-per-minute limits: wait briefly or fail naming the config key."""

from __future__ import annotations

import pytest

from llmspell.core.errors import ProviderError
from llmspell.providers import ChatMessage, ChatRequest
from llmspell.providers.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_waits_for_the_oldest_request_to_leave_the_window():
    clock = Clock()
    limiter = RateLimiter("openai", requests_per_minute=2, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    clock.now += 10
    limiter.acquire()
    limiter.acquire()
    assert clock.slept == [pytest.approx(50.0)]


def test_without_auto_retry_the_call_fails_naming_the_key():
    clock = Clock()
    limiter = RateLimiter(
        "groq", requests_per_minute=1, auto_retry=False, clock=clock, sleep=clock.sleep
    )
    limiter.acquire("llama3")
    with pytest.raises(ProviderError) as info:
        limiter.acquire("llama3")
    text = str(info.value)
    assert "'groq'" in text and "'llama3'" in text
    assert "providers.groq.rate_limit.requests_per_minute" in text
    assert clock.slept == []


def test_token_budget():
    clock = Clock()
    limiter = RateLimiter(
        "openai", requests_per_minute=100, tokens_per_minute=1000, clock=clock, sleep=clock.sleep
    )
    limiter.acquire()
    limiter.record_tokens(1200)
    clock.now += 15
    limiter.acquire()
    assert clock.slept == [pytest.approx(45.0)]


def test_configured_limit_applies_to_real_calls(make_registry, fake_llm):
    registry = make_registry(
        extra="[providers.openai.rate_limit]\nrequests_per_minute = 1\nauto_retry = false\n"
    )
    model = registry.chat_model("openai", "gpt-4o-mini")
    request = ChatRequest(model="gpt-4o-mini", messages=[ChatMessage(role="user", content="hi")])
    model.chat(request)
    with pytest.raises(ProviderError, match="Rate limit reached for provider 'openai'"):
        registry.chat_model("openai", "gpt-4o").chat(request)  # shared by the provider
    assert len(fake_llm.chat_requests()) == 1
