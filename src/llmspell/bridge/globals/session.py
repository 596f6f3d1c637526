"""`Session`: create sessions (by table or builder), find and list them, move them through
their lifecycle, and pick the current one."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from llmspell.bridge.globals.base import ScriptGlobal, ScriptObject, script_type
from llmspell.core.errors import ValidationError

if TYPE_CHECKING:
    from llmspell.replay import ReplayManager
    from llmspell.sessions import SessionInfo, SessionManager

log = logging.getLogger("llmspell.sessions")

_CREATE_KEYS = {
    "name": "name",
    "description": "description",
    "tags": "tags",
    "metadata": "metadata",
    "parent_session_id": "parent_session_id",
    "parent": "parent_session_id",
}
_LIST_KEYS = {
    "status": "status",
    "tags": "tags",
    "parent_session_id": "parent_session_id",
    "created_after": "created_after",
    "created_before": "created_before",
    "limit": "limit",
    "offset": "offset",
    "sort_by": "sort_by",
    "sort_desc": "descending",
    "descending": "descending",
}


def fold(options: Any, keys: dict[str, str], where: str) -> dict[str, Any]:
    """A script options table as keyword arguments; unknown keys are logged and ignored."""
    if options is None or options == []:
        return {}
    if not isinstance(options, dict):
        raise ValidationError(f"{where}: expected a table, got {script_type(options)}")
    folded: dict[str, Any] = {}
    for key, value in options.items():
        target = keys.get(key) if isinstance(key, str) else None
        if target is None:
            log.warning("%s: ignoring unknown option %r (known: %s)", where, key, ", ".join(keys))
        elif value is not None:
            folded[target] = value
    return folded


def session_table(info: SessionInfo) -> dict[str, Any]:
    table = info.as_dict()
    table["custom_metadata"] = table["metadata"]
    return table


class SessionGlobal(ScriptGlobal):
    name = "Session"

    def __init__(self, sessions: SessionManager) -> None:
        self._sessions = sessions

    def create(self, options: dict[str, Any] | None = None) -> str:
        """A new session from `{name, description, tags, metadata, parent_session_id}`; its id."""
        return self._sessions.create(**fold(options, _CREATE_KEYS, "Session.create"))

    def builder(self) -> SessionBuilder:
        return SessionBuilder(self._sessions)

    def get(self, session_id: str) -> dict[str, Any]:
        return session_table(self._sessions.get(session_id))

    def list(self, query: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        found = self._sessions.list(**fold(query, _LIST_KEYS, "Session.list"))
        return [session_table(info) for info in found]

    def suspend(self, session_id: str) -> None:
        self._sessions.suspend(session_id)

    def resume(self, session_id: str) -> None:
        self._sessions.resume(session_id)

    def complete(self, session_id: str) -> None:
        self._sessions.complete(session_id)

    def delete(self, session_id: str) -> None:
        self._sessions.delete(session_id)

    def save(self, session_id: str) -> None:
        self._sessions.save(session_id)

    def load(self, session_id: str) -> str:
        return self._sessions.load(session_id)

    def get_current(self) -> str | None:
        return self._sessions.get_current()

    def set_current(self, session_id: str | None = None) -> None:
        self._sessions.set_current(session_id)

    getCurrent = get_current
    setCurrent = set_current

    # Replay (llmspell.replay): calls recorded while a session is current ---------------------

    def _replay(self) -> ReplayManager:
        from llmspell.replay import replay_for

        manager = replay_for(self._sessions)
        if manager is None:
            raise ValidationError("Session replay is not set up in this runtime")
        return manager

    def can_replay(self, session_id: str) -> bool:
        return self._replay().can_replay(session_id)

    def get_replay_metadata(self, session_id: str) -> dict[str, Any]:
        return self._replay().metadata(session_id)

    def list_replayable(self) -> list[str]:
        return self._replay().list_replayable()

    def replay(self, session_id: str, options: Any = None) -> dict[str, Any]:
        """`{fn|code?, mode?, config?, modifications?, stop_on_error?}`; other documented keys
        (start_from, end_at, hook_filter, max_duration_seconds, progress_callback) are ignored."""
        from llmspell.bridge.globals.replay import to_config

        if callable(options) or isinstance(options, str):
            options = {"fn": options}
        options = dict(options or {})
        target = options.pop("fn", None) or options.pop("code", None)
        config = options.pop("config", None)
        if config is None:
            config = {
                k: options[k] for k in ("mode", "modifications", "stop_on_error") if k in options
            }
        return self._replay().replay(session_id, target, to_config(config))


class SessionBuilder(ScriptObject):
    """`Session.builder():name(..):description(..):tag(..):tags{..}:metadata{..}:build()`."""

    def __init__(self, sessions: SessionManager) -> None:
        self._sessions = sessions
        self._options: dict[str, Any] = {"tags": [], "metadata": {}}

    def name(self, value: str) -> SessionBuilder:
        self._options["name"] = value
        return self

    def description(self, value: str) -> SessionBuilder:
        self._options["description"] = value
        return self

    def tag(self, value: str) -> SessionBuilder:
        self._options["tags"].append(value)
        return self

    def tags(self, values: list[str]) -> SessionBuilder:
        if isinstance(values, str):
            values = [values]
        elif not isinstance(values, list | dict):
            raise ValidationError(f"Session builder tags: expected a list, got {values!r}")
        self._options["tags"].extend(values or [])
        return self

    def metadata(self, key: str | dict[str, Any], value: Any = None) -> SessionBuilder:
        """`:metadata{k = v}` merges a table; `:metadata("k", v)` sets one key."""
        if isinstance(key, dict):
            self._options["metadata"].update(key)
        elif isinstance(key, str):
            self._options["metadata"][key] = value
        else:
            raise ValidationError(
                f"Session builder metadata: expected a table or a key, got {script_type(key)}"
            )
        return self

    def parent(self, session_id: str) -> SessionBuilder:
        self._options["parent_session_id"] = session_id
        return self

    parent_session_id = parent

    def build(self) -> str:
        return self._sessions.create(**self._options)
