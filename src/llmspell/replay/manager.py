"""Recording every model and tool call of the current session, and answering them back.

Recording: hooks at BeforeLLMCall/AfterLLMCall and AfterToolExecution (lowest priority)
append one row per call to `replay_calls` in the sessions database, in order, one transaction
each. Replay: hooks at BeforeLLMCall and BeforeToolExecution (highest priority) answer each
call with `replace(...)` from the recording, in order, by request fingerprint; a request that
is not in the recording is refused (`cancel`) with the nearest recorded call in the message.
"""

from __future__ import annotations

import difflib
import json
import logging
import threading
import time
import weakref
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from llmspell.core.errors import SessionError
from llmspell.hooks import HookResult
from llmspell.replay.config import ReplayConfig, apply_modifications, check_mode

if TYPE_CHECKING:
    from llmspell.hooks import HookContext, HookRegistry
    from llmspell.sessions import SessionManager

log = logging.getLogger("llmspell.replay")

_TABLE = """
CREATE TABLE IF NOT EXISTS replay_calls (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    request TEXT NOT NULL,
    response TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (session_id, seq)
)
"""


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)


def llm_request(data: dict[str, Any]) -> dict[str, Any]:
    """The whole model request: every message (role, content, tool calls, tool_call_id)."""
    req = data.get("request") or {}
    messages = req.get("messages")
    return {
        "provider": data.get("provider"),
        "model": data.get("model"),
        "text": req.get("text"),
        "messages": [dict(m) for m in messages] if isinstance(messages, list) else [],
        "temperature": req.get("temperature"),
        "max_tokens": req.get("max_tokens"),
        "tools": list(req.get("tools") or []),
    }


def llm_key(request: dict[str, Any]) -> dict[str, Any]:
    """What identifies a model call: the model and the message list (roles, contents, tool-call
    names and arguments; call ids, which providers make up, left out)."""
    messages = request.get("messages")
    if not isinstance(messages, list):  # a recording made before full requests were kept
        messages = []
    return {
        "provider": request.get("provider"),
        "model": request.get("model"),
        "messages": [
            {
                "role": m.get("role"),
                "content": m.get("content"),
                "tool_calls": [
                    {"name": c.get("name"), "arguments": c.get("arguments")}
                    for c in m.get("tool_calls") or []
                ],
            }
            for m in messages
            if isinstance(m, dict)
        ],
    }


def tool_request(data: dict[str, Any]) -> dict[str, Any]:
    return {"tool": data.get("tool_name") or data.get("tool"), "params": data.get("params") or {}}


def fingerprint(kind: str, request: dict[str, Any]) -> str:
    return f"{kind}:{_dump(llm_key(request) if kind == 'llm' else request)}"


class ReplayStore:
    """The recorded calls, one table in the sessions database (both backends)."""

    def __init__(self, sessions: SessionManager) -> None:
        self._sessions = sessions
        self._db = sessions._db  # the same database, so session deletion cascades
        with self._db.transaction() as conn:
            conn.execute(_TABLE)

    def append(self, session_id: str, kind: str, request: dict, response: dict) -> int:
        stamp = datetime.now(UTC).isoformat()
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT COALESCE(MAX(seq), 0) FROM replay_calls WHERE session_id = ?",
                (session_id,),
            ).fetchone()
            seq = int(row[0]) + 1
            conn.execute(
                "INSERT INTO replay_calls VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    session_id,
                    seq,
                    kind,
                    fingerprint(kind, request),
                    _dump(request),
                    _dump(response),
                    stamp,
                ),
            )
        return seq

    def calls(self, session_id: str) -> list[dict[str, Any]]:
        sid = self._sessions.get(session_id).id
        with self._db.transaction(immediate=False) as conn:
            rows = conn.execute(
                "SELECT seq, kind, request, response, created_at FROM replay_calls "
                "WHERE session_id = ? ORDER BY seq",
                (sid,),
            ).fetchall()
        out = []
        for seq, kind, request, response, created in rows:
            body = json.loads(response)
            call = {"seq": seq, "kind": kind, "request": json.loads(request), "at": created}
            call["response" if kind == "llm" else "result"] = body
            out.append(call)
        return out

    def session_ids(self) -> list[str]:
        with self._db.transaction(immediate=False) as conn:
            rows = conn.execute(
                "SELECT session_id, MIN(created_at) FROM replay_calls GROUP BY session_id "
                "ORDER BY 2"
            ).fetchall()
        return [str(r[0]) for r in rows]


class ReplayError(SessionError):
    """A replay that could not answer a call from the recording."""


class ReplayManager:
    """Records calls of the current session; replays a session's recording."""

    def __init__(
        self,
        hooks: HookRegistry,
        sessions: SessionManager,
        *,
        run_code: Callable[[str], Any] | None = None,
        record: bool = True,
    ) -> None:
        self.hooks = hooks
        self.sessions = sessions
        self.store = ReplayStore(sessions)
        self.recording = record
        self._run_code = run_code
        self._local = threading.local()
        self._replaying = 0
        self._lock = threading.Lock()
        for point, fn in (
            ("BeforeLLMCall", self._before_llm),
            ("AfterLLMCall", self._after_llm),
            ("AfterToolExecution", self._after_tool),
        ):
            _register(hooks, point, fn, "lowest", f"replay_recorder_{point}")

    # Recording --------------------------------------------------------------------------------

    def _target(self) -> str | None:
        if not self.recording or self._replaying:
            return None
        return self.sessions.get_current()

    def _before_llm(self, ctx: HookContext) -> None:
        self._local.pending = llm_request(ctx.data) if self._target() else None

    def _after_llm(self, ctx: HookContext) -> None:
        request = getattr(self._local, "pending", None)
        self._local.pending = None
        sid = self._target()
        if sid is None or request is None:
            return
        response = ctx.data.get("response") or {}
        body = {"text": response.get("text"), **_rest(response)}
        body.setdefault("tool_calls", [])
        self.store.append(sid, "llm", request, body)

    def _after_tool(self, ctx: HookContext) -> None:
        sid = self._target()
        if sid is None:
            return
        output = dict(ctx.data.get("output") or {})
        meta = {k: v for k, v in (output.get("metadata") or {}).items() if k != "duration_ms"}
        output["metadata"] = meta
        self.store.append(sid, "tool", tool_request(ctx.data), output)

    # Reading ----------------------------------------------------------------------------------

    def calls(self, session_id: str) -> list[dict[str, Any]]:
        return self.store.calls(session_id)

    def can_replay(self, session_id: str) -> bool:
        try:
            return bool(self.store.calls(session_id))
        except SessionError:
            return False

    def metadata(self, session_id: str) -> dict[str, Any]:
        calls = self.store.calls(session_id)
        llm = sum(1 for c in calls if c["kind"] == "llm")
        return {
            "session_id": self.sessions.get(session_id).id,
            "call_count": len(calls),
            "llm_calls": llm,
            "tool_calls": len(calls) - llm,
            "first_at": calls[0]["at"] if calls else None,
            "last_at": calls[-1]["at"] if calls else None,
            "can_replay": bool(calls),
        }

    def list_replayable(self) -> list[str]:
        return self.store.session_ids()

    # Replaying --------------------------------------------------------------------------------

    def _debug_log(self) -> Any:
        """The runtime's Debug/Logger log, when the runtime gave us its `run_code`."""
        owner = getattr(self._run_code, "__self__", None)
        try:
            return getattr(owner, "debug_log", None)
        except Exception:  # a log is optional
            return None

    def replay(
        self,
        session_id: str,
        target: Callable[[], Any] | str | None = None,
        config: ReplayConfig | None = None,
    ) -> dict[str, Any]:
        """Run `target` (a function or spell code) with every call answered from the
        recording. Without a target, the recorded calls (modifications applied) are returned."""
        config = config or ReplayConfig()
        config.mode = check_mode(config.mode)
        recorded = self.store.calls(session_id)
        if not recorded:
            raise ReplayError(
                f"Session {session_id!r} has no recorded calls to replay; record with the "
                "session current (`Session.set_current(id)`) first"
            )
        calls = apply_modifications(recorded, config.modifications)
        player = _Player(calls, config, debug_log=self._debug_log())
        ids = [
            _register(self.hooks, "BeforeLLMCall", player.answer_llm, "highest", "replay_llm"),
            _register(
                self.hooks, "BeforeToolExecution", player.answer_tool, "highest", "replay_tool"
            ),
        ]
        with self._lock:
            self._replaying += 1
        started = time.perf_counter()
        value: Any = None
        error: str | None = None
        try:
            if target is None:
                value = [c.get("response", c.get("result")) for c in calls]
                player.used = set(range(len(calls)))
            elif isinstance(target, str):
                if self._run_code is None:
                    raise ReplayError("replaying spell code needs a runtime")
                values = self._run_code(target)
                value = values[0] if isinstance(values, list) and len(values) == 1 else values
            else:
                value = target()
        except Exception as exc:
            error = player.failure if player.failure is not None else str(exc)
            if config.stop_on_error:
                raise ReplayError(error) from exc
        finally:
            for hook_id in ids:
                self.hooks.unregister(hook_id)
            with self._lock:
                self._replaying -= 1
        if player.failure is not None and error is None:
            error = player.failure
            if config.stop_on_error:
                raise ReplayError(error)
        differences: list[dict[str, str]] = []
        if config.mode == "exact" and config.compare_results and target is not None:
            differences = player.differences()
        return {
            "success": error is None,
            "differences": differences,
            "identical": not differences,
            "session_id": self.sessions.get(session_id).id,
            "mode": config.mode,
            "result": value,
            "error": error,
            "calls_recorded": len(calls),
            "calls_replayed": len(player.used),
            "calls_unused": len(calls) - len(player.used),
            "log": player.log,
            "duration_ms": round((time.perf_counter() - started) * 1000, 3),
        }


def _register(
    hooks: HookRegistry, point: str, fn: Callable[[Any], Any], priority: str, name: str
) -> str:
    """A runtime-internal hook (left out of `Hook.list()` where the registry supports it)."""
    try:
        return hooks.register(point, fn, priority=priority, name=name, internal=True)
    except TypeError:
        return hooks.register(point, fn, priority=priority, name=name)


def _rest(response: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k != "text"}


class _Player:
    """Answers calls from a recording, in order, by fingerprint."""

    def __init__(
        self, calls: list[dict[str, Any]], config: ReplayConfig, *, debug_log: Any = None
    ) -> None:
        self.calls = calls
        self.config = config
        self.debug_log = debug_log
        self.answered: list[tuple[int | None, Any]] = []  # (recorded index, answer) in order
        self.prints = [fingerprint(c["kind"], c["request"]) for c in calls]
        self.used: set[int] = set()
        self.cursor = 0
        self.failure: str | None = None
        self.log: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def _match(self, kind: str, request: dict[str, Any]) -> tuple[int | None, str]:
        wanted = fingerprint(kind, request)
        with self._lock:
            for i in range(self.cursor, len(self.calls)):
                if i not in self.used and self.prints[i] == wanted:
                    self.used.add(i)
                    self.cursor = i + 1
                    return i, wanted
        return None, wanted

    def _refuse(self, kind: str, request: dict[str, Any], wanted: str) -> HookResult:
        if self.config.mode == "simulate":
            return self._simulate(kind, request)
        nearest = self._nearest(kind, wanted)
        what = "model call" if kind == "llm" else "tool call"
        message = (
            f"Replay: this {what} is not in the recording: {_dump(request)}; nearest recorded "
            f"call: {nearest}"
        )
        self.failure = self.failure or message
        log.error("%s", message)
        return HookResult.cancel(message)

    def _nearest(self, kind: str, wanted: str) -> str:
        best, best_score = None, -1.0
        for i, printed in enumerate(self.prints):
            score = difflib.SequenceMatcher(None, wanted, printed).ratio()
            if self.calls[i]["kind"] != kind:
                score -= 1
            if score > best_score:
                best, best_score = i, score
        if best is None:
            return "none (the recording is empty)"
        call = self.calls[best]
        used = " (already replayed)" if best in self.used else ""
        return f"#{call['seq']} {call['kind']} {_dump(call['request'])}{used}"

    def _simulate(self, kind: str, request: dict[str, Any]) -> HookResult:
        """Simulate mode: a call not in the recording is answered with a stand-in, never run."""
        what = "model call" if kind == "llm" else "tool call"
        self.log.append({"seq": None, "kind": kind, "request": request, "simulated": True})
        log.info("replay simulated an unrecorded %s %s", what, _dump(request))
        if kind == "llm":
            answer: Any = {"text": "(simulated)", "tool_calls": [], "finish_reason": "stop"}
        else:
            answer = {"success": True, "text": "(simulated)", "metadata": {"simulated": True}}
        self.answered.append((None, answer))
        return HookResult.replace(answer)

    def _note(self, index: int, kind: str, request: dict[str, Any]) -> None:
        entry = {"seq": self.calls[index]["seq"], "kind": kind, "request": request}
        self.log.append(entry)
        if self.config.mode == "debug":
            message = f"replay matched #{entry['seq']} {kind} {_dump(request)}"
            log.info("%s", message)
            if self.debug_log is not None:
                from llmspell.diagnostics.levels import Level

                self.debug_log.log(
                    Level.INFO,
                    message,
                    module="replay",
                    metadata={"seq": entry["seq"], "kind": kind},
                )

    def differences(self) -> list[dict[str, str]]:
        """Exact mode: the answers given in this replay against the recorded ones, in order
        (a recorded call never asked for, or an answer not from the recording, differs)."""
        from llmspell.replay.config import compare_json

        recorded = [c.get("response", c.get("result")) for c in self.calls]
        given: list[Any] = [None] * len(self.calls)
        extra: list[Any] = []
        for index, answer in self.answered:
            if index is None:
                extra.append(answer)
            else:
                given[index] = answer
        return compare_json(recorded, given + extra)["differences"]

    def answer_llm(self, ctx: HookContext) -> HookResult:
        request = llm_request(ctx.data)
        index, wanted = self._match("llm", request)
        if index is None:
            return self._refuse("llm", request, wanted)
        self._note(index, "llm", request)
        self.answered.append((index, self.calls[index]["response"]))
        response = dict(self.calls[index]["response"])
        response["text"] = response.get("text") or ""
        if "tool_calls" not in response and "usage" not in response:
            return HookResult.replace(response["text"])  # an older, text-only recording
        return HookResult.replace(response)

    def answer_tool(self, ctx: HookContext) -> HookResult:
        request = tool_request(ctx.data)
        index, wanted = self._match("tool", request)
        if index is None:
            return self._refuse("tool", request, wanted)
        self._note(index, "tool", request)
        result = dict(self.calls[index]["result"])
        result.setdefault("success", True)
        self.answered.append((index, self.calls[index]["result"]))
        return HookResult.replace(result)


_MANAGERS: weakref.WeakKeyDictionary[Any, ReplayManager] = weakref.WeakKeyDictionary()


def attach(
    hooks: HookRegistry,
    sessions: SessionManager,
    *,
    run_code: Callable[[str], Any] | None = None,
    record: bool = True,
) -> ReplayManager:
    """The replay manager of `sessions` (made, and its recorder installed, once)."""
    found = _MANAGERS.get(sessions)
    if found is None:
        found = ReplayManager(hooks, sessions, run_code=run_code, record=record)
        _MANAGERS[sessions] = found
    return found


def replay_for(sessions: SessionManager) -> ReplayManager | None:
    return _MANAGERS.get(sessions)
