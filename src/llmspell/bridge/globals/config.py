"""`Config`: views of the configuration in effect (secrets redacted); run-only provider changes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from llmspell.bridge.globals.base import ScriptGlobal, script_type
from llmspell.config import LLMSpellConfig, config_to_dict, get_path
from llmspell.config.changes import ConfigChanges
from llmspell.config.section import Section
from llmspell.config.serialize import plain_value
from llmspell.core.errors import ValidationError
from llmspell.security import PathPolicy, host_refusal

_PERMISSIONS = {
    "read": True,
    "modify_tools": False,
    "modify_runtime": False,
    "modify_security": False,
    "access_secrets": False,
}


class ConfigGlobal(ScriptGlobal):
    name = "Config"

    def __init__(
        self,
        config: LLMSpellConfig,
        *,
        paths: PathPolicy,
        source: Path | None = None,
        changes: ConfigChanges | None = None,
    ) -> None:
        self._changes = changes if changes is not None else ConfigChanges(config)
        self._paths = paths
        self._source = source

    @property
    def _config(self) -> LLMSpellConfig:
        return self._changes.config

    def get(self, path: str | None = None) -> Any:
        """The value at a dotted key (`"runtime.security"`), or nil when there is none."""
        if not path:
            return self.snapshot()
        try:
            value = get_path(self._config, path)
        except KeyError:
            return None
        if isinstance(value, Section):
            return config_to_dict(value, redact=True)
        return plain_value(path.rsplit(".", 1)[-1], value)

    def getSection(self, name: str) -> Any:
        value = self.get(name)
        if value is None:
            raise ValidationError(
                f"Config.getSection: no section {name!r}; known sections: "
                + ", ".join(config_to_dict(self._config, redact=True))
            )
        return value

    def getDefaultEngine(self) -> str:
        return self._config.default_engine

    def listProviders(self) -> list[str]:
        return sorted(self._config.providers.providers)

    def getProvider(self, name: str) -> dict[str, Any] | None:
        provider = self._config.providers.providers.get(name)
        if provider is None:
            return None
        return config_to_dict(provider, redact=True)

    def getDefaultProvider(self) -> str | None:
        return self._config.providers.default_provider

    def getSecurity(self) -> dict[str, Any]:
        security = config_to_dict(self._config.runtime.security, redact=True)
        security["security_level"] = self._config.engines.lua.security_level
        return security

    def getTools(self) -> dict[str, Any]:
        return config_to_dict(self._config.tools, redact=True)

    def getPermissions(self) -> dict[str, bool]:
        return {**_PERMISSIONS, "modify_providers": self._changes.allowed}

    def setProvider(self, name: str, settings: dict[str, Any] | None = None) -> None:
        """Add or replace a provider for this run, with the keys of a `[providers.<name>]` table."""
        if settings is None or settings == []:
            settings = {}
        if not isinstance(settings, dict):
            raise ValidationError(
                f"Config.setProvider: the settings must be a table, got {script_type(settings)}"
            )
        self._changes.set_provider(name, settings, source="Config.setProvider")

    def removeProvider(self, name: str) -> bool:
        """Remove a provider for this run; whether it was configured."""
        return self._changes.remove_provider(name, source="Config.removeProvider")

    def isFileAccessAllowed(self, path: str, mode: str = "r") -> bool:
        """Whether the spell may open `path` for reading ("r") or writing ("w")."""
        if mode not in ("r", "w", "read", "write"):
            raise ValidationError(
                f"Config.isFileAccessAllowed: mode must be 'r' or 'w', got {mode!r}"
            )
        return self._paths.refusal(path, mode[0]) is None

    def isNetworkAccessAllowed(self, host: str | None = None) -> bool:
        """Whether network access is on, and (given a host) whether tools may contact it."""
        cfg = self._config
        if host is None:
            return cfg.runtime.security.allow_network_access
        reason = host_refusal(
            host,
            network_allowed=cfg.runtime.security.allow_network_access,
            allow_private=cfg.tools.network.allow_private,
            allowed_hosts=[h for h in cfg.tools.http_request.allowed_hosts if h != "*"],
            blocked_hosts=cfg.tools.http_request.blocked_hosts,
        )
        return reason is None

    def getSource(self) -> str | None:
        """The config file in use, or nil for built-in defaults."""
        return str(self._source) if self._source else None

    def snapshot(self) -> dict[str, Any]:
        return config_to_dict(self._config, redact=True)

    def toJson(self, pretty: bool = False) -> str:
        return json.dumps(self.snapshot(), indent=2 if pretty else None, sort_keys=True)
