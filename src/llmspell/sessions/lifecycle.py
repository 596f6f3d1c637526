"""`SessionManager`: create, find, list, move through the lifecycle, delete; the current session.

Every change is committed as it happens, so nothing needs saving and a killed process loses
nothing it had acknowledged.

| action   | allowed from          | to        |
|----------|-----------------------|-----------|
| suspend  | active                | suspended |
| resume   | suspended             | active    |
| complete | active, suspended     | completed |
| fail     | any non-terminal      | failed    |
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmspell.core.errors import SessionError, StorageError, ValidationError
from llmspell.sessions.artifacts import ArtifactStore
from llmspell.sessions.content import ContentStore, DiskContent, MemoryContent
from llmspell.sessions.models import (
    SORT_KEYS,
    STATUSES,
    TERMINAL,
    SessionInfo,
    SessionLimits,
    json_text,
    new_session_id,
    now,
    optional_text,
    parse_time,
    plain_int,
    session_id_of,
    string_list,
)
from llmspell.sessions.sqlite import (
    MemoryDatabase,
    SessionDatabase,
    open_file_database,
    session_status,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from llmspell.config import LLMSpellConfig
    from llmspell.events import EventBus
    from llmspell.hooks import HookRegistry

_NON_TERMINAL = frozenset(STATUSES) - TERMINAL
_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "suspend": (frozenset({"active"}), "suspended"),
    "resume": (frozenset({"suspended"}), "active"),
    "complete": (frozenset({"active", "suspended"}), "completed"),
    "fail": (_NON_TERMINAL, "failed"),
}
#: action -> (hook point fired after it, event type published after it)
_NOTICES: dict[str, tuple[str | None, str]] = {
    "create": ("SessionStart", "session.created"),
    "suspend": ("SessionCheckpoint", "session.suspended"),
    "resume": ("SessionRestore", "session.resumed"),
    "complete": ("SessionEnd", "session.completed"),
    "fail": ("SessionEnd", "session.failed"),
    "delete": ("SessionEnd", "session.deleted"),
    "save": ("SessionSave", "session.saved"),
    "load": ("SessionRestore", "session.loaded"),
}
_SELECT = (
    "SELECT s.id, s.name, s.description, s.status, s.tags, s.metadata, s.parent_session_id,"
    " s.created_at, s.updated_at,"
    " (SELECT COUNT(*) FROM artifacts a WHERE a.session_id = s.id)"
    " FROM sessions s"
)
_ORDER = {
    "created_at": "s.created_at {d}, s.rowid {d}",
    "updated_at": "s.updated_at {d}, s.rowid {d}",
    "name": "COALESCE(s.name, '') {d}, s.created_at {d}, s.rowid {d}",
}


def _session(row: tuple[Any, ...]) -> SessionInfo:
    return SessionInfo(
        id=row[0],
        name=row[1],
        description=row[2],
        status=row[3],
        tags=json.loads(row[4]),
        metadata=json.loads(row[5]),
        parent_session_id=row[6],
        created_at=row[7],
        updated_at=row[8],
        artifact_count=row[9],
    )


class SessionManager:
    """Sessions and (through `artifacts`) their artifacts, over one database and content store."""

    def __init__(
        self,
        db: SessionDatabase,
        content: ContentStore,
        limits: SessionLimits | None = None,
        *,
        location: Path | None = None,
        hooks: HookRegistry | None = None,
        events: Callable[[], EventBus | None] | None = None,
    ) -> None:
        self._db = db
        #: fires SessionStart/End/Checkpoint/Restore/Save after each change (None: no hooks)
        self.hooks = hooks
        #: the bus `session.*` lifecycle events go to (a callable, so the bus is built lazily)
        self.events = events
        self.limits = limits or SessionLimits()
        #: The folder holding `sessions.db` and `content/`; None when kept in memory.
        self.location = location
        self._current: str | None = None
        self._lock = threading.Lock()
        self.artifacts = ArtifactStore(db, content, self.limits, current=self.get_current)

    # Creating and reading -------------------------------------------------------------------

    def create(
        self,
        *,
        name: str | None = None,
        description: str | None = None,
        tags: Any = None,
        metadata: dict[str, Any] | None = None,
        parent_session_id: str | None = None,
    ) -> str:
        """A new active session; its id (a UUID string)."""
        name = optional_text(name, what="session name")
        description = optional_text(description, what="session description")
        tag_list = string_list(tags, what="session tags")
        if metadata is not None and not isinstance(metadata, dict):
            raise ValidationError(f"session metadata: expected a table, got {metadata!r}")
        metadata_json = json_text(metadata or {}, what="session metadata")
        parent = session_id_of(parent_session_id) if parent_session_id else None
        sid = new_session_id()
        stamp = now()
        with self._db.transaction() as conn:
            if parent is not None:
                session_status(conn, parent)
            self._check_active_limit(conn)
            conn.execute(
                "INSERT INTO sessions (id, name, description, status, tags, metadata,"
                " parent_session_id, created_at, updated_at)"
                " VALUES (?, ?, ?, 'active', ?, ?, ?, ?, ?)",
                (sid, name, description, json.dumps(tag_list), metadata_json, parent, stamp, stamp),
            )
        self._notify("create", sid, status="active", name=name)
        return sid

    def _notify(self, action: str, sid: str, **data: Any) -> None:
        """Fire the action's hook point and publish its `session.*` event, when anyone cares."""
        point, event_type = _NOTICES[action]
        hooks = self.hooks
        if point is not None and hooks is not None and hooks.any(point):
            from llmspell.hooks.registry import HookContext

            hooks.fire(
                point,
                HookContext(
                    point=point,
                    component_type="session",
                    component_name=sid,
                    data={"session_id": sid, "action": action, **data},
                ),
            )
        if self.events is None:
            return
        bus = self.events()
        if bus is not None and bus.wants(event_type):
            bus.publish(event_type, {"session_id": sid, "action": action, **data}, source="session")

    def _check_active_limit(self, conn: sqlite3.Connection) -> None:
        (active,) = conn.execute("SELECT COUNT(*) FROM sessions WHERE status = 'active'").fetchone()
        limit = self.limits.max_active_sessions
        if active >= limit:
            raise SessionError(
                f"{active} sessions are already active, the limit set by "
                "`runtime.sessions.max_sessions`. Complete, suspend or delete one, "
                "or raise the limit."
            )

    def get(self, session_id: str) -> SessionInfo:
        sid = session_id_of(session_id)
        with self._db.transaction(immediate=False) as conn:
            row = conn.execute(f"{_SELECT} WHERE s.id = ?", (sid,)).fetchone()
        if row is None:
            raise SessionError(
                f"Session {sid!r} not found. See `Session.list()` or `llmspell session list`."
            )
        return _session(row)

    def list(
        self,
        *,
        status: str | list[str] | None = None,
        tags: Any = None,
        parent_session_id: str | None = None,
        created_after: str | None = None,
        created_before: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
        sort_by: str = "created_at",
        descending: bool = False,
    ) -> list[SessionInfo]:
        """Sessions matching every given filter (all `tags` must be present)."""
        clauses: list[str] = []
        params: list[Any] = []
        if status is not None:
            statuses = [status] if isinstance(status, str) else status
            unknown = [s for s in statuses if s not in STATUSES]
            if unknown or not statuses:
                raise ValidationError(
                    f"Session.list status: {status!r} is not one of " + ", ".join(STATUSES)
                )
            clauses.append(f"s.status IN ({', '.join('?' * len(statuses))})")
            params.extend(statuses)
        tag_list = string_list(tags, what="Session.list tags")
        if tag_list:
            clauses.append(
                "NOT EXISTS (SELECT 1 FROM json_each(?) AS q"
                " WHERE q.value NOT IN (SELECT t.value FROM json_each(s.tags) AS t))"
            )
            params.append(json.dumps(tag_list))
        if parent_session_id is not None:
            clauses.append("s.parent_session_id = ?")
            params.append(session_id_of(parent_session_id))
        if created_after is not None:
            clauses.append("s.created_at >= ?")
            params.append(parse_time(created_after, what="Session.list created_after"))
        if created_before is not None:
            clauses.append("s.created_at <= ?")
            params.append(parse_time(created_before, what="Session.list created_before"))
        if sort_by not in SORT_KEYS:
            raise ValidationError(
                f"Session.list sort_by: {sort_by!r} is not one of " + ", ".join(SORT_KEYS)
            )
        sql = _SELECT
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += " ORDER BY " + _ORDER[sort_by].format(d="DESC" if descending else "ASC")
        sql += " LIMIT ? OFFSET ?"
        params.append(-1 if limit is None else plain_int(limit, what="Session.list limit"))
        params.append(0 if offset is None else plain_int(offset, what="Session.list offset"))
        with self._db.transaction(immediate=False) as conn:
            rows = conn.execute(sql, params).fetchall()
        return [_session(row) for row in rows]

    # Lifecycle ------------------------------------------------------------------------------

    def suspend(self, session_id: str) -> SessionInfo:
        return self._move(session_id, "suspend")

    def resume(self, session_id: str) -> SessionInfo:
        return self._move(session_id, "resume")

    def complete(self, session_id: str) -> SessionInfo:
        return self._move(session_id, "complete")

    def fail(self, session_id: str) -> SessionInfo:
        return self._move(session_id, "fail")

    def _move(self, session_id: str, action: str) -> SessionInfo:
        sid = session_id_of(session_id)
        allowed, target = _TRANSITIONS[action]
        with self._db.transaction() as conn:
            status = session_status(conn, sid)
            if status not in allowed:
                raise SessionError(
                    f"Cannot {action} session {sid!r}: it is {status}; {action} needs a session "
                    f"that is {' or '.join(sorted(allowed))}"
                )
            if target == "active":
                self._check_active_limit(conn)
            conn.execute(
                "UPDATE sessions SET status = ?, updated_at = ? WHERE id = ?", (target, now(), sid)
            )
        info = self.get(sid)
        self._notify(action, sid, status=target, previous_status=status)
        return info

    def save(self, session_id: str) -> None:
        """Every change is already committed; this checks that the session exists."""
        info = self.get(session_id)
        self._notify("save", info.id, status=info.status)

    def load(self, session_id: str) -> str:
        """The session's id once it is known to exist."""
        info = self.get(session_id)
        self._notify("load", info.id, status=info.status)
        return info.id

    def delete(self, session_id: str) -> int:
        """Remove a session and its artifacts; the number of artifacts removed."""
        sid = session_id_of(session_id)
        with self._db.transaction() as conn:
            session_status(conn, sid)
            digests = [
                row[0]
                for row in conn.execute(
                    "SELECT DISTINCT content_hash FROM artifacts WHERE session_id = ?", (sid,)
                )
            ]
            (count,) = conn.execute(
                "SELECT COUNT(*) FROM artifacts WHERE session_id = ?", (sid,)
            ).fetchone()
            conn.execute("DELETE FROM sessions WHERE id = ?", (sid,))
        with self._lock:
            if self._current == sid:
                self._current = None
        self.artifacts.collect(digests)
        self._notify("delete", sid, status="deleted", artifacts_removed=count)
        return count

    # The current session --------------------------------------------------------------------

    def get_current(self) -> str | None:
        with self._lock:
            return self._current

    def set_current(self, session_id: str | None) -> None:
        """Make `session_id` the current session (None clears it); it must exist."""
        sid = None if session_id is None else self.get(session_id).id
        with self._lock:
            self._current = sid

    def close(self) -> None:
        self._db.close()


def open_session_manager(config: LLMSpellConfig, *, home: Path) -> SessionManager:
    """The manager `[runtime.sessions]` describes: SQLite under `<home>/sessions`, or memory."""
    cfg = config.runtime.sessions
    limits = SessionLimits(
        max_active_sessions=cfg.max_sessions,
        max_artifacts_per_session=cfg.max_artifacts_per_session,
        compression_threshold=cfg.artifact_compression_threshold,
    )
    if cfg.storage_backend == "memory":
        return SessionManager(MemoryDatabase(), MemoryContent(), limits)
    root = home / "sessions"
    try:
        db = open_file_database(root / "sessions.db")
    except OSError as exc:
        raise StorageError(f"cannot open the session store at {root}: {exc}") from exc
    content = DiskContent(root / "content")
    with db.transaction():
        content.sweep()
    return SessionManager(db, content, limits, location=root)
