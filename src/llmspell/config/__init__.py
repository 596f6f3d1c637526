"""llmspell configuration: the `llmspell.toml` schema, discovery, profiles and env overrides.

```python
from llmspell.config import load_config

loaded = load_config()                      # or load_config("x.toml", profile="rag-dev")
cfg = loaded.config
cfg.runtime.script_timeout_seconds          # 300
cfg.engines.lua.security_level              # "safe"
for warning in loaded.warnings: ...         # unknown keys, naming file and dotted key
```

Precedence: built-in defaults < profile < config file < environment variables.
Imports here stay cheap (stdlib only); TOML is parsed and written on demand.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from llmspell.config.env import ENV_OVERRIDES, EnvOverride
from llmspell.config.loader import (
    LoadedConfig,
    apply_overrides,
    candidate_paths,
    config_from_toml,
    llmspell_home,
    load_config,
)
from llmspell.config.observability import (
    DebugConfig,
    EventsConfig,
    HooksConfig,
    LoggingConfig,
)
from llmspell.config.profiles import list_profiles, profile_summary
from llmspell.config.providers import (
    ProviderConfig,
    ProvidersConfig,
    RateLimitConfig,
    RetryConfig,
)
from llmspell.config.rag import RagConfig
from llmspell.config.schema import (
    EnginesConfig,
    LLMSpellConfig,
    LuaConfig,
    RuntimeConfig,
    RuntimeSecurityConfig,
    SessionsConfig,
    StatePersistenceConfig,
)
from llmspell.config.section import Section
from llmspell.config.service import DaemonConfig, KernelConfig
from llmspell.config.tools import ToolsConfig

if TYPE_CHECKING:
    from llmspell.config.serialize import config_to_dict, config_to_toml, get_path, plain_value
    from llmspell.config.template import default_config_toml

#: Loaded on first use: writing config out is rarer than reading it, and costs imports.
_LAZY = {
    "config_to_dict": "llmspell.config.serialize",
    "config_to_toml": "llmspell.config.serialize",
    "get_path": "llmspell.config.serialize",
    "plain_value": "llmspell.config.serialize",
    "default_config_toml": "llmspell.config.template",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(module), name)


__all__ = [
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
]
