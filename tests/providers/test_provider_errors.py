"""Each failure of each wire API becomes one ProviderError naming the provider, model and cause."""

from __future__ import annotations

import socket
import time

import pytest
from provider_cases import MODELS, PROTOCOLS

from fakes import FakeProviderServer
from llmspell.config import config_from_toml
from llmspell.core.errors import (
    ProviderAuthError,
    ProviderConnectionError,
    ProviderError,
    ProviderHTTPError,
    ProviderTimeout,
)
from llmspell.providers import ChatMessage, ChatRequest, ProviderRegistry


def ask(protocol: str) -> ChatRequest:
    return ChatRequest(model=MODELS[protocol], messages=[ChatMessage(role="user", content="hello")])


@pytest.fixture(params=PROTOCOLS)
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def call(registry: ProviderRegistry, protocol: str, *, stream: bool = False, **kw: object):
    model = registry.chat_model(protocol, MODELS[protocol], **kw)  # type: ignore[arg-type]
    if stream:
        return list(model.stream(ask(protocol)))
    return model.chat(ask(protocol))


def names_provider_and_model(exc: BaseException, protocol: str) -> None:
    text = str(exc)
    assert f"'{protocol}'" in text
    assert f"'{MODELS[protocol]}'" in text
    assert exc.provider == protocol  # type: ignore[attr-defined]
    assert exc.model == MODELS[protocol]  # type: ignore[attr-defined]
    assert "test-key" not in text


@pytest.mark.parametrize("stream", [False, True], ids=["chat", "stream"])
def test_401_is_an_auth_error(registry, fake_llm: FakeProviderServer, protocol, stream):
    fake_llm.fault("auth")
    with pytest.raises(ProviderAuthError) as info:
        call(registry, protocol, stream=stream)
    names_provider_and_model(info.value, protocol)
    assert "401" in str(info.value)
    assert f"llmspell keys add {protocol}" in str(info.value)


def test_404_unknown_model(registry, fake_llm: FakeProviderServer, protocol):
    fake_llm.set_models(["something-else"])
    with pytest.raises(ProviderHTTPError) as info:
        call(registry, protocol)
    assert info.value.status == 404
    names_provider_and_model(info.value, protocol)
    assert "404" in str(info.value)
    assert info.value.body


@pytest.mark.parametrize("stream", [False, True], ids=["chat", "stream"])
def test_429_then_success_is_retried(make_registry, fake_llm, protocol, stream):
    registry = make_registry(max_retries=2)
    fake_llm.fault("rate_limit", retry_after=0.05)
    fake_llm.push("after the wait")

    result = call(registry, protocol, stream=stream)

    text = result[-1].response.text if stream else result.text
    assert text == "after the wait"
    assert len(fake_llm.chat_requests()) == 2


def test_429_when_retries_run_out(make_registry, fake_llm, protocol):
    registry = make_registry(max_retries=1)
    fake_llm.fault("rate_limit", retry_after=0.01, times=2)
    with pytest.raises(ProviderHTTPError) as info:
        call(registry, protocol)
    assert info.value.status == 429
    names_provider_and_model(info.value, protocol)
    assert len(fake_llm.chat_requests()) == 2


def test_500_is_an_http_error(registry, fake_llm: FakeProviderServer, protocol):
    fake_llm.fault("server_error")
    with pytest.raises(ProviderHTTPError) as info:
        call(registry, protocol)
    assert info.value.status == 500
    names_provider_and_model(info.value, protocol)


def test_ollama_retries_5xx_with_configured_backoff(make_registry, fake_llm):
    registry = make_registry(
        "\n".join(
            [
                "[providers.ollama]",
                f'base_url = "{fake_llm.ollama_base_url}"',
                "[providers.ollama.retry]",
                "max_retries = 2",
                "initial_delay_ms = 10",
                "max_delay_ms = 20",
            ]
        )
    )
    fake_llm.fault("server_error", times=2)
    fake_llm.push("third time lucky")
    assert call(registry, "ollama").text == "third time lucky"
    assert len(fake_llm.chat_requests()) == 3


@pytest.mark.parametrize("stream", [False, True], ids=["chat", "stream"])
def test_malformed_json(registry, fake_llm: FakeProviderServer, protocol, stream):
    fake_llm.fault("malformed_json")
    with pytest.raises(ProviderError) as info:
        call(registry, protocol, stream=stream)
    names_provider_and_model(info.value, protocol)
    assert "alformed" in str(info.value)


def test_malformed_tool_arguments_name_provider_and_model():
    from llmspell.providers.shapes import ResponseBuilder

    built = ResponseBuilder(provider="openai", model="gpt-4o-mini")
    built.add_call(0, id="call_1", name="calculator", arguments='{"input": ')
    with pytest.raises(ProviderError) as info:
        built.finish()
    names_provider_and_model(info.value, "openai")
    assert "calculator" in str(info.value)
    assert "not valid JSON" in str(info.value)


def test_tool_arguments_must_be_an_object():
    from llmspell.providers.shapes import ResponseBuilder

    built = ResponseBuilder(provider="openai", model="gpt-4o-mini")
    built.add_call(0, id="call_1", name="calculator", arguments="[1, 2]")
    with pytest.raises(ProviderError, match="must be a JSON object"):
        built.finish()


@pytest.mark.parametrize("stream", [False, True], ids=["chat", "stream"])
def test_dropped_connection(registry, fake_llm: FakeProviderServer, protocol, stream):
    fake_llm.fault("drop")
    with pytest.raises(ProviderConnectionError) as info:
        call(registry, protocol, stream=stream)
    names_provider_and_model(info.value, protocol)


def test_dropped_connection_is_retried(make_registry, fake_llm, protocol):
    registry = make_registry(max_retries=1)
    fake_llm.fault("drop")
    fake_llm.push("back again")
    assert call(registry, protocol).text == "back again"


@pytest.mark.parametrize("kind", ["drop_mid", "cut_stream"])
def test_stream_cut_short(registry, fake_llm: FakeProviderServer, protocol, kind):
    fake_llm.push("a long answer that will be cut")
    fake_llm.fault(kind)
    with pytest.raises(ProviderError) as info:
        call(registry, protocol, stream=True)
    names_provider_and_model(info.value, protocol)


def test_timeout(registry, fake_llm: FakeProviderServer, protocol):
    fake_llm.fault("delay", delay=5)
    started = time.monotonic()
    with pytest.raises(ProviderTimeout) as info:
        call(registry, protocol, timeout=0.3)
    assert time.monotonic() - started < 3
    assert isinstance(info.value, TimeoutError)
    names_provider_and_model(info.value, protocol)
    assert "0.3 s" in str(info.value)


def test_refused_connection(tmp_path, protocol):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}" + ("/v1" if protocol == "openai" else "")
    config = config_from_toml(
        f'[providers.{protocol}]\nbase_url = "{url}"\napi_key = "test-key"\nmax_retries = 0\n'
    ).config.providers
    registry = ProviderRegistry(config, home=tmp_path, env={})
    try:
        with pytest.raises(ProviderConnectionError) as info:
            call(registry, protocol)
    finally:
        registry.close()
    names_provider_and_model(info.value, protocol)
    assert url in str(info.value)


def test_errors_chain_the_original(registry, fake_llm):
    fake_llm.fault("auth")
    with pytest.raises(ProviderAuthError) as info:
        call(registry, "openai")
    assert type(info.value.__cause__).__module__.startswith("openai")
