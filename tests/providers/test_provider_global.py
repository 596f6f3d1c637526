"""`Provider` from Lua: list, get, getCapabilities, isAvailable and their snake_case aliases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fakes import FakeProviderServer
from llmspell.config import config_from_toml
from llmspell.core.output import CaptureSink
from llmspell.runtime import Runtime


@pytest.fixture
def configured(fake_llm: FakeProviderServer, tmp_path) -> Iterator[Runtime]:
    loaded = config_from_toml(fake_llm.providers_toml())
    with Runtime.from_config(loaded, sink=CaptureSink(), cwd=tmp_path) as rt:
        yield rt


def test_list_from_lua(configured: Runtime):
    (names, first, streaming, models) = configured.run_code(
        """
        local providers = Provider.list()
        local names = {}
        for i, p in ipairs(providers) do names[i] = p.name end
        local caps = providers[1].capabilities
        return table.concat(names, ","), providers[1].name, caps.supports_streaming,
               #caps.available_models
        """
    )
    assert names == "openai,anthropic,ollama"
    assert first == "openai"
    assert streaming is True
    assert models >= 1


def test_get_capabilities_and_availability(configured: Runtime, monkeypatch):
    monkeypatch.setenv("GROQ_API_KEY", "gsk-test")
    values = configured.run_code(
        """
        return Provider.get("anthropic").provider_type,
               Provider.getCapabilities("anthropic").max_context_tokens,
               Provider.get_capabilities("ollama").supports_embeddings,
               Provider.isAvailable("openai"), Provider.is_available("groq"),
               Provider.isAvailable("perplexity"), Provider.get("nosuch") == nil,
               Provider.getCapabilities("nosuch") == nil
        """
    )
    assert values == ["anthropic", 200000, True, True, True, False, True, True]


def test_list_is_empty_without_config_or_keys(runtime: Runtime):
    assert runtime.run_code("return #Provider.list()") == [0]


def test_a_listed_name_works_as_an_agent_provider(configured: Runtime):
    registry = configured.providers
    name = registry.list()[0]["name"]
    model = registry.chat_model(name, None)
    assert (model.provider, model.model) == ("openai", "gpt-4o-mini")
