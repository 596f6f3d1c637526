"""Versioned migrations of stored State values: registered steps, applied once, in order.

A step belongs to a schema version and (optionally) a scope. It rewrites each table value with
declarative field operations and/or a function `fn(key, value, scope) -> new value | None`
(None keeps the value). `migrate(target)` applies every pending step up to `target` in one
transaction, after a backup when `backup_on_migration` is on, and records the new version and
the history in the store itself, so every process sees them. With the store's hooks, the
StateMigration point fires before pending steps are applied; a cancel applies nothing.

```python
store.migrations.register(MigrationStep.from_spec({
    "version": 2, "scope": "user", "description": "full names",
    "transforms": [{"op": "rename", "from": "name", "to": "full_name"},
                   {"op": "default", "field": "age", "value": 0}],
}))
store.migrations.migrate(2)    # {"success": True, "from_version": 0, "to_version": 2, ...}
```
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, get_args

from llmspell.core.errors import LLMSpellError, StateError
from llmspell.state import codec
from llmspell.state.keys import check_scope, check_size

if TYPE_CHECKING:
    from llmspell.state.store import StateStore

Version = tuple[int, int, int]
Op = Literal["rename", "copy", "default", "set", "remove", "convert"]
ConvertTo = Literal["string", "number", "integer", "boolean"]
_OPS: tuple[str, ...] = get_args(Op)
_MISSING: Any = object()


def parse_version(value: Any) -> Version:
    """`2`, `"2"`, `"v2.1"` or `"2.1.0"` as `(major, minor, patch)`."""
    text = str(value).strip() if not isinstance(value, bool) else ""
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    parts = text.removeprefix("v").split(".")
    if not text or len(parts) > 3 or not all(p.isdigit() for p in parts):
        raise StateError(
            f"Invalid schema version {value!r}: use a number (2) or a dotted version ('2.1.0')"
        )
    numbers = [int(p) for p in parts] + [0] * (3 - len(parts))
    return numbers[0], numbers[1], numbers[2]


def version_value(version: Version) -> int | str:
    """How scripts see a version: `2` for 2.0.0, `"2.1"`, `"2.1.3"`."""
    major, minor, patch = version
    if minor == patch == 0:
        return major
    return f"{major}.{minor}" if patch == 0 else f"{major}.{minor}.{patch}"


def _version_text(version: Version) -> str:
    return ".".join(map(str, version))


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldOp:
    """One declarative change to a table value; `field`, `source`, `target` are dotted paths."""

    op: Op
    field: str | None = None
    source: str | None = None
    target: str | None = None
    value: Any = None
    convert_to: ConvertTo | None = None

    @classmethod
    def from_spec(cls, spec: Any, where: str) -> FieldOp:
        if not isinstance(spec, Mapping):
            raise StateError(f"{where}: a transform is a table like {{op='rename', ...}}")
        op = spec.get("op") or spec.get("type")
        if op not in _OPS:
            raise StateError(f"{where}: unknown op {op!r}; use one of {', '.join(_OPS)}")
        needs = {
            "rename": ("from", "to"),
            "copy": ("from", "to"),
            "default": ("field", "value"),
            "set": ("field", "value"),
            "remove": ("field",),
            "convert": ("field", "to"),
        }[op]
        for name in needs:
            if spec.get(name) is None:
                raise StateError(f"{where}: op {op!r} needs {' and '.join(needs)}")
        convert_to = spec.get("to") if op == "convert" else None
        if op == "convert" and convert_to not in get_args(ConvertTo):
            raise StateError(f"{where}: convert needs to = one of {', '.join(get_args(ConvertTo))}")
        return cls(
            op=op,
            field=spec.get("field"),
            source=spec.get("from"),
            target=None if op == "convert" else spec.get("to"),
            value=spec.get("value"),
            convert_to=convert_to,
        )

    def apply(self, value: dict[str, Any], where: str) -> None:
        match self.op:
            case "rename" | "copy":
                found = (
                    _pop(value, self.source) if self.op == "rename" else _get(value, self.source)
                )
                if found is not _MISSING:
                    _put(value, self.target, found)
            case "default":
                if _get(value, self.field) is _MISSING:
                    _put(value, self.field, self.value)
            case "set":
                _put(value, self.field, self.value)
            case "remove":
                _pop(value, self.field)
            case "convert":
                found = _get(value, self.field)
                if found is not _MISSING:
                    _put(
                        value, self.field, _convert(found, self.convert_to, f"{where}.{self.field}")
                    )


@dataclass(frozen=True, slots=True, kw_only=True)
class MigrationStep:
    version: Version
    scope: str | None = None
    description: str = ""
    ops: tuple[FieldOp, ...] = ()
    function: Callable[..., Any] | None = None

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> MigrationStep:
        """A step from its table form (`version`, `scope?`, `description?`, `transforms?`,
        `transform?`)."""
        if spec.get("version") is None:
            raise StateError("a migration step needs a version, e.g. {version = 2, ...}")
        version = parse_version(spec["version"])
        where = f"migration {version_value(version)}"
        scope = spec.get("scope")
        transforms = spec.get("transforms") or spec.get("fields") or []
        if isinstance(transforms, Mapping):
            transforms = [transforms] if transforms else []
        ops = tuple(FieldOp.from_spec(t, where) for t in transforms)
        function = spec.get("transform") or spec.get("fn")
        if function is not None and not callable(function):
            raise StateError(f"{where}: transform must be a function(key, value, scope)")
        if not ops and function is None:
            raise StateError(f"{where}: give transforms = {{...}} and/or transform = function")
        return cls(
            version=version,
            scope=None if scope in (None, "*", "") else check_scope(scope),
            description=str(spec.get("description") or ""),
            ops=ops,
            function=function,
        )

    def apply(self, scope: str, key: str, value: Any, warnings: list[str]) -> Any:
        where = f"{scope}:{key}"
        if self.ops:
            if isinstance(value, dict):
                for op in self.ops:
                    op.apply(value, where)
            else:
                warnings.append(f"{where} is not a table; field transforms left it as it was")
        if self.function is not None:
            changed = self.function(key, value, scope)
            if changed is not None:
                value = changed
        return value


@dataclass(slots=True, kw_only=True)
class MigrationResult:
    success: bool
    status: Literal["completed", "already_current", "failed", "cancelled"]
    from_version: Version
    to_version: Version
    target_version: Version
    items_migrated: int = 0
    steps_applied: int = 0
    duration_ms: float = 0.0
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    backup_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "success": self.success,
            "status": self.status,
            "from_version": version_value(self.from_version),
            "to_version": version_value(self.to_version),
            "target_version": version_value(self.target_version),
            "current_version": version_value(self.to_version),
            "items_migrated": self.items_migrated,
            "steps_applied": self.steps_applied,
            "duration_ms": round(self.duration_ms, 3),
            "warnings": self.warnings,
            "errors": self.errors,
            "error": self.errors[0] if self.errors else None,
            "backup_id": self.backup_id,
        }


class Migrator:
    """The steps registered in this process, and the versions recorded in the store."""

    def __init__(self, store: StateStore) -> None:
        self._store = store
        self._steps: list[MigrationStep] = []

    def register(self, step: MigrationStep) -> None:
        for known in self._steps:
            if known.version == step.version and known.scope == step.scope:
                raise StateError(
                    f"a migration for version {version_value(step.version)} and scope "
                    f"{step.scope or '*'!r} is already registered"
                )
        self._steps.append(step)

    def current_version(self) -> Version:
        with self._store.backend.transaction(write=False) as tx:
            return _stored_version(tx.meta_get("schema_version"))

    def history(self) -> list[dict[str, Any]]:
        with self._store.backend.transaction(write=False) as tx:
            return json.loads(tx.meta_get("migrations") or "[]")

    def _registered(self) -> list[Version]:
        return sorted({s.version for s in self._steps})

    def status(self) -> dict[str, Any]:
        current = self.current_version()
        registered = self._registered()
        latest = max([current, *registered])
        targets = [v for v in registered if v > current]
        return {
            "migration_available": True,
            "migration_enabled": True,
            "current_version": version_value(current),
            "latest_version": version_value(latest),
            "is_latest": current >= latest,
            "needs_migration": bool(targets),
            "total_schemas": len(registered),
            "migration_targets": [version_value(v) for v in targets],
            "pending": [
                {
                    "version": version_value(s.version),
                    "scope": s.scope,
                    "description": s.description,
                }
                for s in sorted(self._steps, key=lambda s: s.version)
                if s.version > current
            ],
            "applied": self.history(),
        }

    def versions(self) -> list[int | str]:
        """Every schema version known: registered here or recorded in the store."""
        known = set(self._registered())
        known.update(parse_version(h["version"]) for h in self.history())
        current = self.current_version()
        if current > (0, 0, 0):
            known.add(current)
        return [version_value(v) for v in sorted(known)]

    def migrate(self, target: Any = None) -> MigrationResult:
        started = time.perf_counter()
        registered = self._registered()
        current = self.current_version()
        goal = parse_version(target) if target is not None else max([current, *registered])
        if goal < current:
            raise StateError(
                f"cannot migrate State down from version {version_value(current)} to "
                f"{version_value(goal)}: migrations only go forward"
            )
        if goal != current and goal not in registered:
            known = ", ".join(str(version_value(v)) for v in registered) or "none"
            raise StateError(
                f"no migration is registered for version {version_value(goal)} "
                f"(registered: {known}); use State.register_migration first"
            )
        result = MigrationResult(
            success=True,
            status="already_current",
            from_version=current,
            to_version=current,
            target_version=goal,
        )
        refusal = self._announce(current, goal) if goal > current else None
        if refusal is not None:
            result.success, result.status = False, "cancelled"
            result.errors.append(refusal)
            result.duration_ms = (time.perf_counter() - started) * 1000
            return result
        if goal > current and self._store.backup_on_migration:
            label = f"before migration to {version_value(goal)}"
            result.backup_id = self._store.backups.create(label=label).id
        try:
            self._apply(goal, result)
        except LLMSpellError as exc:
            result.success, result.status = False, "failed"
            result.to_version = result.from_version
            result.items_migrated = result.steps_applied = 0
            result.errors.append(str(exc))
        result.duration_ms = (time.perf_counter() - started) * 1000
        return result

    def _announce(self, current: Version, goal: Version) -> str | None:
        """Fire StateMigration before the pending steps; a hook's cancel reason, if any."""
        from llmspell.hooks.registry import notify

        steps = [
            {
                "version": version_value(s.version),
                "scope": s.scope,
                "description": s.description,
            }
            for s in sorted(self._steps, key=lambda s: s.version)
            if current < s.version <= goal
        ]
        outcome = notify(
            self._store.hooks,
            "StateMigration",
            "state",
            "migrations",
            from_version=version_value(current),
            to_version=version_value(goal),
            steps=steps,
        )
        if outcome is None or outcome.kind != "cancel":
            return None
        return outcome.result.reason or "migration cancelled by a StateMigration hook"

    def _apply(self, goal: Version, result: MigrationResult) -> None:
        store = self._store
        with store.backend.transaction() as tx:
            current = _stored_version(tx.meta_get("schema_version"))
            result.from_version = result.to_version = current
            pending = sorted(
                (s for s in self._steps if current < s.version <= goal), key=lambda s: s.version
            )
            if not pending:
                return
            history = json.loads(tx.meta_get("migrations") or "[]")
            changed: set[str] = set()
            for step in pending:
                count = 0
                for entry in tx.entries("" if step.scope is None else step.scope + ":"):
                    scope, _, key = entry.key.partition(":")
                    before = entry.value
                    value = step.apply(scope, key, codec.decode(before), result.warnings)
                    after = codec.encode(value)
                    if after != before:
                        check_size(entry.key, after, store.max_value_bytes)
                        tx.put(entry.key, after, expires_at=entry.expires_at)
                        changed.add(entry.key)
                        count += 1
                history.append(
                    {
                        "version": _version_text(step.version),
                        "scope": step.scope,
                        "description": step.description,
                        "applied_at": time.time(),
                        "items_migrated": count,
                    }
                )
            tx.meta_set("schema_version", _version_text(goal))
            tx.meta_set("migrations", json.dumps(history))
            result.status = "completed"
            result.to_version = goal
            result.items_migrated = len(changed)
            result.steps_applied = len(pending)


def _stored_version(text: str | None) -> Version:
    return parse_version(text) if text else (0, 0, 0)


def _convert(value: Any, to: ConvertTo | None, where: str) -> Any:
    try:
        match to:
            case "string":
                if isinstance(value, bool):
                    return "true" if value else "false"
                return value if isinstance(value, str) else json.dumps(value)
            case "number":
                if isinstance(value, int | float) and not isinstance(value, bool):
                    return value
                number = float(value)
                return int(number) if number.is_integer() and "." not in str(value) else number
            case "integer":
                return int(float(value)) if not isinstance(value, bool) else int(value)
            case "boolean":
                if isinstance(value, str):
                    return value.strip().lower() in ("true", "1", "yes", "on")
                return bool(value)
    except (TypeError, ValueError):
        pass
    raise StateError(f"migration: cannot convert {value!r} at {where} to {to}")


def _walk(value: dict[str, Any], path: str | None) -> tuple[dict[str, Any] | None, str]:
    parts = str(path).split(".")
    node: Any = value
    for part in parts[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            return None, parts[-1]
    return node, parts[-1]


def _get(value: dict[str, Any], path: str | None) -> Any:
    node, last = _walk(value, path)
    return _MISSING if node is None else node.get(last, _MISSING)


def _pop(value: dict[str, Any], path: str | None) -> Any:
    node, last = _walk(value, path)
    return _MISSING if node is None else node.pop(last, _MISSING)


def _put(value: dict[str, Any], path: str | None, new: Any) -> None:
    parts = str(path).split(".")
    node = value
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[parts[-1]] = new
