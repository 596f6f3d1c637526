"""A ProviderRegistry pointed at the fake provider server, one per test, closed after."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from provider_cases import MODELS, PROTOCOLS

from fakes import FakeProviderServer
from llmspell.config import config_from_toml
from llmspell.providers import ProviderRegistry

MakeRegistry = Callable[..., ProviderRegistry]


def providers_toml(
    fake: FakeProviderServer, *, max_retries: int = 0, timeout: int = 10, extra: str = ""
) -> str:
    """The three providers at the fake server; no retries unless asked, so errors are quick."""
    urls = {
        "openai": fake.openai_base_url,
        "anthropic": fake.anthropic_base_url,
        "ollama": fake.ollama_base_url,
    }
    tables = [
        f'[providers.{name}]\nbase_url = "{urls[name]}"\napi_key = "test-key"\n'
        f'default_model = "{MODELS[name]}"\nmax_retries = {max_retries}\n'
        f"timeout_seconds = {timeout}\n"
        for name in PROTOCOLS
    ]
    return "\n".join(tables) + "\n" + extra


@pytest.fixture
def make_registry(fake_llm: FakeProviderServer, tmp_path: Path) -> Iterator[MakeRegistry]:
    made: list[ProviderRegistry] = []

    def make(
        toml: str | None = None,
        *,
        env: Mapping[str, str] | None = None,
        max_retries: int = 0,
        extra: str = "",
    ) -> ProviderRegistry:
        text = (
            toml
            if toml is not None
            else providers_toml(fake_llm, max_retries=max_retries, extra=extra)
        )
        config = config_from_toml(text).config.providers
        registry = ProviderRegistry(config, home=tmp_path / "home", env=env or {})
        made.append(registry)
        return registry

    yield make
    for registry in made:
        registry.close()


@pytest.fixture
def registry(make_registry: MakeRegistry) -> ProviderRegistry:
    return make_registry()
