"""The schema: documented defaults, value normalisation, rules, and frozen sections."""

from __future__ import annotations

import copy
import pickle

import pytest

from llmspell.config import (
    LLMSpellConfig,
    LuaConfig,
    RuntimeConfig,
    apply_overrides,
    config_from_toml,
    load_config,
)
from llmspell.config.observability import DebugFileConfig
from llmspell.core.errors import ConfigError


def test_defaults_match_the_reference() -> None:
    cfg = LLMSpellConfig()
    assert cfg.default_engine == "lua"
    lua = cfg.engines.lua
    assert (lua.stdlib, lua.max_memory_bytes, lua.enable_debug, lua.security_level) == (
        "standard",
        50_000_000,
        False,
        "safe",
    )
    rt = cfg.runtime
    assert (rt.max_concurrent_scripts, rt.script_timeout_seconds, rt.enable_streaming) == (
        10,
        300,
        True,
    )
    sec = rt.security
    assert (sec.allow_file_access, sec.allow_network_access, sec.allow_process_spawn) == (
        False,
        True,
        False,
    )
    state = rt.state_persistence
    assert state.enabled is True
    assert state.backend_type == "sqlite"
    assert state.max_state_size_bytes == 10_000_000
    assert state.backup.compression_level == 3
    assert rt.sessions.enabled is False
    assert rt.sessions.max_sessions == 100
    assert rt.sessions.session_timeout_seconds == 3600
    files = cfg.tools.file_operations
    assert files.allowed_paths == ["/tmp"]
    assert files.blocked_extensions == ["exe", "dll", "so", "dylib"]
    assert files.max_file_size == 50_000_000
    assert cfg.tools.system.allowed_commands == [
        *("echo", "ls", "cat", "date", "wc", "grep", "head", "tail", "sort", "pwd", "whoami"),
        "uname",
    ]
    assert cfg.tools.network.allow_private is False
    assert cfg.tools.http_request.blocked_hosts == []  # private hosts need allow_private anyway
    assert cfg.rag.enabled is False
    assert cfg.rag.vector_storage.dimensions == 384
    hnsw = cfg.rag.vector_storage.hnsw
    assert (hnsw.m, hnsw.ef_construction, hnsw.ef_search, hnsw.metric) == (16, 200, 50, "cosine")
    assert cfg.rag.chunking.strategy == "sliding_window"
    assert (cfg.rag.chunking.chunk_size, cfg.rag.chunking.overlap) == (200, 32)
    assert cfg.rag.embedding.default_provider == "local"
    assert cfg.events.enabled is True
    assert cfg.events.buffer_size == 10_000
    assert cfg.events.filtering.include_types == ["*"]
    assert cfg.debug.level == "info"
    assert cfg.debug.output.stdout is True
    assert cfg.debug.output.buffer.enabled is True
    assert cfg.debug.output.buffer.max_entries == 10_000
    assert cfg.debug.output.file is None
    assert cfg.debug.stack_trace.max_depth == 50
    kernel = cfg.kernel
    assert (kernel.port, kernel.ip, kernel.transport) == (9555, "127.0.0.1", "tcp")
    assert (kernel.idle_timeout, kernel.max_clients) == (3600, 10)
    assert kernel.signature_scheme == "hmac-sha256"
    assert cfg.daemon.umask == 0o027
    assert cfg.daemon.log_rotate_count == 5
    assert cfg.logging.level == "warn"
    assert cfg.logging.format == "text"
    assert cfg.providers.providers == {}
    assert cfg.providers.default_provider is None


def test_no_file_gives_the_defaults() -> None:
    loaded = load_config()
    assert loaded.config == LLMSpellConfig()
    assert loaded.source is None
    assert loaded.profile is None
    assert loaded.warnings == []


@pytest.mark.parametrize("written", ["safe", "Safe", "SAFE"])
def test_security_level_is_case_insensitive(written: str) -> None:
    loaded = config_from_toml(f'[engines.lua]\nsecurity_level = "{written}"\n')
    assert loaded.config.engines.lua.security_level == "safe"


def test_other_security_levels_and_stdlib_levels() -> None:
    text = '[engines.lua]\nsecurity_level = "Unrestricted"\nstdlib = "Full"\n'
    lua = config_from_toml(text).config.engines.lua
    assert lua.security_level == "unrestricted"
    assert lua.stdlib == "all"


def test_unknown_security_level_lists_the_choices() -> None:
    with pytest.raises(ConfigError) as info:
        config_from_toml('[engines.lua]\nsecurity_level = "paranoid"\n', source="x.toml")
    message = str(info.value)
    assert "x.toml" in message
    assert "engines.lua.security_level" in message
    assert "'safe', 'privileged', 'unrestricted'" in message
    assert "'paranoid'" in message


def test_sled_backend_reads_as_sqlite_with_a_warning() -> None:
    loaded = config_from_toml('[runtime.state_persistence]\nbackend_type = "sled"\n', source="a")
    assert loaded.config.runtime.state_persistence.backend_type == "sqlite"
    assert len(loaded.warnings) == 1
    assert "runtime.state_persistence.backend_type" in loaded.warnings[0]
    assert "sled" in loaded.warnings[0]


def test_embedded_and_memory_backends() -> None:
    text = '[runtime.state_persistence]\nbackend_type = "Embedded"\n'
    assert config_from_toml(text).config.runtime.state_persistence.backend_type == "sqlite"
    text = '[runtime.sessions]\nstorage_backend = "memory"\n'
    assert config_from_toml(text).config.runtime.sessions.storage_backend == "memory"


def test_default_engine_must_be_known() -> None:
    with pytest.raises(ConfigError, match="default_engine"):
        config_from_toml('default_engine = "cobol"\n')
    assert config_from_toml('default_engine = "JS"\n').config.default_engine == "javascript"
    custom = config_from_toml('default_engine = "python"\n[engines.python]\npath = "x"\n')
    assert custom.config.default_engine == "python"
    assert custom.config.engines.custom == {"python": {"path": "x"}}
    assert custom.warnings == []


def test_chunk_overlap_must_be_below_chunk_size() -> None:
    with pytest.raises(ConfigError) as info:
        config_from_toml("[rag.chunking]\nchunk_size = 100\noverlap = 100\n", source="r.toml")
    assert "r.toml" in str(info.value)
    assert info.value.key == "rag.chunking.overlap"
    assert "less than chunk_size" in str(info.value)


def test_unknown_search_engine_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(ConfigError) as info:
        config_from_toml('[tools.search.providers.bing]\napi_key = "k"\n', source="s.toml")
    assert info.value.key == "tools.search.providers.bing"
    assert "brave" in str(info.value) and "duckduckgo" in str(info.value)
    alias = config_from_toml('[tools.search.providers.serperdev]\napi_key = "k"\n').config
    assert "serperdev" in alias.tools.search.providers


def test_health_port_may_not_reuse_a_jupyter_port() -> None:
    with pytest.raises(ConfigError) as info:
        config_from_toml("[kernel]\nport = 9000\n[kernel.health]\nenabled = true\nport = 9002\n")
    assert info.value.key == "kernel.health.port"


def test_umask_octal_string_and_sizes() -> None:
    text = (
        '[daemon]\numask = "077"\nlog_rotate_size = "2MB"\n'
        '[debug.output.file]\npath = "d.log"\nmax_size = "1KiB"\n'
    )
    cfg = config_from_toml(text).config
    assert cfg.daemon.umask == 0o077
    assert cfg.daemon.log_rotate_size == 2_000_000
    assert cfg.debug.output.file is not None
    assert cfg.debug.output.file.max_size == 1024
    assert cfg.debug.output.file.append is True


def test_debug_file_needs_a_path() -> None:
    with pytest.raises(ConfigError) as info:
        config_from_toml("[debug.output.file]\nappend = false\n", source="d.toml")
    assert info.value.key == "debug.output.file.path"
    assert "required" in str(info.value)


def test_comma_separated_lists_are_accepted() -> None:
    cfg = config_from_toml('[tools.system]\nallowed_commands = "ls, cat"\n').config
    assert cfg.tools.system.allowed_commands == ["ls", "cat"]


def test_effective_limits_take_the_tightest_setting() -> None:
    cfg = LLMSpellConfig()
    assert cfg.effective_timeout_seconds() == 300
    assert cfg.effective_memory_limit_bytes() == 50_000_000
    tighter = apply_overrides(
        cfg,
        {
            "engines.lua.timeout_ms": 1500,
            "runtime.security.max_memory_bytes": 10_000_000,
        },
    )
    assert tighter.effective_timeout_seconds() == 1.5
    assert tighter.effective_memory_limit_bytes() == 10_000_000
    unlimited = apply_overrides(cfg, {"engines.lua.max_memory_bytes": 0})
    assert unlimited.effective_memory_limit_bytes() == 0


def test_sections_are_read_only_and_replace_validates() -> None:
    cfg = LLMSpellConfig()
    with pytest.raises(AttributeError):
        cfg.runtime.script_timeout_seconds = 5  # type: ignore[misc]
    runtime = cfg.runtime.replace(script_timeout_seconds=5, security={"allow_file_access": True})
    assert runtime.script_timeout_seconds == 5
    assert runtime.security.allow_file_access is True
    assert runtime.security.allow_network_access is True
    assert cfg.runtime.script_timeout_seconds == 300
    with pytest.raises(ConfigError, match="expected an integer"):
        cfg.runtime.replace(script_timeout_seconds="soon")
    with pytest.raises(TypeError, match="nope"):
        cfg.runtime.replace(nope=1)


def test_keyword_construction_validates() -> None:
    lua = LuaConfig(security_level="Privileged", max_memory_bytes=1024)
    assert lua.security_level == "privileged"
    assert lua.stdlib == "standard"
    with pytest.raises(ConfigError) as info:
        RuntimeConfig(script_timeout_seconds=0)
    assert info.value.key == "script_timeout_seconds"
    assert "greater than 0" in str(info.value)
    with pytest.raises(TypeError):
        LuaConfig(unknown=True)  # type: ignore[call-arg]


def test_keyword_construction_applies_cross_field_rules() -> None:
    with pytest.raises(ConfigError) as info:
        LLMSpellConfig(rag={"chunking": {"chunk_size": 10, "overlap": 20}})
    assert info.value.key == "rag.chunking.overlap"
    with pytest.raises(ConfigError) as info:
        DebugFileConfig()  # type: ignore[call-arg]
    assert info.value.key == "path"
    nested = LLMSpellConfig(runtime=RuntimeConfig(script_timeout_seconds=9))
    assert nested.runtime.script_timeout_seconds == 9
    with pytest.raises(ConfigError, match="default_provider"):
        LLMSpellConfig().replace(providers={"default_provider": "nobody"})


def test_equality_copy_and_pickle() -> None:
    cfg = apply_overrides(LLMSpellConfig(), {"providers.providers.openai.default_model": "m"})
    assert pickle.loads(pickle.dumps(cfg)) == cfg
    assert copy.deepcopy(cfg) == cfg
    assert cfg != LLMSpellConfig()


def test_apply_overrides_validates_and_rejects_unknown_keys() -> None:
    cfg = LLMSpellConfig()
    with pytest.raises(ConfigError) as info:
        apply_overrides(cfg, {"runtime.script_timeout_seconds": -1}, source="--timeout")
    assert "--timeout" in str(info.value)
    assert info.value.key == "runtime.script_timeout_seconds"
    with pytest.raises(ConfigError) as info:
        apply_overrides(cfg, {"runtime.script_timeout": 5})
    assert "unknown key `runtime.script_timeout`" in str(info.value)
