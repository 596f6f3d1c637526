"""The sessions tables: schema, migrations, and the in-memory twin for `storage_backend="memory"`.

Both backends run the same SQL; the file one is `llmspell.storage.Database` (WAL, a connection
per thread, `BEGIN IMMEDIATE` writers), the memory one a single connection behind a lock.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Protocol

from llmspell.core.errors import SessionError
from llmspell.storage import Database, Migration

COMPONENT = "sessions"

_INITIAL = """
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    name TEXT,
    description TEXT,
    status TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    metadata TEXT NOT NULL DEFAULT '{}',
    parent_session_id TEXT REFERENCES sessions(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    next_sequence INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX sessions_by_status ON sessions(status);
CREATE INDEX sessions_by_created ON sessions(created_at);
CREATE TABLE artifacts (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    sequence INTEGER NOT NULL,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    artifact_type TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    size INTEGER NOT NULL,
    stored_size INTEGER NOT NULL,
    compressed INTEGER NOT NULL,
    mime_type TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    custom TEXT NOT NULL DEFAULT '{}',
    description TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT,
    parent_artifact TEXT,
    PRIMARY KEY (session_id, sequence)
);
CREATE INDEX artifacts_by_hash ON artifacts(content_hash);
CREATE INDEX artifacts_by_name ON artifacts(session_id, name, version);
CREATE INDEX artifacts_by_created ON artifacts(created_at)
"""

MIGRATIONS = (Migration("0001-sessions-and-artifacts", _INITIAL),)


class SessionDatabase(Protocol):
    def transaction(
        self, *, immediate: bool = True
    ) -> AbstractContextManager[sqlite3.Connection]: ...

    def close(self) -> None: ...


def open_file_database(path: Path) -> Database:
    """`<home>/sessions/sessions.db`, migrated; an unreadable file raises StorageError."""
    return Database(path, component=COMPONENT, migrations=MIGRATIONS)


class MemoryDatabase:
    """The same schema in memory: one connection, one writer or reader at a time."""

    def __init__(self) -> None:
        self._conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._lock = threading.RLock()
        with self.transaction() as conn:
            for statement in _INITIAL.split(";"):
                conn.execute(statement)

    @contextmanager
    def transaction(self, *, immediate: bool = True) -> Iterator[sqlite3.Connection]:
        with self._lock:
            nested = self._conn.in_transaction
            if not nested:
                self._conn.execute("BEGIN")
            try:
                yield self._conn
            except BaseException:
                if not nested:
                    self._conn.execute("ROLLBACK")
                raise
            else:
                if not nested:
                    self._conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def session_status(conn: sqlite3.Connection, session_id: str) -> str:
    """The session's status, or `Session 'x' not found`."""
    row = conn.execute("SELECT status FROM sessions WHERE id = ?", (session_id,)).fetchone()
    if row is None:
        raise SessionError(
            f"Session {session_id!r} not found. See `Session.list()` or `llmspell session list`."
        )
    return str(row[0])
