"""`Event`: one published event, and its script-facing table."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = ["Event"]


@dataclass(slots=True, kw_only=True)
class Event:
    id: str
    event_type: str
    data: Any = None
    timestamp: float
    """Seconds since the epoch (UTC); the table shows it as RFC 3339."""
    sequence: int
    """Per-bus counter, starting at 1, in publish order."""
    correlation_id: str | None = None
    source: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def topic(self) -> str:
        return self.event_type

    def rfc3339(self) -> str:
        moment = datetime.fromtimestamp(self.timestamp, UTC)
        return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")

    def as_table(self) -> dict[str, Any]:
        """What a script receives: every field, `topic` as an alias of `event_type` (SPEC §1.7)."""
        return {
            "id": self.id,
            "event_type": self.event_type,
            "topic": self.event_type,
            "data": self.data,
            "timestamp": self.rfc3339(),
            "sequence": self.sequence,
            "correlation_id": self.correlation_id,
            "source": self.source,
            "language": self.metadata.get("language", "unknown"),
            "metadata": dict(self.metadata),
        }

    def as_record(self) -> dict[str, Any]:
        """The exported and persisted form (JSON-ready when `data` is)."""
        return {
            "id": self.id,
            "event_type": self.event_type,
            "data": self.data,
            "timestamp": self.rfc3339(),
            "sequence": self.sequence,
            "correlation_id": self.correlation_id,
            "source": self.source,
            "metadata": self.metadata,
        }
