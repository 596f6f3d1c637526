"""`Provider`: the providers a spell can use, and what each can do."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llmspell.bridge.globals.base import ScriptGlobal

if TYPE_CHECKING:
    from llmspell.providers import ProviderRegistry


class ProviderGlobal(ScriptGlobal):
    name = "Provider"

    def __init__(self, registry: ProviderRegistry) -> None:
        self._registry = registry

    def list(self) -> list[dict[str, Any]]:
        """Configured providers plus those usable from a key: `{name, enabled, capabilities}`."""
        return self._registry.list()

    def get(self, name: Any) -> dict[str, Any] | None:
        return self._registry.get(name) if isinstance(name, str) else None

    def getCapabilities(self, name: Any) -> dict[str, Any] | None:
        return self._registry.capabilities(name) if isinstance(name, str) else None

    def isAvailable(self, name: Any) -> bool:
        return isinstance(name, str) and self._registry.is_available(name)

    get_capabilities = getCapabilities
    is_available = isAvailable
