"""`StateBackend`: the one interface the State store needs from a storage engine.

Values cross it already encoded (`codec.encode` text), so every backend stores the same bytes and
size limits are measured once. Keys are full keys (`"global:counter"`); a prefix query is a key
range, never a pattern. Each write gets a sequence number and a deletion leaves a tombstone, so
incremental backups know what changed, deletions included, since the last one.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from llmspell.core.errors import StateError


@dataclass(frozen=True, slots=True)
class Entry:
    """One stored value: full key, encoded value, and absolute expiry (epoch seconds) if any."""

    key: str
    value: str
    expires_at: float | None = None


@dataclass(frozen=True, slots=True)
class Changes:
    """What changed after a sequence number: entries written and keys deleted."""

    written: list[Entry]
    deleted: list[str]
    seq: int


class StateTxn(Protocol):
    """Operations inside one atomic transaction (all applied, or none)."""

    def get(self, key: str) -> Entry | None: ...

    def put(self, key: str, value: str, *, expires_at: float | None = None) -> None: ...

    def delete(self, key: str) -> bool: ...

    def entries(self, prefix: str = "") -> list[Entry]: ...

    def clear(self, prefix: str = "") -> int: ...

    def meta_get(self, name: str) -> str | None: ...

    def meta_set(self, name: str, value: str | None) -> None: ...

    def seq(self) -> int:
        """The sequence number of the latest write."""
        ...

    def changes_since(self, seq: int) -> Changes: ...

    def forget_tombstones(self, up_to_seq: int | None) -> None:
        """Drop deletion records up to `up_to_seq` (all of them when None)."""
        ...

    def reset(self, entries: Iterable[Entry]) -> None:
        """Replace every entry and tombstone with `entries`."""
        ...


class StateBackend(Protocol):
    """A key-value store of encoded State values, safe for threads (and processes, if durable)."""

    #: Where the data lives: a file path, or `"memory"`.
    location: str

    def get(self, key: str) -> str | None:
        """The live (unexpired) value of `key`, or None."""
        ...

    def put(self, key: str, value: str, *, expires_at: float | None = None) -> None: ...

    def delete(self, key: str) -> bool: ...

    def keys(self, prefix: str = "") -> list[str]:
        """Live keys starting with `prefix`, sorted."""
        ...

    def entries(self, prefix: str = "") -> list[Entry]: ...

    def first_key_from(self, start: str) -> str | None:
        """The smallest live key >= `start` (walks scopes without reading every key)."""
        ...

    def clear(self, prefix: str = "") -> int: ...

    def transaction(self, *, write: bool = True) -> AbstractContextManager[StateTxn]:
        """One atomic unit; `write=False` gives a consistent read-only snapshot."""
        ...

    def size_bytes(self) -> int:
        """Bytes the store occupies (files on disk, or encoded values in memory)."""
        ...

    def close(self) -> None: ...


def nested_transaction() -> StateError:
    return StateError(
        "State cannot be written while a State transaction is open on this thread "
        "(for example from inside a migration's transform function); return the new value instead"
    )


def prefix_end(prefix: str) -> str | None:
    """The first string after every string starting with `prefix` (None: no upper bound)."""
    while prefix:
        last = prefix[-1]
        if ord(last) < 0x10FFFF:
            following = ord(last) + 1
            if 0xD800 <= following < 0xE000:
                following = 0xE000  # surrogates cannot be stored: skip past them
            return prefix[:-1] + chr(following)
        prefix = prefix[:-1]
    return None
