"""Bad files: syntax errors, wrong types and broken rules fail; unknown keys only warn."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from llmspell.config import load_config
from llmspell.core.errors import ConfigError

Write = Callable[..., Path]


def test_malformed_toml_names_file_line_and_column(write: Write) -> None:
    path = write("[runtime]\nscript_timeout_seconds = 300\nenable_streaming = tru\n")
    with pytest.raises(ConfigError) as info:
        load_config()
    message = str(info.value)
    assert message.startswith(f"{path}: invalid TOML at line 3, column ")
    assert info.value.file == str(path)
    assert info.value.exit_code == 2


def test_duplicate_table_is_malformed(write: Write) -> None:
    write("[runtime]\n[runtime]\n")
    with pytest.raises(ConfigError, match="line 2"):
        load_config()


def test_not_utf8_is_an_error(work: Path) -> None:
    (work / "llmspell.toml").write_bytes(b'default_engine = "\xff"\n')
    with pytest.raises(ConfigError, match="UTF-8"):
        load_config()


def test_wrong_type_names_file_key_and_expected_type(write: Write) -> None:
    path = write('[runtime]\nscript_timeout_seconds = "abc"\n')
    with pytest.raises(ConfigError) as info:
        load_config()
    assert str(info.value) == (
        f"{path}: key `runtime.script_timeout_seconds`: expected an integer, got string 'abc'"
    )
    assert info.value.key == "runtime.script_timeout_seconds"


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        (
            "[runtime.security]\nallow_file_access = 1\n",
            "runtime.security.allow_file_access",
            "expected a boolean (true or false), got integer 1",
        ),
        (
            "[runtime]\nscript_timeout_seconds = 1.5\n",
            "runtime.script_timeout_seconds",
            "expected an integer, got float 1.5",
        ),
        (
            '[tools.file_operations]\nallowed_paths = ["/tmp", 3]\n',
            "tools.file_operations.allowed_paths[1]",
            "expected a string, got integer 3",
        ),
        ("runtime = 5\n", "runtime", "expected a table, got integer 5"),
        (
            '[hooks]\ncircuit_breaker_threshold = "x"\n',
            "hooks.circuit_breaker_threshold",
            "expected a number, got string 'x'",
        ),
        (
            "[debug.module_filters]\nenabled = true\n",
            "debug.module_filters.enabled",
            "expected an array, got boolean true",
        ),
    ],
)
def test_wrong_types(write: Write, text: str, key: str, expected: str) -> None:
    path = write(text)
    with pytest.raises(ConfigError) as info:
        load_config()
    assert str(info.value) == f"{path}: key `{key}`: {expected}"


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        (
            "[runtime]\nscript_timeout_seconds = 0\n",
            "runtime.script_timeout_seconds",
            "must be greater than 0, got 0",
        ),
        (
            "[tools.file_operations]\nallowed_paths = []\n",
            "tools.file_operations.allowed_paths",
            "must not be empty",
        ),
        (
            "[runtime.state_persistence.backup]\ncompression_level = 12\n",
            "runtime.state_persistence.backup.compression_level",
            "must be at most 9, got 12",
        ),
        ("[kernel]\nport = 70000\n", "kernel.port", "must be a TCP port between 0 and 65535"),
        (
            '[events.export]\nwebhook = "ftp://x"\n',
            "events.export.webhook",
            "must be an http:// or https:// URL",
        ),
        (
            "[rag.vector_storage]\ndimensions = -1\n",
            "rag.vector_storage.dimensions",
            "must be greater than 0",
        ),
    ],
)
def test_constraint_errors(write: Write, text: str, key: str, expected: str) -> None:
    path = write(text)
    with pytest.raises(ConfigError) as info:
        load_config()
    assert info.value.key == key
    assert str(info.value).startswith(f"{path}: key `{key}`: {expected}")


def test_unknown_keys_warn_with_file_and_dotted_key(write: Write) -> None:
    path = write(
        '[runtime]\nlog_level = "info"\nscript_timeout_seconds = 60\n'
        "[workflows]\nenabled = true\n"
        "[tools.custom_thing]\nx = 1\n"
        '[engines.lua]\nstdlib_level = "full"\n'
    )
    loaded = load_config()
    assert loaded.config.runtime.script_timeout_seconds == 60
    assert f"{path}: unknown key `runtime.log_level` (ignored); did you mean `logging.level`?" in (
        loaded.warnings
    )
    assert f"{path}: unknown key `workflows` (ignored)" in loaded.warnings
    assert f"{path}: unknown key `tools.custom_thing` (ignored)" in loaded.warnings
    assert any(
        "`engines.lua.stdlib_level`" in w and "engines.lua.stdlib" in w for w in loaded.warnings
    )
    assert len(loaded.warnings) == 4


def test_close_misspelling_gets_a_suggestion(write: Write) -> None:
    write("[runtime]\nscript_timeout_secs = 5\n")
    (warning,) = load_config().warnings
    assert "did you mean `runtime.script_timeout_seconds`?" in warning


def test_error_in_short_provider_form_names_the_key_as_written(write: Write) -> None:
    path = write('[providers.openai]\nmax_tokens = "many"\n')
    with pytest.raises(ConfigError) as info:
        load_config()
    assert str(info.value).startswith(f"{path}: key `providers.openai.max_tokens`: expected an")


def test_rule_error_blames_the_file_that_set_the_key(write: Write) -> None:
    path = write('[providers]\ndefault_provider = "missing"\n')
    with pytest.raises(ConfigError) as info:
        load_config()
    assert info.value.file == str(path)
    assert info.value.key == "providers.default_provider"
    assert "'missing'" in str(info.value)


def test_removed_rag_keys_only_warn(write: Write) -> None:
    """Keys of the original that did nothing here were removed; old files still load."""
    path = write(
        "[rag.vector_storage]\nmax_memory_mb = 64\n"
        "[rag.vector_storage.hnsw]\nenable_mmap = true\nnb_layers = 4\n"
        "[rag.cache]\ndocument_cache_size_mb = 256\nsearch_cache_size = 10\n"
    )
    loaded = load_config()
    assert loaded.config.rag.vector_storage.max_memory_mb == 64
    assert loaded.config.rag.cache.search_cache_size == 10
    for key in (
        "rag.vector_storage.hnsw.enable_mmap",
        "rag.vector_storage.hnsw.nb_layers",
        "rag.cache.document_cache_size_mb",
    ):
        assert f"{path}: unknown key `{key}` (ignored)" in loaded.warnings
