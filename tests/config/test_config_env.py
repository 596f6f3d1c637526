"""Environment overrides: every row of the table works, bad values fail, and the docs list them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import pytest

from llmspell.config import ENV_OVERRIDES, get_path, load_config
from llmspell.config.docgen import field_at, update
from llmspell.config.section import strip_optional
from llmspell.core.errors import ConfigError

Write = Callable[..., Path]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"

SPECIAL_SAMPLES = {
    "LLMSPELL_DEFAULT_ENGINE": ("javascript", "javascript"),
    "LLMSPELL_EVENTS_EXPORT_WEBHOOK": ("https://example.com/hook", "https://example.com/hook"),
    "LLMSPELL_TOOLS_MEDIA_IMAGE_MAX_DIMENSIONS": ("640x480", "640x480"),
    "LLMSPELL_RAG_SEARCH_MAX_K": ("5000", 5000),  # must stay >= rag.search.default_k (10)
}


def _sample(name: str, key: str, kind: str) -> tuple[str, Any]:
    """A valid text for the variable and the value it should produce."""
    if name in SPECIAL_SAMPLES:
        return SPECIAL_SAMPLES[name]
    if kind == "bool":
        default = get_path(load_config().config, key)
        return ("false", False) if default else ("TRUE", True)
    if kind == "int":
        return "7", 7
    if kind == "float":
        return "0.5", 0.5
    if kind == "list":
        return " a, b ,c", ["a", "b", "c"]
    tp = strip_optional(field_at(key).resolved_type)
    if get_origin(tp) is Literal:
        default = get_path(load_config().config, key)
        choice = next((c for c in get_args(tp) if c != default), default)
        return choice.upper(), choice
    return "some-value", "some-value"


@pytest.mark.parametrize("row", ENV_OVERRIDES, ids=[row.name for row in ENV_OVERRIDES])
def test_every_variable_sets_its_keys(row: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    text, expected = _sample(row.name, row.keys[0], row.kind)
    monkeypatch.setenv(row.name, text)
    loaded = load_config()
    assert loaded.warnings == []
    for key in row.keys:
        assert get_path(loaded.config, key) == expected


def test_env_beats_file_and_empty_values_are_ignored(
    write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    write("[runtime]\nscript_timeout_seconds = 60\nmax_concurrent_scripts = 3\n")
    monkeypatch.setenv("LLMSPELL_SCRIPT_TIMEOUT_SECONDS", "90")
    monkeypatch.setenv("LLMSPELL_MAX_CONCURRENT_SCRIPTS", "")
    runtime = load_config().config.runtime
    assert runtime.script_timeout_seconds == 90
    assert runtime.max_concurrent_scripts == 3


def test_memory_variable_sets_both_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMSPELL_MAX_MEMORY_BYTES", "1000000")
    cfg = load_config().config
    assert cfg.engines.lua.max_memory_bytes == 1_000_000
    assert cfg.runtime.security.max_memory_bytes == 1_000_000
    assert cfg.effective_memory_limit_bytes() == 1_000_000


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("LLMSPELL_SCRIPT_TIMEOUT_SECONDS", "abc", "expected an integer, got 'abc'"),
        ("LLMSPELL_SCRIPT_TIMEOUT_SECONDS", "1.5", "expected an integer, got '1.5'"),
        ("LLMSPELL_ALLOW_PROCESS_SPAWN", "yes", "expected true or false, got 'yes'"),
        ("LLMSPELL_RAG_ENABLED", "1", "expected true or false, got '1'"),
    ],
)
def test_unparsable_values_name_the_variable(
    name: str, text: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(name, text)
    with pytest.raises(ConfigError) as info:
        load_config()
    assert str(info.value).startswith(f"environment variable {name}: key `")
    assert message in str(info.value)
    assert info.value.exit_code == 2


@pytest.mark.parametrize(
    ("name", "text", "key"),
    [
        ("LLMSPELL_SCRIPT_TIMEOUT_SECONDS", "0", "runtime.script_timeout_seconds"),
        ("LLMSPELL_SECURITY_LEVEL", "reckless", "engines.lua.security_level"),
        ("LLMSPELL_KERNEL_PORT", "99999", "kernel.port"),
    ],
)
def test_invalid_values_name_the_variable_and_key(
    name: str, text: str, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(name, text)
    with pytest.raises(ConfigError) as info:
        load_config()
    assert info.value.file == f"environment variable {name}"
    assert info.value.key == key


def test_security_level_variable_is_case_insensitive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMSPELL_SECURITY_LEVEL", "Privileged")
    assert load_config().config.engines.lua.security_level == "privileged"


def test_every_variable_is_documented() -> None:
    docs = DOCS.read_text(encoding="utf-8")
    missing = [row.name for row in ENV_OVERRIDES if f"`{row.name}`" not in docs]
    assert missing == []
    for name in ("LLMSPELL_CONFIG", "LLMSPELL_HOME", "LLMSPELL_PROFILE"):
        assert f"`{name}`" in docs


def test_generated_docs_are_up_to_date() -> None:
    docs = DOCS.read_text(encoding="utf-8")
    assert update(docs) == docs, "run: python -m llmspell.config.docgen docs/configuration.md"
