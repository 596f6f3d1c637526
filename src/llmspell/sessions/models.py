"""Sessions and artifacts as Python values: statuses, records, ids, timestamps, limits."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, get_args

from llmspell.core.errors import SessionError, ValidationError

SessionStatus = Literal["active", "suspended", "completed", "failed", "archived"]
STATUSES: tuple[str, ...] = get_args(SessionStatus)
TERMINAL: frozenset[str] = frozenset({"completed", "failed", "archived"})
SortKey = Literal["created_at", "updated_at", "name"]
SORT_KEYS: tuple[str, ...] = get_args(SortKey)

#: The well-known artifact types; any other non-empty string is a custom type.
ARTIFACT_TYPES = ("agent_output", "tool_result", "user_input", "system_generated")
MAX_ARTIFACT_BYTES = 100 * 1024 * 1024

_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionLimits:
    """The `[runtime.sessions]` numbers the manager enforces."""

    max_active_sessions: int = 100
    max_artifacts_per_session: int = 1000
    compression_threshold: int = 10_240
    max_artifact_bytes: int = MAX_ARTIFACT_BYTES


@dataclass(slots=True, kw_only=True)
class SessionInfo:
    id: str
    name: str | None
    description: str | None
    status: SessionStatus
    tags: list[str]
    metadata: dict[str, Any]
    parent_session_id: str | None
    created_at: str
    updated_at: str
    artifact_count: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "status": self.status,
            "tags": list(self.tags),
            "metadata": dict(self.metadata),
            "parent_session_id": self.parent_session_id,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "artifact_count": self.artifact_count,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ArtifactId:
    """What names one stored artifact: its session, its place in the session, its content."""

    session_id: str
    sequence: int
    content_hash: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "content_hash": self.content_hash,
            "session_id": self.session_id,
            "sequence": self.sequence,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ArtifactRef:
    """How a caller points at an artifact: by sequence (an id), or by name and optional version."""

    sequence: int | None = None
    content_hash: str | None = None
    name: str | None = None
    version: int | None = None

    def describe(self) -> str:
        if self.sequence is not None:
            return f"#{self.sequence}"
        if self.version is not None:
            return f"{self.name!r} version {self.version}"
        return repr(self.name)


@dataclass(slots=True, kw_only=True)
class ArtifactInfo:
    session_id: str
    sequence: int
    content_hash: str
    name: str
    version: int
    artifact_type: str
    mime_type: str
    size: int
    stored_size: int
    compressed: bool
    tags: list[str] = field(default_factory=list)
    custom: dict[str, Any] = field(default_factory=dict)
    description: str | None = None
    created_at: str = ""
    created_by: str | None = None
    parent_artifact: dict[str, Any] | None = None

    @property
    def id(self) -> ArtifactId:
        return ArtifactId(
            session_id=self.session_id, sequence=self.sequence, content_hash=self.content_hash
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "sequence": self.sequence,
            "content_hash": self.content_hash,
            "name": self.name,
            "version": self.version,
            "artifact_type": self.artifact_type,
            "mime_type": self.mime_type,
            "size": self.size,
            "original_size": self.size,
            "stored_size": self.stored_size,
            "is_compressed": self.compressed,
            "tags": list(self.tags),
            "custom": dict(self.custom),
            "description": self.description,
            "created_at": self.created_at,
            "created_by": self.created_by,
            "parent_artifact": self.parent_artifact,
        }


@dataclass(slots=True, kw_only=True)
class Artifact:
    info: ArtifactInfo
    content: bytes


def now() -> str:
    """The current UTC time as RFC 3339 with microseconds; sorts as text."""
    return datetime.now(UTC).strftime(_TIME_FORMAT)


def parse_time(value: Any, *, what: str) -> str:
    """An RFC 3339 date-time (or date) in the stored form, so SQL compares it as text."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(
            f"{what}: expected an RFC 3339 date-time such as '2025-01-31T12:00:00Z', got {value!r}"
        )
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(
            f"{what}: {value!r} is not an RFC 3339 date-time (e.g. '2025-01-31T12:00:00Z')"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime(_TIME_FORMAT)


def session_id_of(value: Any) -> str:
    """The canonical form of a session id, or `Invalid session ID: 'x'`."""
    if isinstance(value, str):
        try:
            return str(uuid.UUID(value.strip()))
        except ValueError:
            pass
    raise SessionError(
        f"Invalid session ID: {value!r} (expected a UUID such as the one `Session.create` returns)"
    )


def new_session_id() -> str:
    return str(uuid.uuid4())


def string_list(value: Any, *, what: str) -> list[str]:
    """Tags: a list of strings (a single string is one tag; `{}` from Lua is none)."""
    if value is None or value == {}:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return list(dict.fromkeys(value))
    raise ValidationError(f"{what}: expected a list of strings, got {value!r}")


def optional_text(value: Any, *, what: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise ValidationError(f"{what}: expected a string, got {type(value).__name__} {value!r}")


def json_text(value: Any, *, what: str) -> str:
    """`value` as JSON, or a ValidationError naming what cannot be stored."""

    def refuse(item: Any) -> Any:
        kind = "binary string" if isinstance(item, bytes) else type(item).__name__
        raise ValidationError(
            f"{what}: a {kind} cannot be stored in metadata; use strings, numbers, booleans "
            "and tables"
        )

    return json.dumps(value, default=refuse, ensure_ascii=False, allow_nan=False)


def plain_int(value: Any, *, what: str, minimum: int = 0) -> int:
    """An integer option from a script (a float with no fraction is accepted)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValidationError(f"{what}: expected an integer >= {minimum}, got {value!r}")
    return value
