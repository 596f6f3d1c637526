"""The embedded State backend: one SQLite file in WAL mode, shared safely by threads and processes.

A write commits before it returns (WAL, `synchronous=NORMAL`), so a killed process loses nothing
it acknowledged. Read-modify-write runs under `BEGIN IMMEDIATE`: one writer at a time across
processes, so `increment`, `append` and `compare_and_swap` are atomic everywhere. sqlite3's
errors are mapped here, once, to StorageError naming the file.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from llmspell.core.errors import StorageError
from llmspell.state.backend import Changes, Entry, StateTxn, nested_transaction, prefix_end
from llmspell.storage import Database
from llmspell.storage.sqlite import Migration, failure

_SCHEMA = [
    Migration(
        "001_kv",
        "CREATE TABLE kv ("
        " key TEXT PRIMARY KEY,"
        " value TEXT,"  # NULL: deleted (a tombstone kept for the next incremental backup)
        " expires_at REAL,"
        " updated_at REAL NOT NULL,"
        " seq INTEGER NOT NULL);"
        "CREATE INDEX kv_seq ON kv (seq);"
        "CREATE TABLE meta (name TEXT PRIMARY KEY, value);"
        "INSERT INTO meta (name, value) VALUES ('seq', 0)",
    ),
]

_GET = "SELECT value, expires_at FROM kv WHERE key = ?"
_LIVE = "value IS NOT NULL AND (expires_at IS NULL OR expires_at > ?)"
_PUT = (
    "INSERT INTO kv (key, value, expires_at, updated_at, seq) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at,"
    " updated_at = excluded.updated_at, seq = excluded.seq"
)
_TOMBSTONE = "UPDATE kv SET value = NULL, expires_at = NULL, updated_at = ?, seq = ?"


def _range(prefix: str) -> tuple[str, tuple[str, ...]]:
    """A WHERE fragment selecting keys that start with `prefix`, as an index range."""
    if not prefix:
        return "1", ()
    end = prefix_end(prefix)
    if end is None:
        return "key >= ?", (prefix,)
    return "key >= ? AND key < ?", (prefix, end)


class SqliteBackend:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.location = str(path)
        self._db = _open_database(path)

    def _failure(self, exc: sqlite3.Error) -> StorageError:
        return failure(self.path, exc)

    def get(self, key: str) -> str | None:
        try:
            row = self._db.connection().execute(_GET, (key,)).fetchone()
        except sqlite3.Error as exc:
            raise self._failure(exc) from exc
        if row is None:
            return None
        value, expires_at = row
        if expires_at is not None and expires_at <= time.time():
            return None
        return value

    def put(self, key: str, value: str, *, expires_at: float | None = None) -> None:
        with self.transaction() as tx:
            tx.put(key, value, expires_at=expires_at)

    def delete(self, key: str) -> bool:
        with self.transaction() as tx:
            return tx.delete(key)

    def keys(self, prefix: str = "") -> list[str]:
        return [e.key for e in self.entries(prefix)]

    def entries(self, prefix: str = "") -> list[Entry]:
        try:
            return _SqliteTxn(self._db.connection()).entries(prefix)
        except sqlite3.Error as exc:
            raise self._failure(exc) from exc

    def first_key_from(self, start: str) -> str | None:
        sql = f"SELECT key FROM kv WHERE key >= ? AND {_LIVE} ORDER BY key LIMIT 1"
        try:
            row = self._db.connection().execute(sql, (start, time.time())).fetchone()
        except sqlite3.Error as exc:
            raise self._failure(exc) from exc
        return row[0] if row else None

    def clear(self, prefix: str = "") -> int:
        with self.transaction() as tx:
            return tx.clear(prefix)

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[StateTxn]:
        if self._db.connection().in_transaction:
            raise nested_transaction()
        try:
            with self._db.transaction(immediate=write) as conn:
                yield _SqliteTxn(conn)
        except sqlite3.Error as exc:
            raise self._failure(exc) from exc

    def size_bytes(self) -> int:
        total = 0
        for suffix in ("", "-wal"):
            with suppress(OSError):
                total += os.path.getsize(f"{self.path}{suffix}")
        return total

    def close(self) -> None:
        self._db.close()


def _open_database(path: Path) -> Database:
    return Database(path, component="state", migrations=_SCHEMA)


class _SqliteTxn:
    """Statements on one connection inside BEGIN ... COMMIT; one sequence number per transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._seq: int | None = None

    def _write_seq(self) -> int:
        if self._seq is None:
            row = self._conn.execute(
                "UPDATE meta SET value = value + 1 WHERE name = 'seq' RETURNING value"
            ).fetchone()
            self._seq = int(row[0])
        return self._seq

    def get(self, key: str) -> Entry | None:
        row = self._conn.execute(_GET, (key,)).fetchone()
        if row is None or row[0] is None:
            return None
        if row[1] is not None and row[1] <= time.time():
            return None
        return Entry(key, row[0], row[1])

    def put(self, key: str, value: str, *, expires_at: float | None = None) -> None:
        seq = self._write_seq()
        self._conn.execute(_PUT, (key, value, expires_at, time.time(), seq))

    def delete(self, key: str) -> bool:
        if self.get(key) is None:
            return False
        self._conn.execute(f"{_TOMBSTONE} WHERE key = ?", (time.time(), self._write_seq(), key))
        return True

    def entries(self, prefix: str = "") -> list[Entry]:
        where, args = _range(prefix)
        rows = self._conn.execute(
            f"SELECT key, value, expires_at FROM kv WHERE {where} AND {_LIVE} ORDER BY key",
            (*args, time.time()),
        )
        return [Entry(k, v, e) for k, v, e in rows]

    def clear(self, prefix: str = "") -> int:
        where, args = _range(prefix)
        now = time.time()
        (live,) = self._conn.execute(
            f"SELECT COUNT(*) FROM kv WHERE {where} AND {_LIVE}", (*args, now)
        ).fetchone()
        if live:
            self._conn.execute(
                f"{_TOMBSTONE} WHERE {where} AND value IS NOT NULL",
                (now, self._write_seq(), *args),
            )
        return int(live)

    def meta_get(self, name: str) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def meta_set(self, name: str, value: str | None) -> None:
        if value is None:
            self._conn.execute("DELETE FROM meta WHERE name = ?", (name,))
        else:
            self._conn.execute(
                "INSERT INTO meta (name, value) VALUES (?, ?)"
                " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                (name, value),
            )

    def seq(self) -> int:
        if self._seq is not None:
            return self._seq
        row = self._conn.execute("SELECT value FROM meta WHERE name = 'seq'").fetchone()
        return int(row[0])

    def changes_since(self, seq: int) -> Changes:
        written: list[Entry] = []
        deleted: list[str] = []
        rows = self._conn.execute(
            "SELECT key, value, expires_at FROM kv WHERE seq > ? ORDER BY key", (seq,)
        )
        for key, value, expires_at in rows:
            if value is None:
                deleted.append(key)
            else:
                written.append(Entry(key, value, expires_at))
        return Changes(written=written, deleted=deleted, seq=self.seq())

    def forget_tombstones(self, up_to_seq: int | None) -> None:
        if up_to_seq is None:
            self._conn.execute("DELETE FROM kv WHERE value IS NULL")
        else:
            self._conn.execute("DELETE FROM kv WHERE value IS NULL AND seq <= ?", (up_to_seq,))
        self._conn.execute("DELETE FROM kv WHERE expires_at <= ?", (time.time(),))

    def reset(self, entries: Iterable[Entry]) -> None:
        self._conn.execute("DELETE FROM kv")
        seq, now = self._write_seq(), time.time()
        self._conn.executemany(_PUT, ((e.key, e.value, e.expires_at, now, seq) for e in entries))
