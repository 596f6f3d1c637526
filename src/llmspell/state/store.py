"""`StateStore`: scoped keys, the global API, TTL and atomic updates over one `StateBackend`.

```python
store.save("user", "alice", {"age": 30})     # stored as "user:alice"
store.load("user", "alice")                  # {"age": 30}
store.set("visits", 1); store.increment("visits")   # the global scope
store.compare_and_swap("status", "pending", "active")
```

`load`, `exists` and `delete` fall back to the raw key (a leading `:` stripped for scope
`custom`), so keys that workflows write (`workflow:<id>:<step>`) read as the original apps read
them: `store.load("custom", ":workflow:<id>:agent:a:output")`.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from llmspell.core.errors import StateError, StorageError
from llmspell.state import codec
from llmspell.state.backend import Entry, StateBackend, StateTxn
from llmspell.state.keys import check_key, check_scope, check_size

if TYPE_CHECKING:
    from llmspell.hooks import HookRegistry
    from llmspell.state.backup import BackupManager, BackupSettings
    from llmspell.state.migrations import Migrator

log = logging.getLogger("llmspell.state")
T = TypeVar("T")
GLOBAL = "global"
_KEEP: Any = object()
_CACHE_LIMIT = 4096
_BEFORE_READ, _AFTER_READ = "BeforeStateRead", "AfterStateRead"
_BEFORE_WRITE, _AFTER_WRITE = "BeforeStateWrite", "AfterStateWrite"


class StateStore:
    def __init__(
        self,
        backend: StateBackend,
        *,
        max_value_bytes: int = 10_000_000,
        backups: BackupSettings | None = None,
        backup_on_migration: bool = True,
        hooks: HookRegistry | None = None,
    ) -> None:
        self.backend = backend
        #: fires the State hook points around load/save/delete (None: no hooks)
        self.hooks = hooks
        self.max_value_bytes = max_value_bytes
        self.backup_settings = backups
        self.backup_on_migration = backup_on_migration
        self._key_cache: dict[tuple[str, str], tuple[str, str | None]] = {}
        self._backups: BackupManager | None = None
        self._migrator: Migrator | None = None
        self._compact()

    # Keys ------------------------------------------------------------------------------------

    def full_key(self, scope: Any, key: Any) -> str:
        """`"<scope>:<key>"` after the key rules; StateError naming the rule otherwise."""
        return self._keys(scope, key)[0]

    def _keys(self, scope: Any, key: Any) -> tuple[str, str | None]:
        """The scoped key and its raw-key fallback (None when there is none to try)."""
        cacheable = type(scope) is str and type(key) is str  # 1 == True == 1.0 as dict keys
        if cacheable and (found := self._key_cache.get((scope, key))) is not None:
            return found
        scope_name, key_name = check_scope(scope), check_key(key)
        full = f"{scope_name}:{key_name}"
        raw = key_name[1:] if scope_name == "custom" and key_name.startswith(":") else key_name
        found = (full, raw if ":" in raw else None)
        if cacheable:
            if len(self._key_cache) >= _CACHE_LIMIT:
                self._key_cache.clear()
            self._key_cache[(scope, key)] = found
        return found

    def _encode(self, full: str, value: Any) -> str:
        encoded = codec.encode(value)
        check_size(full, encoded, self.max_value_bytes)
        return encoded

    # Scope API -------------------------------------------------------------------------------

    def save(self, scope: str, key: str, value: Any, *, ttl: float | None = None) -> None:
        """Store `value` (None deletes the key); `ttl` in seconds makes it expire.

        With hooks: BeforeStateWrite may change the value (modified) or refuse the write
        (cancel, a StateError with the hook's reason); AfterStateWrite sees what was written."""
        hooks = self.hooks
        if hooks is not None and hooks.any(_BEFORE_WRITE, _AFTER_WRITE):
            full = self.full_key(scope, key)
            value = self._before_write(hooks, "save", scope, key, full, value)
            self._save(full, value, ttl)
            self._after_write(hooks, "save", scope, key, full, value)
            return
        self._save(self.full_key(scope, key), value, ttl)

    def _save(self, full: str, value: Any, ttl: float | None) -> None:
        if value is None:
            self.backend.delete(full)
            return
        self.backend.put(full, self._encode(full, value), expires_at=_expiry(ttl))

    def save_many(self, scope: str, items: Iterable[tuple[str, Any]]) -> None:
        """Store several values in one transaction (all or none); None deletes a key."""
        encoded = []
        for key, value in items:
            full = self.full_key(scope, key)
            encoded.append((full, None if value is None else self._encode(full, value)))
        if not encoded:
            return
        with self.backend.transaction() as txn:
            for full, text in encoded:
                if text is None:
                    txn.delete(full)
                else:
                    txn.put(full, text)

    def load(self, scope: str, key: str) -> Any:
        """The value at `key` (None when absent). With hooks: BeforeStateRead may answer the
        read (replace) or refuse it (cancel: None); AfterStateRead may change what is read."""
        hooks = self.hooks
        if hooks is None or not hooks.any(_BEFORE_READ, _AFTER_READ):
            return self._load(scope, key)
        full = self.full_key(scope, key)
        if hooks.has(_BEFORE_READ):
            before = hooks.fire(_BEFORE_READ, _context(_BEFORE_READ, "load", scope, key, full))
            if before.kind == "replace":
                return before.result.data
            if before.kind in ("cancel", "skipped"):
                return None
        value = self._load(scope, key)
        if hooks.has(_AFTER_READ):
            after = hooks.fire(
                _AFTER_READ, _context(_AFTER_READ, "load", scope, key, full, value=value)
            )
            if after.kind == "replace":
                return after.result.data
            if after.modified:
                value = after.data
        return value

    def _load(self, scope: str, key: str) -> Any:
        full, raw = self._keys(scope, key)
        text = self.backend.get(full)
        if text is None and (raw is None or (text := self.backend.get(raw)) is None):
            return None
        return codec.decode(text)

    def exists(self, scope: str, key: str) -> bool:
        full, raw = self._keys(scope, key)
        if self.backend.get(full) is not None:
            return True
        return raw is not None and self.backend.get(raw) is not None

    def delete(self, scope: str, key: str) -> bool:
        """Delete the key (or its raw-key fallback); whether something was deleted.
        With hooks: a write whose value is None (BeforeStateWrite may refuse it)."""
        hooks = self.hooks
        if hooks is not None and hooks.any(_BEFORE_WRITE, _AFTER_WRITE):
            full = self.full_key(scope, key)
            self._before_write(hooks, "delete", scope, key, full, None, deleting=True)
            deleted = self._delete(scope, key)
            self._after_write(hooks, "delete", scope, key, full, None, deleted=deleted)
            return deleted
        return self._delete(scope, key)

    def _delete(self, scope: str, key: str) -> bool:
        full, raw = self._keys(scope, key)
        if self.backend.delete(full):
            return True
        return raw is not None and self.backend.delete(raw)

    def _before_write(
        self,
        hooks: HookRegistry,
        operation: str,
        scope: str,
        key: str,
        full: str,
        value: Any,
        *,
        deleting: bool = False,
    ) -> Any:
        """The value to write after BeforeStateWrite; StateError when a hook cancels."""
        if not hooks.has(_BEFORE_WRITE):
            return value
        outcome = hooks.fire(
            _BEFORE_WRITE, _context(_BEFORE_WRITE, operation, scope, key, full, value=value)
        )
        if outcome.kind == "cancel":
            raise StateError(f"State write to {full!r} refused by a hook: {outcome.result.reason}")
        if outcome.modified and not deleting:
            return outcome.data
        return value

    def _after_write(
        self,
        hooks: HookRegistry,
        operation: str,
        scope: str,
        key: str,
        full: str,
        value: Any,
        **extra: Any,
    ) -> None:
        if hooks.has(_AFTER_WRITE):
            hooks.fire(
                _AFTER_WRITE,
                _context(_AFTER_WRITE, operation, scope, key, full, value=value, **extra),
            )

    def list_keys(self, scope: str) -> list[str]:
        """Keys of `scope`, sorted, without the `"<scope>:"` prefix."""
        prefix = check_scope(scope) + ":"
        return [k[len(prefix) :] for k in self.backend.keys(prefix)]

    def items(self, scope: str) -> dict[str, Any]:
        prefix = check_scope(scope) + ":"
        return {e.key[len(prefix) :]: codec.decode(e.value) for e in self.backend.entries(prefix)}

    def clear(self, scope: str | None = None) -> int:
        """Delete every key of `scope` (every key of every scope when None); how many."""
        return self.backend.clear("" if scope is None else check_scope(scope) + ":")

    def list_scopes(self) -> list[str]:
        """Scope kinds that hold keys (`global`, `user`, ...), sorted."""
        scopes: list[str] = []
        start = ""
        while (key := self.backend.first_key_from(start)) is not None:
            scope = key.partition(":")[0]
            scopes.append(scope)
            start = scope + ";"  # ';' follows ':': the first key past this scope
        return sorted(scopes)

    def entries(self, scope: str | None = None) -> list[Entry]:
        """Stored entries (encoded), of one scope or of all."""
        return self.backend.entries("" if scope is None else check_scope(scope) + ":")

    # Global API ------------------------------------------------------------------------------

    def set(self, key: str, value: Any, *, ttl: float | None = None) -> None:
        self.save(GLOBAL, key, value, ttl=ttl)

    def get(self, key: str) -> Any:
        return self.load(GLOBAL, key)

    # Atomic read-modify-write (BEGIN IMMEDIATE on SQLite: atomic across processes) -----------

    def update(self, full: str, change: Callable[[Any, bool], tuple[Any, T]]) -> T:
        """Apply `change(current, present) -> (new value or _KEEP, result)` atomically."""
        with self.backend.transaction() as tx:
            entry = tx.get(full)
            current = codec.decode(entry.value) if entry else None
            new, result = change(current, entry is not None)
            if new is not _KEEP:
                _write(tx, full, None if new is None else self._encode(full, new), entry)
            return result

    def increment(self, key: str, by: float = 1, *, scope: str = GLOBAL) -> int | float:
        """Add `by` to the number at `key` (missing counts as 0); the new value."""
        if isinstance(by, bool) or not isinstance(by, int | float):
            raise StateError(f"State.increment: the amount must be a number, got {by!r}")
        full = self.full_key(scope, key)

        def add(current: Any, present: bool) -> tuple[Any, Any]:
            if current is None:
                current = 0
            if isinstance(current, bool) or not isinstance(current, int | float):
                raise StateError(
                    f"State.increment: {full!r} holds a {_kind(current)}, not a number"
                )
            total = current + by
            return total, total

        return self.update(full, add)

    def append(self, key: str, value: Any, *, scope: str = GLOBAL) -> int:
        """Append `value` to the list at `key` (missing: a new list); the new length."""
        full = self.full_key(scope, key)

        def push(current: Any, present: bool) -> tuple[Any, int]:
            if current is None or current == {}:
                current = []
            if not isinstance(current, list):
                raise StateError(f"State.append: {full!r} holds a {_kind(current)}, not a list")
            current.append(value)
            return current, len(current)

        return self.update(full, push)

    def compare_and_swap(self, key: str, expected: Any, new: Any, *, scope: str = GLOBAL) -> bool:
        """Set `new` only if the value is still `expected` (nil: absent); whether it did."""
        full = self.full_key(scope, key)

        seen: list[Any] = []

        def swap(current: Any, present: bool) -> tuple[Any, bool]:
            if not same_value(current, expected):
                seen.append(current)
                return _KEEP, False
            return new, True

        swapped = self.update(full, swap)
        hooks = self.hooks
        if not swapped and hooks is not None and hooks.has("StateConflict"):
            from llmspell.hooks.registry import notify

            notify(
                hooks,
                "StateConflict",
                "state",
                full,
                key=full,
                expected=expected,
                actual=seen[0] if seen else None,
                new=new,
            )
        return swapped

    # Usage, backups, migrations --------------------------------------------------------------

    def usage(self) -> dict[str, Any]:
        scopes: dict[str, int] = {}
        total = 0
        for key in self.backend.keys(""):
            scope = key.partition(":")[0]
            scopes[scope] = scopes.get(scope, 0) + 1
            total += 1
        return {
            "backend": "memory" if self.backend.location == "memory" else "sqlite",
            "path": self.backend.location,
            "bytes_used": self.backend.size_bytes(),
            "entries_count": total,
            "total_keys": total,
            "scopes": scopes,
        }

    @property
    def backups(self) -> BackupManager:
        if self._backups is None:
            from llmspell.state.backup import BackupManager, BackupSettings

            self._backups = BackupManager(self, self.backup_settings or BackupSettings())
        return self._backups

    @property
    def migrations(self) -> Migrator:
        if self._migrator is None:
            from llmspell.state.migrations import Migrator

            self._migrator = Migrator(self)
        return self._migrator

    def _compact(self) -> None:
        """Drop expired entries and tombstones no incremental backup can still need.

        Housekeeping only: a store that cannot be written now (a read-only file) still reads.
        """
        try:
            with self.backend.transaction() as tx:
                last = tx.meta_get("last_backup")
                tx.forget_tombstones(json.loads(last)["seq"] if last else None)
        except StorageError as exc:
            log.debug("state store housekeeping skipped: %s", exc)

    def close(self) -> None:
        self.backend.close()


def _context(point: str, operation: str, scope: str, key: str, full: str, **data: Any) -> Any:
    from llmspell.hooks.registry import HookContext

    return HookContext(
        point=point,
        component_type="state",
        component_name=full,
        data={"operation": operation, "scope": scope, "key": key, "full_key": full, **data},
        subject="value" if "value" in data else None,
    )


def _write(tx: StateTxn, full: str, encoded: str | None, old: Entry | None) -> None:
    if encoded is None:
        tx.delete(full)
    else:
        tx.put(full, encoded, expires_at=old.expires_at if old else None)


def _expiry(ttl: Any) -> float | None:
    if ttl is None:
        return None
    if isinstance(ttl, bool) or not isinstance(ttl, int | float) or not ttl > 0:
        raise StateError(f"State TTL must be a positive number of seconds, got {ttl!r}")
    if math.isinf(ttl):
        return None
    return time.time() + ttl


def _kind(value: Any) -> str:
    if isinstance(value, dict | list):
        return "table"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "string" if isinstance(value, str) else type(value).__name__


def same_value(a: Any, b: Any) -> bool:
    """Equality as a script sees it: numbers by value, booleans only equal booleans."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    if (a == {} and b == []) or (a == [] and b == {}):
        return True  # an empty Lua table is both
    return type(a) is type(b) and a == b
