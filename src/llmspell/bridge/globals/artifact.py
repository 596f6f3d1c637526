"""`Artifact`: store text, binary data or files in a session, and read them back byte for byte."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from llmspell.bridge.globals.base import ScriptGlobal, script_type
from llmspell.bridge.globals.session import fold
from llmspell.core.errors import ValidationError
from llmspell.security import PathPolicy
from llmspell.sessions import ArtifactId, ArtifactInfo, ArtifactRef

if TYPE_CHECKING:
    from llmspell.sessions import SessionManager

_KNOWN_METADATA = ("description", "tags", "mime_type", "created_by", "parent_artifact", "name")
_QUERY_KEYS = {
    "session_id": "session_id",
    "type": "artifact_type",
    "artifact_type": "artifact_type",
    "name_pattern": "name_pattern",
    "tags": "tags",
    "created_after": "created_after",
    "created_before": "created_before",
    "min_size": "min_size",
    "max_size": "max_size",
    "limit": "limit",
}


def artifact_table(info: ArtifactInfo) -> dict[str, Any]:
    table = info.as_dict()
    table["id"] = info.id.as_dict()
    return table


def _artifact_id(value: Any, where: str) -> ArtifactId:
    if (
        isinstance(value, dict)
        and isinstance(value.get("session_id"), str)
        and isinstance(value.get("sequence"), int)
    ):
        return ArtifactId(
            session_id=value["session_id"],
            sequence=value["sequence"],
            content_hash=str(value.get("content_hash") or ""),
        )
    raise ValidationError(
        f"{where}: expected an artifact id table {{content_hash, session_id, sequence}}, "
        f"got {value!r}"
    )


def _options(metadata: Any, where: str) -> dict[str, Any]:
    """Store options from a metadata table: known keys by name, everything else in `custom`."""
    if metadata is None or metadata == []:
        return {}
    if not isinstance(metadata, dict):
        raise ValidationError(f"{where}: metadata must be a table, got {script_type(metadata)}")
    options: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    for key, value in metadata.items():
        if key in _KNOWN_METADATA:
            options[key] = value
        elif key == "custom" and isinstance(value, dict):
            custom.update(value)
        else:
            custom[str(key)] = value
    if "parent_artifact" in options:
        options["parent_artifact"] = _artifact_id(options["parent_artifact"], where)
    if custom:
        options["custom"] = custom
    return options


class ArtifactGlobal(ScriptGlobal):
    name = "Artifact"

    def __init__(self, sessions: SessionManager, *, paths: PathPolicy) -> None:
        self._sessions = sessions
        self._artifacts = sessions.artifacts
        self._paths = paths

    def store(
        self,
        session_id: str | None,
        artifact_type: str,
        name: str,
        content: str | bytes,
        metadata: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Store content; returns the id table `{content_hash, session_id, sequence}`."""
        options = _options(metadata, "Artifact.store")
        options.pop("name", None)
        made = self._artifacts.store(session_id, artifact_type, name, content, **options)
        return made.as_dict()

    def store_file(
        self,
        session_id: str | None,
        path: str,
        artifact_type: str,
        metadata: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Store a file's bytes (it must lie in a readable folder); returns the id table."""
        if not isinstance(path, str):
            raise ValidationError(f"Artifact.store_file: path must be a string, got {path!r}")
        resolved = self._paths.check(path, "r")
        options = _options(metadata, "Artifact.store_file")
        made = self._artifacts.store_file(session_id, resolved, artifact_type, **options)
        return made.as_dict()

    storeFile = store_file

    def get(self, session_id: str | None, artifact: Any) -> dict[str, Any]:
        """`{content, metadata}`; content is exactly the bytes stored."""
        sid, ref = self._target(session_id, artifact, "Artifact.get")
        found = self._artifacts.get(sid, ref)
        content: str | bytes = found.content
        with contextlib.suppress(UnicodeDecodeError):
            content = found.content.decode("utf-8")
        return {"content": content, "metadata": artifact_table(found.info)}

    def list(self, session_id: str | None = None) -> list[dict[str, Any]]:
        """A session's artifacts in order; "" or nil means the current session."""
        return [artifact_table(info) for info in self._artifacts.list(session_id)]

    def delete(self, session_id: str | None, artifact: Any) -> bool:
        sid, ref = self._target(session_id, artifact, "Artifact.delete")
        self._artifacts.delete(sid, ref)
        return True

    def query(self, query: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        found = self._artifacts.query(**fold(query, _QUERY_KEYS, "Artifact.query"))
        return [artifact_table(info) for info in found]

    @staticmethod
    def _target(session_id: Any, artifact: Any, where: str) -> tuple[str | None, ArtifactRef]:
        """An id table, a name (latest version), `{name, version}` or a sequence number."""
        if isinstance(artifact, str):
            return session_id, ArtifactRef(name=artifact)
        if isinstance(artifact, int) and not isinstance(artifact, bool):
            return session_id, ArtifactRef(sequence=artifact)
        if isinstance(artifact, dict) and isinstance(artifact.get("sequence"), int):
            owner = artifact.get("session_id")
            if isinstance(owner, str) and owner:
                if session_id and str(session_id).lower() != owner.lower():
                    raise ValidationError(
                        f"{where}: the artifact id belongs to session {owner!r}, not {session_id!r}"
                    )
                session_id = owner
            hash_ = artifact.get("content_hash")
            return session_id, ArtifactRef(
                sequence=artifact["sequence"], content_hash=hash_ if hash_ else None
            )
        if isinstance(artifact, dict) and isinstance(artifact.get("name"), str):
            version = artifact.get("version")
            return session_id, ArtifactRef(
                name=artifact["name"], version=version if isinstance(version, int) else None
            )
        raise ValidationError(
            f"{where}: expected an artifact id table {{content_hash, session_id, sequence}}, "
            f"a name, or {{name, version}}; got {script_type(artifact)} {artifact!r}"
        )
