"""Sessions and their artifacts: SQLite rows plus content-addressed files under the home."""

from llmspell.sessions.artifacts import ArtifactStore
from llmspell.sessions.lifecycle import SessionManager, open_session_manager
from llmspell.sessions.models import (
    ARTIFACT_TYPES,
    STATUSES,
    Artifact,
    ArtifactId,
    ArtifactInfo,
    ArtifactRef,
    SessionInfo,
    SessionLimits,
    SessionStatus,
)

__all__ = [
    "ARTIFACT_TYPES",
    "STATUSES",
    "Artifact",
    "ArtifactId",
    "ArtifactInfo",
    "ArtifactRef",
    "ArtifactStore",
    "SessionInfo",
    "SessionLimits",
    "SessionManager",
    "SessionStatus",
    "open_session_manager",
]
