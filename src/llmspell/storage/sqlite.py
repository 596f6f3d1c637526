"""One SQLite file shared by threads and processes: WAL, busy timeout, a connection per thread.

Commits survive a killed process (WAL with `synchronous=NORMAL`: a commit is in the log before
`COMMIT` returns; only a power cut can lose the last ones). An unreadable or corrupt file is
reported, never recreated or overwritten.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from llmspell.core.errors import StorageError

BUSY_TIMEOUT_MS = 10_000


@dataclass(frozen=True, slots=True)
class Migration:
    """One named, ordered schema step; applied once per database and recorded."""

    name: str
    apply: str | Callable[[sqlite3.Connection], None]


class Database:
    def __init__(self, path: Path, *, component: str, migrations: Sequence[Migration] = ()) -> None:
        self.path = path
        self.component = component
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False
        path.parent.mkdir(parents=True, exist_ok=True)
        with self.transaction() as conn:
            _apply_migrations(conn, component, migrations, path)

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (autocommit mode: transactions are explicit)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise StorageError(f"the store at {self.path} is closed")
            conn = self._open()
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def _open(self) -> sqlite3.Connection:
        # Two processes opening a new file at once can see "database is locked" from the WAL
        # switch, which SQLite reports without waiting on the busy timeout: wait and retry.
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                conn = sqlite3.connect(
                    self.path,
                    timeout=BUSY_TIMEOUT_MS / 1000,
                    isolation_level=None,
                    check_same_thread=False,
                )
                conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA foreign_keys=ON")
                return conn
            except sqlite3.OperationalError as exc:
                if _is_lock(exc) and time.monotonic() < deadline:
                    time.sleep(0.01)
                    continue
                raise failure(self.path, exc) from exc
            except sqlite3.DatabaseError as exc:
                raise failure(self.path, exc) from exc

    @contextmanager
    def transaction(self, *, immediate: bool = True) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE (one writer at a time across processes) ... COMMIT or ROLLBACK."""
        conn = self.connection()
        try:
            _begin(conn, "BEGIN IMMEDIATE" if immediate else "BEGIN")
        except sqlite3.DatabaseError as exc:
            raise failure(self.path, exc) from exc
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()


def _begin(conn: sqlite3.Connection, statement: str) -> None:
    """BEGIN, retrying briefly past the busy timeout when another process holds the lock."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute(statement)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.005)


def _is_lock(exc: Exception) -> bool:
    text = str(exc)
    return "locked" in text or "busy" in text


def failure(path: Path, exc: Exception) -> StorageError:
    """A store error: a lock held too long, or a file that cannot be read (left untouched)."""
    if _is_lock(exc):
        return StorageError(
            f"the store at {path} stayed locked by another process for too long ({exc}). "
            "Try again when the other llmspell process has finished."
        )
    return unreadable(path, exc)


def unreadable(path: Path, exc: Exception) -> StorageError:
    return StorageError(
        f"the store at {path} cannot be read ({exc}); it was left untouched. "
        "Restore a backup with `llmspell backup restore`, or move the file away to start afresh."
    )


def _apply_migrations(
    conn: sqlite3.Connection, component: str, migrations: Sequence[Migration], path: Path
) -> None:
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " component TEXT NOT NULL, name TEXT NOT NULL, applied_at REAL NOT NULL,"
            " PRIMARY KEY (component, name))"
        )
        done = {
            row[0]
            for row in conn.execute(
                "SELECT name FROM schema_migrations WHERE component = ?", (component,)
            )
        }
    except sqlite3.DatabaseError as exc:
        raise failure(path, exc) from exc
    for migration in migrations:
        if migration.name in done:
            continue
        if isinstance(migration.apply, str):
            for statement in migration.apply.split(";"):
                if statement.strip():
                    conn.execute(statement)
        else:
            migration.apply(conn)
        conn.execute(
            "INSERT INTO schema_migrations (component, name, applied_at) VALUES (?, ?, ?)",
            (component, migration.name, time.time()),
        )
