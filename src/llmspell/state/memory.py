"""The in-memory State backend: a dict behind a lock; lost when the process ends."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from llmspell.state.backend import Changes, Entry, StateTxn, nested_transaction

# A row: (encoded value or None for a tombstone, expires_at, seq).
_Row = tuple[str | None, float | None, int]
_ABSENT: Any = object()


class MemoryBackend:
    location = "memory"

    def __init__(self) -> None:
        self._rows: dict[str, _Row] = {}
        self._meta: dict[str, str] = {}
        self._seq = 0
        self._lock = threading.RLock()
        self._open_txn = False

    def get(self, key: str) -> str | None:
        row = self._rows.get(key)
        if row is None or row[0] is None:
            return None
        if row[1] is not None and row[1] <= time.time():
            return None
        return row[0]

    def put(self, key: str, value: str, *, expires_at: float | None = None) -> None:
        with self.transaction() as tx:
            tx.put(key, value, expires_at=expires_at)

    def delete(self, key: str) -> bool:
        with self.transaction() as tx:
            return tx.delete(key)

    def keys(self, prefix: str = "") -> list[str]:
        return [e.key for e in self.entries(prefix)]

    def entries(self, prefix: str = "") -> list[Entry]:
        with self._lock:
            return _MemoryTxn(self).entries(prefix)

    def first_key_from(self, start: str) -> str | None:
        now = time.time()
        with self._lock:
            live = [
                k
                for k, (v, exp, _) in self._rows.items()
                if k >= start and v is not None and (exp is None or exp > now)
            ]
        return min(live, default=None)

    def clear(self, prefix: str = "") -> int:
        with self.transaction() as tx:
            return tx.clear(prefix)

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[StateTxn]:
        with self._lock:
            if self._open_txn:
                raise nested_transaction()
            txn = _MemoryTxn(self)
            self._open_txn = True
            try:
                yield txn
            except BaseException:
                txn.undo()
                raise
            finally:
                self._open_txn = False

    def size_bytes(self) -> int:
        with self._lock:
            return sum(len(k) + len(v or "") for k, (v, _, _) in self._rows.items())

    def close(self) -> None:
        pass


class _MemoryTxn:
    """Changes apply at once; an undo log puts them back if the transaction fails."""

    def __init__(self, backend: MemoryBackend) -> None:
        self._b = backend
        self._undo_rows: dict[str, Any] = {}
        self._undo_meta: dict[str, Any] = {}
        self._undo_seq = backend._seq

    def _touch(self, key: str) -> None:
        if key not in self._undo_rows:
            self._undo_rows[key] = self._b._rows.get(key, _ABSENT)

    def _next_seq(self) -> int:
        self._b._seq += 1
        return self._b._seq

    def undo(self) -> None:
        b = self._b
        for key, row in self._undo_rows.items():
            if row is _ABSENT:
                b._rows.pop(key, None)
            else:
                b._rows[key] = row
        for name, value in self._undo_meta.items():
            if value is _ABSENT:
                b._meta.pop(name, None)
            else:
                b._meta[name] = value
        b._seq = self._undo_seq

    def get(self, key: str) -> Entry | None:
        value = self._b.get(key)
        if value is None:
            return None
        return Entry(key, value, self._b._rows[key][1])

    def put(self, key: str, value: str, *, expires_at: float | None = None) -> None:
        self._touch(key)
        self._b._rows[key] = (value, expires_at, self._next_seq())

    def delete(self, key: str) -> bool:
        if self._b.get(key) is None:
            return False
        self._touch(key)
        self._b._rows[key] = (None, None, self._next_seq())
        return True

    def entries(self, prefix: str = "") -> list[Entry]:
        now = time.time()
        found = [
            Entry(k, v, exp)
            for k, (v, exp, _) in self._b._rows.items()
            if v is not None and k.startswith(prefix) and (exp is None or exp > now)
        ]
        found.sort(key=lambda e: e.key)
        return found

    def clear(self, prefix: str = "") -> int:
        doomed = [e.key for e in self.entries(prefix)]
        if doomed:
            seq = self._next_seq()
            for key in doomed:
                self._touch(key)
                self._b._rows[key] = (None, None, seq)
        return len(doomed)

    def meta_get(self, name: str) -> str | None:
        return self._b._meta.get(name)

    def meta_set(self, name: str, value: str | None) -> None:
        if name not in self._undo_meta:
            self._undo_meta[name] = self._b._meta.get(name, _ABSENT)
        if value is None:
            self._b._meta.pop(name, None)
        else:
            self._b._meta[name] = value

    def seq(self) -> int:
        return self._b._seq

    def changes_since(self, seq: int) -> Changes:
        written: list[Entry] = []
        deleted: list[str] = []
        for key, (value, exp, row_seq) in sorted(self._b._rows.items()):
            if row_seq > seq:
                if value is None:
                    deleted.append(key)
                else:
                    written.append(Entry(key, value, exp))
        return Changes(written=written, deleted=deleted, seq=self._b._seq)

    def forget_tombstones(self, up_to_seq: int | None) -> None:
        now = time.time()
        for key, (value, exp, row_seq) in list(self._b._rows.items()):
            tombstone = value is None and (up_to_seq is None or row_seq <= up_to_seq)
            if tombstone or (exp is not None and exp <= now):
                self._touch(key)
                del self._b._rows[key]

    def reset(self, entries: Iterable[Entry]) -> None:
        for key in list(self._b._rows):
            self._touch(key)
            del self._b._rows[key]
        seq = self._next_seq()
        for entry in entries:
            self._touch(entry.key)
            self._b._rows[entry.key] = (entry.value, entry.expires_at, seq)
