"""Built-in profiles and precedence: defaults < profile < file < environment."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from llmspell.config import list_profiles, load_config, profile_summary
from llmspell.core.errors import ConfigError

Write = Callable[..., Path]

REQUIRED = {
    "minimal",
    "development",
    "providers",
    "state",
    "sessions",
    "ollama",
    "rag-dev",
    "rag-prod",
    "rag-perf",
    "daemon",
}


def test_the_required_profiles_ship() -> None:
    assert set(list_profiles()) >= REQUIRED
    assert list_profiles() == sorted(list_profiles())


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_each_profile_loads_without_warnings(name: str) -> None:
    loaded = load_config(profile=name)
    assert loaded.warnings == []
    assert loaded.profile == name
    assert loaded.source is None
    assert profile_summary(name)


def test_profiles_set_what_they_say() -> None:
    rag = load_config(profile="rag-prod").config.rag
    assert rag.enabled and rag.multi_tenant
    assert rag.vector_storage.dimensions == 384 and rag.embedding.default_provider == "local"
    assert load_config(profile="rag-dev").config.rag.vector_storage.dimensions == 384
    ollama = load_config(profile="ollama").config.providers
    assert ollama.default_provider == "ollama"
    assert ollama.providers["ollama"].base_url == "http://localhost:11434"
    minimal = load_config(profile="minimal").config
    assert minimal.runtime.state_persistence.backend_type == "memory"
    assert load_config(profile="sessions").config.runtime.sessions.enabled is True
    assert load_config(profile="daemon").config.daemon.daemonize is True


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("rag-development", "rag-dev"),
        ("RAG-Production", "rag-prod"),
        ("rag-performance", "rag-perf"),
    ],
)
def test_aliases_and_case(alias: str, name: str) -> None:
    assert load_config(profile=alias).profile == name


def test_unknown_profile_lists_the_available_ones() -> None:
    with pytest.raises(ConfigError) as info:
        load_config(profile="turbo")
    message = str(info.value)
    assert "'turbo'" in message
    for name in REQUIRED:
        assert name in message
    assert info.value.exit_code == 2


def test_profile_names_cannot_escape_the_profile_folder() -> None:
    with pytest.raises(ConfigError):
        load_config(profile="../profiles/minimal")


def test_llmspell_profile_env_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMSPELL_PROFILE", "rag-dev")
    assert load_config().profile == "rag-dev"
    assert load_config(profile="minimal").profile == "minimal"


def test_precedence_profile_then_file_then_env(
    write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    # rag-dev sets dimensions 384, m 8 and chunk_size 200; the file overrides two of them,
    # the environment one.
    write("[rag.vector_storage]\ndimensions = 512\n[rag.vector_storage.hnsw]\nm = 12\n")
    monkeypatch.setenv("LLMSPELL_HNSW_M", "20")
    cfg = load_config(profile="rag-dev").config
    assert cfg.rag.enabled is True  # profile
    assert cfg.rag.chunking.chunk_size == 200  # profile
    assert cfg.rag.vector_storage.dimensions == 512  # file over profile
    assert cfg.rag.vector_storage.hnsw.m == 20  # env over file
    assert cfg.rag.vector_storage.hnsw.ef_search == 25  # profile, untouched by the file's table
    assert cfg.rag.vector_storage.max_memory_mb == 512  # profile


def test_file_providers_merge_with_profile_providers(write: Write) -> None:
    write('[providers.providers.openai]\ndefault_model = "gpt-4.1"\n')
    providers = load_config(profile="providers").config.providers
    assert providers.default_provider == "openai"
    assert providers.providers["openai"].default_model == "gpt-4.1"
    assert providers.providers["openai"].max_tokens == 2000
    assert "anthropic" in providers.providers


def test_rule_error_from_combined_layers_blames_the_last_setter(write: Write) -> None:
    path = write("[rag.chunking]\noverlap = 300\n")
    with pytest.raises(ConfigError) as info:
        load_config(profile="rag-dev")  # chunk_size 200 from the profile
    assert info.value.file == str(path)
    assert info.value.key == "rag.chunking.overlap"
