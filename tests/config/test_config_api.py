"""The package door: its public names, and that importing it stays cheap."""

from __future__ import annotations

import subprocess
import sys

import llmspell.config

EXPECTED = {
    "ENV_OVERRIDES",
    "DaemonConfig",
    "DebugConfig",
    "EnginesConfig",
    "EnvOverride",
    "EventsConfig",
    "HooksConfig",
    "KernelConfig",
    "LLMSpellConfig",
    "LoadedConfig",
    "LoggingConfig",
    "LuaConfig",
    "ProviderConfig",
    "ProvidersConfig",
    "RagConfig",
    "RateLimitConfig",
    "RetryConfig",
    "RuntimeConfig",
    "RuntimeSecurityConfig",
    "Section",
    "SessionsConfig",
    "StatePersistenceConfig",
    "ToolsConfig",
    "apply_overrides",
    "candidate_paths",
    "config_from_toml",
    "config_to_dict",
    "config_to_toml",
    "default_config_toml",
    "get_path",
    "list_profiles",
    "llmspell_home",
    "load_config",
    "plain_value",
    "profile_summary",
}


def test_public_names_are_pinned() -> None:
    assert set(llmspell.config.__all__) == EXPECTED
    for name in EXPECTED:
        assert getattr(llmspell.config, name) is not None


def test_loading_defaults_imports_nothing_heavy() -> None:
    code = (
        "import sys, llmspell.config as c; c.load_config(env={'HOME': '/nonexistent'}); "
        "print(' '.join(sorted(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    loaded = set(result.stdout.split())
    heavy = {"pydantic", "pydantic_core", "lupa", "rich", "tomli_w", "tomllib", "numpy", "json"}
    assert loaded & heavy == set()
