"""Providers: both table forms, defaults from the table name, options, and env overrides."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from llmspell.config import config_from_toml, load_config
from llmspell.core.errors import ConfigError

Write = Callable[..., Path]

SHORT = """
[providers]
default_provider = "openai"

[providers.openai]
api_key_env = "OPENAI_API_KEY"
model = "gpt-4o-mini"
temperature = 0.2
"""

NESTED = """
[providers]
default_provider = "openai"

[providers.providers.openai]
provider_type = "openai"
api_key_env = "OPENAI_API_KEY"
default_model = "gpt-4o-mini"
temperature = 0.2
"""


@pytest.mark.parametrize("text", [SHORT, NESTED], ids=["short", "nested"])
def test_both_forms_give_the_same_config(text: str) -> None:
    loaded = config_from_toml(text)
    assert loaded.warnings == []
    providers = loaded.config.providers
    assert providers.default_provider == "openai"
    openai = providers.providers["openai"]
    assert openai.name == "openai"
    assert openai.provider_type == "openai"
    assert openai.default_model == "gpt-4o-mini"
    assert openai.api_key_env == "OPENAI_API_KEY"
    assert openai.options == {"temperature": 0.2}
    assert openai.enabled is True


def test_both_forms_merge_in_one_file() -> None:
    text = """
[providers.providers.openai]
default_model = "a"
timeout_seconds = 10

[providers.openai]
default_model = "b"

[providers.anthropic]
max_tokens = 100
"""
    providers = config_from_toml(text).config.providers.providers
    assert set(providers) == {"openai", "anthropic"}
    assert providers["openai"].default_model == "b"
    assert providers["openai"].timeout_seconds == 10
    assert providers["anthropic"].provider_type == "anthropic"
    assert providers["anthropic"].max_tokens == 100


def test_explicit_type_aliases_and_shorthands() -> None:
    text = """
[providers.local]
provider_type = "openai"
api_base = "http://localhost:8000/v1"
rate_limit = 60
[providers.local.retry]
max_retries = 5
"""
    local = config_from_toml(text).config.providers.providers["local"]
    assert local.provider_type == "openai"
    assert local.base_url == "http://localhost:8000/v1"
    assert local.rate_limit is not None
    assert local.rate_limit.requests_per_minute == 60
    assert local.retry is not None
    assert (local.retry.max_retries, local.retry.backoff_multiplier) == (5, 2.0)


def test_default_provider_must_be_configured() -> None:
    with pytest.raises(ConfigError) as info:
        config_from_toml('[providers]\ndefault_provider = "groq"\n[providers.openai]\n')
    assert info.value.key == "providers.default_provider"
    assert "'groq'" in str(info.value)
    assert "openai" in str(info.value)


def test_provider_table_must_be_a_table() -> None:
    with pytest.raises(ConfigError) as info:
        config_from_toml("[providers]\nopenai = 3\n")
    assert info.value.key == "providers.openai"


def test_env_overrides_an_existing_provider(write: Write, monkeypatch: pytest.MonkeyPatch) -> None:
    write(SHORT)
    monkeypatch.setenv("LLMSPELL_PROVIDER_OPENAI_MODEL", "gpt-4o")
    monkeypatch.setenv("LLMSPELL_PROVIDER_OPENAI_TIMEOUT", "45")
    monkeypatch.setenv("LLMSPELL_PROVIDER_OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    openai = load_config().config.providers.providers["openai"]
    assert openai.default_model == "gpt-4o"
    assert openai.timeout_seconds == 45
    assert openai.base_url == "http://127.0.0.1:9/v1"
    assert openai.options == {"temperature": 0.2}


def test_env_matches_names_with_dashes(write: Write, monkeypatch: pytest.MonkeyPatch) -> None:
    write('[providers.my-vllm]\nprovider_type = "openai"\n')
    monkeypatch.setenv("LLMSPELL_PROVIDER_MY_VLLM_MAX_RETRIES", "2")
    providers = load_config().config.providers.providers
    assert set(providers) == {"my-vllm"}
    assert providers["my-vllm"].max_retries == 2


def test_env_adds_a_provider_only_with_a_model_type_or_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LLMSPELL_PROVIDER_GROQ_MODEL", "llama-3.1-8b-instant")
    monkeypatch.setenv("LLMSPELL_PROVIDER_MISTRAL_TIMEOUT", "5")
    loaded = load_config()
    providers = loaded.config.providers.providers
    assert set(providers) == {"groq"}
    assert providers["groq"].provider_type == "groq"
    assert providers["groq"].default_model == "llama-3.1-8b-instant"
    assert any("LLMSPELL_PROVIDER_MISTRAL_TIMEOUT" in w for w in loaded.warnings)


def test_env_api_keys_never_enter_the_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMSPELL_PROVIDER_OPENAI_API_KEY", "sk-secret-value-1234")
    monkeypatch.setenv("LLMSPELL_PROVIDER_OPENAI_MODEL", "gpt-4o")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-other-secret-5678")
    loaded = load_config()
    assert loaded.config.providers.providers["openai"].api_key is None
    text = repr(loaded.config)
    assert "sk-secret-value-1234" not in text and "sk-other-secret-5678" not in text
    assert loaded.warnings == []


def test_bad_provider_env_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMSPELL_PROVIDER_OPENAI_MODEL", "gpt-4o")
    monkeypatch.setenv("LLMSPELL_PROVIDER_OPENAI_TIMEOUT", "soon")
    with pytest.raises(ConfigError) as info:
        load_config()
    assert "environment variable LLMSPELL_PROVIDER_OPENAI_TIMEOUT" in str(info.value)
    assert "expected an integer, got 'soon'" in str(info.value)


def test_unrecognised_provider_variable_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMSPELL_PROVIDER_OPENAI_COLOUR", "blue")
    (warning,) = load_config().warnings
    assert "LLMSPELL_PROVIDER_OPENAI_COLOUR" in warning
