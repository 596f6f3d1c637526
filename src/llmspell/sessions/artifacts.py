"""Artifacts: named, versioned content attached to a session, de-duplicated by content hash."""

from __future__ import annotations

import json
import mimetypes
import os
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from llmspell.core.errors import SessionError, ValidationError
from llmspell.sessions.content import ContentStore, digest_of, pack, unpack
from llmspell.sessions.models import (
    TERMINAL,
    Artifact,
    ArtifactId,
    ArtifactInfo,
    ArtifactRef,
    SessionLimits,
    json_text,
    now,
    optional_text,
    parse_time,
    plain_int,
    session_id_of,
    string_list,
)
from llmspell.sessions.sqlite import SessionDatabase, session_status

_COLUMNS = (
    "session_id, sequence, content_hash, name, version, artifact_type, mime_type, size,"
    " stored_size, compressed, tags, custom, description, created_at, created_by, parent_artifact"
)
_NAMES = [c.strip() for c in _COLUMNS.split(",")]
_MAX_NAME = 1024


def _info(row: tuple[Any, ...]) -> ArtifactInfo:
    r = dict(zip(_NAMES, row, strict=True))
    return ArtifactInfo(
        session_id=r["session_id"],
        sequence=r["sequence"],
        content_hash=r["content_hash"],
        name=r["name"],
        version=r["version"],
        artifact_type=r["artifact_type"],
        mime_type=r["mime_type"],
        size=r["size"],
        stored_size=r["stored_size"],
        compressed=bool(r["compressed"]),
        tags=json.loads(r["tags"]),
        custom=json.loads(r["custom"]),
        description=r["description"],
        created_at=r["created_at"],
        created_by=r["created_by"],
        parent_artifact=json.loads(r["parent_artifact"]) if r["parent_artifact"] else None,
    )


def _guess_mime(name: str, data: bytes) -> str:
    guessed, _ = mimetypes.guess_type(name, strict=False)
    if guessed:
        return guessed
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "application/octet-stream"
    return "text/plain"


class ArtifactStore:
    """Store, read, list, query and delete artifacts; content lives in a `ContentStore`."""

    def __init__(
        self,
        db: SessionDatabase,
        content: ContentStore,
        limits: SessionLimits,
        *,
        current: Callable[[], str | None],
    ) -> None:
        self._db = db
        self._content = content
        self._limits = limits
        self._current = current

    def session_of(self, session_id: str | None) -> str:
        """A session id; None or "" means the current session."""
        if session_id is None or session_id == "":
            current = self._current()
            if current is None:
                raise SessionError(
                    "No current session set. Pass a session id, or call "
                    "`Session.set_current(id)` first."
                )
            return current
        return session_id_of(session_id)

    # Writing --------------------------------------------------------------------------------

    def store(
        self,
        session_id: str | None,
        artifact_type: str,
        name: str,
        content: str | bytes,
        *,
        description: str | None = None,
        tags: Iterable[str] | str | None = None,
        mime_type: str | None = None,
        created_by: str | None = None,
        parent_artifact: ArtifactId | None = None,
        custom: dict[str, Any] | None = None,
    ) -> ArtifactId:
        """Store `content` (text as UTF-8, bytes as given); the same name again is a new version."""
        sid = self.session_of(session_id)
        if not isinstance(artifact_type, str) or not artifact_type.strip():
            raise ValidationError(
                f"Artifact type must be a non-empty string such as 'agent_output', "
                f"'tool_result', 'user_input' or 'system_generated'; got {artifact_type!r}"
            )
        if not isinstance(name, str) or not name.strip() or len(name) > _MAX_NAME:
            raise ValidationError(
                f"Artifact name must be a non-empty string of at most {_MAX_NAME} characters; "
                f"got {name!r}"
            )
        if isinstance(content, str):
            data = content.encode("utf-8")
        elif isinstance(content, bytes | bytearray | memoryview):
            data = bytes(content)
        else:
            kind = "table" if isinstance(content, list | dict) else type(content).__name__
            raise ValidationError(
                f"Artifact content must be a string (text or binary), got {kind}; "
                "encode tables with JSON.stringify first"
            )
        self._check_size(len(data), name)
        tag_list = string_list(tags, what="artifact tags")
        custom_json = json_text(custom or {}, what="artifact metadata")
        parent_json = (
            json_text(parent_artifact.as_dict(), what="parent") if parent_artifact else None
        )
        description = optional_text(description, what="artifact description")
        created_by = optional_text(created_by, what="artifact created_by")
        mime = optional_text(mime_type, what="artifact mime_type") or _guess_mime(name, data)
        digest = digest_of(data)
        blob, compressed = pack(data, self._limits.compression_threshold)
        with self._db.transaction() as conn:
            self._writable(conn, sid)
            (count,) = conn.execute(
                "SELECT COUNT(*) FROM artifacts WHERE session_id = ?", (sid,)
            ).fetchone()
            if count >= self._limits.max_artifacts_per_session:
                raise SessionError(
                    f"Session {sid!r} already holds {count} artifacts, the limit set by "
                    "`runtime.sessions.max_artifacts_per_session`. Delete some, or raise the limit."
                )
            (sequence,) = conn.execute(
                "SELECT next_sequence FROM sessions WHERE id = ?", (sid,)
            ).fetchone()
            (version,) = conn.execute(
                "SELECT COALESCE(MAX(version), 0) + 1 FROM artifacts"
                " WHERE session_id = ? AND name = ?",
                (sid, name),
            ).fetchone()
            stored = self._content.find(digest)
            written = stored is None
            if stored is None:
                stored = self._content.put(digest, blob, compressed=compressed)
            try:
                stamp = now()
                conn.execute(
                    f"INSERT INTO artifacts ({_COLUMNS})"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        sid,
                        sequence,
                        digest,
                        name,
                        version,
                        artifact_type,
                        mime,
                        len(data),
                        stored.stored_size,
                        int(stored.compressed),
                        json.dumps(tag_list),
                        custom_json,
                        description,
                        stamp,
                        created_by,
                        parent_json,
                    ),
                )
                conn.execute(
                    "UPDATE sessions SET next_sequence = ?, updated_at = ? WHERE id = ?",
                    (sequence + 1, stamp, sid),
                )
            except BaseException:
                if written:
                    self._content.remove(digest)
                raise
        return ArtifactId(session_id=sid, sequence=sequence, content_hash=digest)

    def store_file(
        self,
        session_id: str | None,
        path: str | os.PathLike[str],
        artifact_type: str,
        *,
        name: str | None = None,
        **options: Any,
    ) -> ArtifactId:
        """Store a file's bytes; the name defaults to the file name, the MIME type is guessed."""
        file = Path(path)
        try:
            size = file.stat().st_size
            self._check_size(size, str(file))
            data = file.read_bytes()
        except OSError as exc:
            raise SessionError(
                f"Cannot store file {os.fspath(path)!r} as an artifact: {exc.strerror or exc}"
            ) from exc
        return self.store(session_id, artifact_type, name or file.name, data, **options)

    def _check_size(self, size: int, what: str) -> None:
        limit = self._limits.max_artifact_bytes
        if size > limit:
            raise SessionError(
                f"Artifact {what!r} is {size} bytes; the largest artifact accepted is "
                f"{limit} bytes ({limit // (1024 * 1024)} MB)"
            )

    @staticmethod
    def _writable(conn: sqlite3.Connection, sid: str) -> None:
        status = session_status(conn, sid)
        if status in TERMINAL:
            raise SessionError(
                f"Session {sid!r} is {status}; artifacts can only be added to an active or "
                "suspended session"
            )

    # Reading --------------------------------------------------------------------------------

    def get(self, session_id: str | None, ref: ArtifactRef) -> Artifact:
        """The artifact's metadata and exactly the bytes stored."""
        sid = self.session_of(session_id)
        # The write lock keeps a concurrent delete from collecting the blob mid-read.
        with self._db.transaction() as conn:
            info = self._find(conn, sid, ref)
            blob, compressed = self._content.read(info.content_hash)
            where = self._content.locate(info.content_hash)
        data = unpack(blob, compressed, digest=info.content_hash, size=info.size, where=where)
        return Artifact(info=info, content=data)

    def info(self, session_id: str | None, ref: ArtifactRef) -> ArtifactInfo:
        sid = self.session_of(session_id)
        with self._db.transaction(immediate=False) as conn:
            return self._find(conn, sid, ref)

    def list(self, session_id: str | None) -> list[ArtifactInfo]:
        """A session's artifacts in the order they were stored."""
        sid = self.session_of(session_id)
        with self._db.transaction(immediate=False) as conn:
            session_status(conn, sid)
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM artifacts WHERE session_id = ? ORDER BY sequence", (sid,)
            ).fetchall()
        return [_info(row) for row in rows]

    def query(
        self,
        *,
        session_id: str | None = None,
        artifact_type: str | None = None,
        name_pattern: str | None = None,
        tags: Iterable[str] | str | None = None,
        created_after: str | None = None,
        created_before: str | None = None,
        min_size: int | None = None,
        max_size: int | None = None,
        limit: int | None = None,
    ) -> list[ArtifactInfo]:
        """Artifacts matching every given filter, oldest first; `name_pattern` is a glob."""
        clauses: list[str] = []
        params: list[Any] = []
        if session_id is not None:
            clauses.append("session_id = ?")
            params.append(self.session_of(session_id))
        if artifact_type is not None:
            clauses.append("artifact_type = ?")
            params.append(optional_text(artifact_type, what="Artifact.query type"))
        if name_pattern is not None:
            clauses.append("name GLOB ?")
            params.append(optional_text(name_pattern, what="Artifact.query name_pattern"))
        tag_list = string_list(tags, what="Artifact.query tags")
        if tag_list:
            clauses.append(
                "NOT EXISTS (SELECT 1 FROM json_each(?) AS q"
                " WHERE q.value NOT IN (SELECT t.value FROM json_each(artifacts.tags) AS t))"
            )
            params.append(json.dumps(tag_list))
        if created_after is not None:
            clauses.append("created_at >= ?")
            params.append(parse_time(created_after, what="Artifact.query created_after"))
        if created_before is not None:
            clauses.append("created_at <= ?")
            params.append(parse_time(created_before, what="Artifact.query created_before"))
        if min_size is not None:
            clauses.append("size >= ?")
            params.append(plain_int(min_size, what="Artifact.query min_size"))
        if max_size is not None:
            clauses.append("size <= ?")
            params.append(plain_int(max_size, what="Artifact.query max_size"))
        sql = f"SELECT {_COLUMNS} FROM artifacts"
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += " ORDER BY created_at, session_id, sequence"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(plain_int(limit, what="Artifact.query limit"))
        with self._db.transaction(immediate=False) as conn:
            rows = conn.execute(sql, params).fetchall()
        return [_info(row) for row in rows]

    @staticmethod
    def _find(conn: sqlite3.Connection, sid: str, ref: ArtifactRef) -> ArtifactInfo:
        session_status(conn, sid)
        if ref.sequence is not None:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM artifacts WHERE session_id = ? AND sequence = ?",
                (sid, ref.sequence),
            ).fetchone()
        elif ref.name is not None and ref.version is not None:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM artifacts WHERE session_id = ? AND name = ?"
                " AND version = ?",
                (sid, ref.name, ref.version),
            ).fetchone()
        elif ref.name is not None:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM artifacts WHERE session_id = ? AND name = ?"
                " ORDER BY version DESC LIMIT 1",
                (sid, ref.name),
            ).fetchone()
        else:
            raise ValidationError(
                "an artifact is named by its id table {content_hash, session_id, sequence} "
                "or by its name"
            )
        if row is None or (
            ref.content_hash and row[_NAMES.index("content_hash")] != ref.content_hash
        ):
            raise SessionError(f"Artifact {ref.describe()} not found in session {sid!r}")
        return _info(row)

    # Deleting -------------------------------------------------------------------------------

    def delete(self, session_id: str | None, ref: ArtifactRef) -> None:
        """Remove one artifact; its content goes too unless another artifact shares it."""
        sid = self.session_of(session_id)
        with self._db.transaction() as conn:
            info = self._find(conn, sid, ref)
            conn.execute(
                "DELETE FROM artifacts WHERE session_id = ? AND sequence = ?", (sid, info.sequence)
            )
            conn.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (now(), sid))
        self.collect([info.content_hash])

    def collect(self, digests: Iterable[str]) -> None:
        """Remove the blobs no artifact references any more.

        Runs after the deleting transaction has committed (a crash in between leaves only an
        unreferenced blob) and under the write lock, so no concurrent store can be re-using them.
        """
        pending = set(digests)
        if not pending:
            return
        with self._db.transaction() as conn:
            for digest in pending:
                used = conn.execute(
                    "SELECT 1 FROM artifacts WHERE content_hash = ? LIMIT 1", (digest,)
                ).fetchone()
                if used is None:
                    self._content.remove(digest)
