"""`State`: both script APIs over the State store.

The scoped API of the original (`save/load/delete/list_keys(scope, ...)` and the workflow, agent
and tool helpers) and the documented global API (`set/get/exists/clear/list`, `increment`,
`append`, `compare_and_swap`). One extra leading argument means a scope: `State.get(k)` reads
the global scope and `State.get(scope, k)` another one, so legacy `State.set("global", k, v)`
works too. Migrations need `migration_enabled`, script backups need `backup_enabled`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from llmspell.bridge.globals.base import ScriptGlobal
from llmspell.core.errors import FeatureDisabled, ValidationError

if TYPE_CHECKING:
    from llmspell.config import LLMSpellConfig
    from llmspell.state import StateStore

_GLOBAL = "global"
_TTL_KEYS = ("ttl", "ttl_seconds", "expires_in")
_KEY = "runtime.state_persistence"


def _ttl(opts: Any) -> float | None:
    if opts is None or (isinstance(opts, int | float) and not isinstance(opts, bool)):
        return opts
    if isinstance(opts, Mapping):
        for name in _TTL_KEYS:
            if opts.get(name) is not None:
                return opts[name]
        return None
    raise ValidationError(f"State: options must be a table like {{ttl = 60}}, got {opts!r}")


def _is_opts(value: Any) -> bool:
    return isinstance(value, Mapping) and bool(value) and set(value) <= set(_TTL_KEYS)


def _usage(name: str, forms: str, args: tuple[Any, ...]) -> ValidationError:
    return ValidationError(f"State.{name}: expected {forms}, got {len(args)} arguments")


def _ref(value: Any) -> str:
    """A backup id from an id string or a table returned by `create_backup`/`list_backups`."""
    if isinstance(value, Mapping):
        value = value.get("backup_id") or value.get("id")
    if not isinstance(value, str) or not value:
        raise ValidationError("State: give a backup id (a string from State.list_backups())")
    return value


class StateGlobal(ScriptGlobal):
    name = "State"

    def __init__(self, store: StateStore, *, config: LLMSpellConfig) -> None:
        self._store = store
        cfg = config.runtime.state_persistence
        self._migrations_on = cfg.migration_enabled
        self._backups_on = cfg.backup_enabled

    # Scoped API ------------------------------------------------------------------------------

    def save(self, scope: str, key: str, value: Any = None, opts: Any = None) -> None:
        self._store.save(scope, key, value, ttl=_ttl(opts))

    def load(self, scope: str, key: str) -> Any:
        return self._store.load(scope, key)

    def list_keys(self, scope: str) -> list[str]:
        return self._store.list_keys(scope)

    def list_scopes(self) -> list[str]:
        return self._store.list_scopes()

    def clear(self, scope: str | None = None) -> int:
        return self._store.clear(scope or _GLOBAL)

    def list(self, scope: str | None = None) -> list[str]:
        return self._store.list_keys(scope or _GLOBAL)

    get_scoped = load
    set_scoped = save
    list_scoped = list_keys

    def delete_scoped(self, scope: str, key: str) -> bool:
        return self._store.delete(scope, key)

    def clear_scope(self, scope: str) -> int:
        return self._store.clear(scope)

    def workflow_get(self, workflow_id: str, step: str) -> Any:
        return self._store.load("workflow", f"{workflow_id}:{step}")

    def workflow_list(self, workflow_id: str) -> list[str]:
        return self._store.list_keys(f"workflow:{workflow_id}")

    def agent_get(self, agent_id: str, key: str) -> Any:
        return self._store.load("agent", f"{agent_id}:{key}")

    def agent_set(self, agent_id: str, key: str, value: Any = None) -> None:
        self._store.save("agent", f"{agent_id}:{key}", value)

    def tool_get(self, tool_id: str, key: str) -> Any:
        return self._store.load("tool", f"{tool_id}:{key}")

    def tool_set(self, tool_id: str, key: str, value: Any = None) -> None:
        self._store.save("tool", f"{tool_id}:{key}", value)

    # Global API (an extra leading argument is a scope) ---------------------------------------

    def set(self, *args: Any) -> None:
        match args:
            case (key, value) | (key, value, None):
                self._store.save(_GLOBAL, key, value)
            case (key, value, opts) if _is_opts(opts):
                self._store.save(_GLOBAL, key, value, ttl=_ttl(opts))
            case (scope, key, value):
                self._store.save(scope, key, value)
            case (scope, key, value, opts):
                self._store.save(scope, key, value, ttl=_ttl(opts))
            case _:
                raise _usage("set", "(key, value[, {ttl=s}]) or (scope, key, value[, opts])", args)

    def get(self, *args: Any) -> Any:
        match args:
            case (key,):
                return self._store.load(_GLOBAL, key)
            case (scope, key):
                return self._store.load(scope, key)
        raise _usage("get", "(key) or (scope, key)", args)

    def delete(self, *args: Any) -> bool:
        match args:
            case (key,):
                return self._store.delete(_GLOBAL, key)
            case (scope, key):
                return self._store.delete(scope, key)
        raise _usage("delete", "(key) or (scope, key)", args)

    def exists(self, *args: Any) -> bool:
        match args:
            case (key,):
                return self._store.exists(_GLOBAL, key)
            case (scope, key):
                return self._store.exists(scope, key)
        raise _usage("exists", "(key) or (scope, key)", args)

    def increment(self, *args: Any) -> int | float:
        match args:
            case (key,) | (key, None):
                return self._store.increment(key)
            case (scope, str() as key):
                return self._store.increment(key, scope=scope)
            case (key, by):
                return self._store.increment(key, by)
            case (scope, key, by):
                return self._store.increment(key, 1 if by is None else by, scope=scope)
        raise _usage("increment", "(key[, by]) or (scope, key[, by])", args)

    def append(self, *args: Any) -> int:
        match args:
            case (key, value):
                return self._store.append(key, value)
            case (scope, key, value):
                return self._store.append(key, value, scope=scope)
        raise _usage("append", "(key, value) or (scope, key, value)", args)

    def compare_and_swap(self, *args: Any) -> bool:
        match args:
            case (key, expected, new):
                return self._store.compare_and_swap(key, expected, new)
            case (scope, key, expected, new):
                return self._store.compare_and_swap(key, expected, new, scope=scope)
        raise _usage("compare_and_swap", "(key, old, new) or (scope, key, old, new)", args)

    # Migrations (runtime.state_persistence.migration_enabled) --------------------------------

    def _migrator(self) -> Any:
        if not self._migrations_on:
            raise FeatureDisabled("State migration", f"{_KEY}.migration_enabled")
        return self._store.migrations

    def register_migration(self, spec: dict[str, Any]) -> None:
        from llmspell.state import MigrationStep

        migrator = self._migrator()
        if not isinstance(spec, Mapping):
            raise ValidationError("State.register_migration: give a table {version = 2, ...}")
        migrator.register(MigrationStep.from_spec(spec))

    def migrate(self, target: Any = None) -> dict[str, Any]:
        if isinstance(target, Mapping):
            target = (
                target.get("to_version") or target.get("target_version") or target.get("version")
            )
        return self._migrator().migrate(target).as_dict()

    def get_migration_status(self) -> dict[str, Any]:
        return self._migrator().status()

    def get_schema_versions(self) -> list[int | str]:
        return self._migrator().versions()

    migrate_to_version = migrate
    migration_status = get_migration_status
    schema_versions = get_schema_versions
    list_schema_versions = get_schema_versions

    # Backups (runtime.state_persistence.backup_enabled) --------------------------------------

    def _backups(self) -> Any:
        if not self._backups_on:
            raise FeatureDisabled("State backup", f"{_KEY}.backup_enabled")
        return self._store.backups

    def create_backup(self, options: Any = None) -> dict[str, Any]:
        incremental, label = False, None
        if isinstance(options, bool):
            incremental = options
        elif isinstance(options, str):
            label = options
        elif isinstance(options, Mapping):
            incremental = bool(options.get("incremental"))
            label = options.get("label") or options.get("name") or options.get("description")
        elif options is not None:
            raise ValidationError("State.create_backup: give incremental (true/false) or a name")
        info = self._backups().create(incremental=incremental, label=label)
        return {"success": True, **info.as_dict()}

    def list_backups(self) -> list[dict[str, Any]]:
        return [b.as_dict() for b in reversed(self._backups().list())]

    def restore_backup(self, backup: Any) -> dict[str, Any]:
        return self._backups().restore(_ref(backup))

    def validate_backup(self, backup: Any) -> dict[str, Any]:
        return self._backups().validate(_ref(backup))

    def cleanup_backups(self, options: Any = None) -> dict[str, Any]:
        dry_run, keep = False, None
        if isinstance(options, bool):
            dry_run = options
        elif isinstance(options, int | float):
            keep = int(options)
        elif isinstance(options, Mapping):
            dry_run = bool(options.get("dry_run"))
            keep = options.get("keep") or options.get("keep_count") or options.get("max_backups")
        return self._backups().cleanup(dry_run=dry_run, keep=keep)

    def get_storage_usage(self) -> dict[str, Any]:
        usage = self._store.usage()
        usage["backups"] = self._backups().usage()
        return usage
