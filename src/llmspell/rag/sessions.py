"""Session collections: the vector TTL of each session scope, kept in the store's SQLite file.

`RAG.create_session_collection(id, ttl)` and `RAG.configure_session{session_id, vector_ttl}`
record a TTL for the scope `session:<id>` (per tenant); every vector ingested into that scope
afterwards expires `ttl` seconds after its ingest. A session scope without a record uses
`rag.tenancy.session_ttl_seconds`; a TTL of 0 means the vectors never expire.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from llmspell.storage.sqlite import Database, Migration

__all__ = ["SessionTtls"]

MIGRATIONS = (
    Migration(
        "001_session_ttl",
        "CREATE TABLE rag_session_ttl ("
        " scope TEXT PRIMARY KEY, ttl_seconds REAL NOT NULL, created_at REAL NOT NULL)",
    ),
)


class SessionTtls:
    """TTL per session scope prefix (`[tenant:<id>/]session:<id>/`)."""

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        self._db = Database(path, component="rag_sessions", migrations=MIGRATIONS)
        self._clock = clock

    def get(self, scope: str) -> float | None:
        row = (
            self._db.connection()
            .execute("SELECT ttl_seconds FROM rag_session_ttl WHERE scope = ?", (scope,))
            .fetchone()
        )
        return None if row is None else float(row[0])

    def set(self, scope: str, ttl: float) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO rag_session_ttl (scope, ttl_seconds, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT (scope) DO UPDATE SET ttl_seconds = excluded.ttl_seconds",
                (scope, ttl, self._clock()),
            )

    def forget(self, prefix: str) -> None:
        """Drop the records of every scope starting with `prefix`."""
        with self._db.transaction() as conn:
            conn.execute(
                "DELETE FROM rag_session_ttl WHERE substr(scope, 1, ?) = ?", (len(prefix), prefix)
            )

    def close(self) -> None:
        self._db.close()
