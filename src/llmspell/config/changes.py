"""Run-only configuration changes: add, replace or remove a provider while a spell runs.

```python
changes = ConfigChanges(config, on_change=..., providers=lambda: registry_or_none, ...)
changes.set_provider("local", {"provider_type": "openai", "base_url": "http://127.0.0.1:8000/v1"})
changes.remove_provider("local")
```

Settings are checked by the same `Section` validation as a `[providers.<name>]` file table. Each
change fires the `ConfigurationChange` hook point first (a hook may cancel it or modify the new
settings), then replaces the frozen config with a new one, makes the provider registry forget what
it cached for that provider and publishes a `config.changed` event. Nothing is written to disk.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from llmspell.config.providers import ProviderConfig, ProvidersConfig
from llmspell.config.section import ConfigProblem, Context, describe
from llmspell.config.serialize import SECRET_KEY, config_to_dict
from llmspell.core.errors import ConfigError, SecurityError, ValidationError

if TYPE_CHECKING:
    from llmspell.config.schema import LLMSpellConfig
    from llmspell.events import EventBus
    from llmspell.hooks import HookRegistry
    from llmspell.providers import ProviderRegistry

log = logging.getLogger("llmspell.config")

HOOK_POINT = "ConfigurationChange"
EVENT_TYPE = "config.changed"
SWITCH_KEY = "runtime.security.allow_config_changes"
KEY_ADVICE = (
    "pass the key through `api_key_env` or `llmspell keys add`; keys in spells end up in logs"
)

Action = Literal["set", "remove"]


class ConfigChanges:
    """The configuration of one run and the changes made to it; thread-safe.

    `on_change` receives each new config; `providers`, `hooks` and `events` return the runtime's
    components when they have been built (None otherwise), so a change never builds them.
    """

    def __init__(
        self,
        config: LLMSpellConfig,
        *,
        on_change: Callable[[LLMSpellConfig], None] | None = None,
        providers: Callable[[], ProviderRegistry | None] | None = None,
        hooks: Callable[[], HookRegistry | None] | None = None,
        events: Callable[[], EventBus | None] | None = None,
    ) -> None:
        self._config = config
        self._on_change = on_change
        self._providers = providers
        self._hooks = hooks
        self._events = events
        self._lock = threading.Lock()

    @property
    def config(self) -> LLMSpellConfig:
        """The configuration in effect now, with every change applied."""
        return self._config

    @property
    def allowed(self) -> bool:
        """Whether changes are permitted (`runtime.security.allow_config_changes`)."""
        return self._config.runtime.security.allow_config_changes

    def set_provider(
        self, name: str, settings: Mapping[str, Any], *, source: str | None = None
    ) -> ProviderConfig:
        """Add or replace provider `name` for this run; the settings applied."""
        self._check_allowed(source)
        _check_name(name, source)
        new = _provider(name, settings, source)
        old = self._config.providers.providers.get(name)
        modified = self._fire(name, "set", old, new)
        if modified is not None:
            new = _provider(name, modified, _label(source, f"a {HOOK_POINT} hook"))
        self._apply(name, "set", new)
        return new

    def remove_provider(self, name: str, *, source: str | None = None) -> bool:
        """Remove provider `name` for this run; whether it was configured."""
        self._check_allowed(source)
        providers = self._config.providers
        old = providers.providers.get(name) if isinstance(name, str) else None
        if old is None:
            return False
        if providers.default_provider == name:
            raise ConfigError(
                f"provider {name!r} is the default provider; set another one before removing it",
                file=source,
                key="providers.default_provider",
            )
        self._fire(name, "remove", old, None)
        self._apply(name, "remove", None)
        return True

    def _check_allowed(self, source: str | None) -> None:
        if not self.allowed:
            raise SecurityError(
                f"{_label(source, 'Configuration changes')}: refused, configuration changes are "
                f"off (`{SWITCH_KEY} = false`)"
            )

    def _fire(
        self, name: str, action: Action, old: ProviderConfig | None, new: ProviderConfig | None
    ) -> Mapping[str, Any] | None:
        """Run the hooks; the settings a hook modified them to (None: unchanged)."""
        hooks = self._hooks() if self._hooks is not None else None
        if hooks is None or not hooks.has(HOOK_POINT):
            return None
        from llmspell.hooks.registry import HookContext

        path = f"providers.{name}"
        outcome = hooks.fire(
            HOOK_POINT,
            HookContext(
                point=HOOK_POINT,
                component_type="system",
                component_name="config",
                data={"path": path, "action": action, "old": _shown(old), "new": _shown(new)},
                subject="new",
            ),
        )
        if outcome.kind == "cancel":
            raise ConfigError(
                f"Configuration change to {path} cancelled by a hook: {outcome.result.reason}"
            )
        if not outcome.modified or action == "remove":
            return None
        if not isinstance(outcome.data, Mapping):
            raise ValidationError(
                f"A {HOOK_POINT} hook modified the settings of {path} to {describe(outcome.data)}; "
                "expected a table of provider settings"
            )
        return outcome.data

    def _apply(self, name: str, action: Action, provider: ProviderConfig | None) -> None:
        with self._lock:
            current = self._config
            tables = dict(current.providers.providers)
            if provider is None:
                tables.pop(name, None)
            else:
                tables[name] = provider
            try:
                providers = ProvidersConfig.build(
                    {"default_provider": current.providers.default_provider, "providers": tables}
                )
            except ConfigProblem as problem:
                raise ConfigError(problem.message, key=f"providers.{problem.key}") from None
            fields = {field: getattr(current, field) for field in type(current)._fields}
            config = type(current).build({**fields, "providers": providers})
            self._config = config
            if self._on_change is not None:
                self._on_change(config)
            registry = self._providers() if self._providers is not None else None
            if registry is not None:
                registry.reconfigure(providers, name)
        log.info("providers.%s: %s for this run", name, action)
        bus = self._events() if self._events is not None else None
        if bus is not None:
            bus.publish(
                EVENT_TYPE,
                {"path": f"providers.{name}", "action": action},
                source="config",
                metadata={"component_type": "system"},
            )


def _label(source: str | None, fallback: str) -> str:
    return source or fallback


def _check_name(name: Any, source: str | None) -> None:
    if not isinstance(name, str) or not name.strip():
        raise ValidationError(
            f"{_label(source, 'A provider')}: the provider name must be a non-empty string, "
            f"got {describe(name)}"
        )
    if any(ch in name for ch in "/. \t\n"):
        raise ValidationError(
            f"{_label(source, 'A provider')}: the provider name {name!r} must not contain '/', "
            "'.' or spaces (models are named 'provider/model')"
        )


def _provider(name: str, settings: Any, source: str | None) -> ProviderConfig:
    """Validate settings as the table `[providers.<name>]` of a config file."""
    prefix = f"providers.{name}"
    if not isinstance(settings, Mapping):
        raise ValidationError(
            f"{_label(source, prefix)}: the settings of {prefix} must be a table, "
            f"got {describe(settings)}"
        )
    _refuse_secrets(settings, prefix, source)
    ctx = Context(source)
    partial = ProviderConfig.validate(settings, f"{prefix}.", ctx)
    for warning in ctx.warnings:
        log.warning(warning)
    table = ProvidersConfig.prepare({"providers": {name: partial}})["providers"][name]
    try:
        return ProviderConfig.build(table)
    except ConfigProblem as problem:
        raise ctx.error(f"{prefix}.{problem.key}", problem.message) from None


def _refuse_secrets(settings: Mapping[str, Any], prefix: str, source: str | None) -> None:
    for key, value in settings.items():
        path = f"{prefix}.{key}"
        if isinstance(value, Mapping):
            _refuse_secrets(value, path, source)
        elif value is not None and SECRET_KEY.search(str(key)):
            raise SecurityError(f"{_label(source, prefix)}: `{path}` is refused: {KEY_ADVICE}")


def _shown(provider: ProviderConfig | None) -> dict[str, Any] | None:
    """A provider's settings for hooks: secrets redacted, unset values left out."""
    if provider is None:
        return None
    return _compact(config_to_dict(provider, redact=True))


def _compact(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _compact(item) for key, item in value.items() if item is not None}
    return value
