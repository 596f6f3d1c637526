"""Lua failures become `ScriptError`s with chunk, line and a trimmed traceback."""

from __future__ import annotations

import re
from typing import Any

from llmspell.core.errors import LLMSpellError, ScriptError, ScriptMemoryError

_POSITION = re.compile(r"^(?P<chunk>[^\n]*?):(?P<line>\d+): (?P<msg>.*)$", re.DOTALL)
_INTERNAL = ("llmspell:", "[C]: in function 'xpcall'", "[C]: in ?", "(...tail calls...)")
MEMORY_MESSAGE = "not enough memory"


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    return str(value)


def trim_traceback(traceback: str) -> str:
    """Drop the runtime's own frames so the traceback shows only the spell's."""
    lines = [line for line in traceback.splitlines() if line.strip()]
    kept = [line for line in lines if not line.strip().startswith(_INTERNAL)]
    if kept and kept[0].strip() == "stack traceback:" and len(kept) == 1:
        return ""
    return "\n".join(kept)


def script_error(message: str, traceback: str = "") -> ScriptError:
    """Split `chunk:line: message` into its parts."""
    match = _POSITION.match(message)
    tb = trim_traceback(traceback) if traceback else ""
    if match:
        return ScriptError(
            message, chunk=match["chunk"], line=int(match["line"]), traceback=tb or None
        )
    return ScriptError(message, traceback=tb or None)


def restore_chunk_name(error: ScriptError, chunk_name: str) -> None:
    """Lua shortens a long chunk name to `...<tail>`; give the error the spell's full path back."""
    full = chunk_name[1:] if chunk_name[:1] in ("@", "=") else chunk_name
    short = error.chunk
    if not short or short == full or not short.startswith("...") or not full.endswith(short[3:]):
        return
    error.chunk = full
    if error.message.startswith(f"{short}:"):
        error.message = full + error.message[len(short) :]
        error.args = (error.message,)
    if error.traceback:
        error.traceback = error.traceback.replace(f"{short}:", f"{full}:")


def from_failure(
    payload: Any, memory_limit: int | None, memory_key: str = "engines.lua.max_memory_bytes"
) -> BaseException:
    """The exception for what the prelude's error handler returned."""
    if isinstance(payload, dict):
        value = payload.get("value")
        traceback = _text(payload.get("traceback") or "")
        if isinstance(value, KeyboardInterrupt):
            return value
        if isinstance(value, LLMSpellError):
            return script_error(str(value), traceback)
        if isinstance(value, BaseException):
            return script_error(f"{type(value).__name__}: {value}", traceback)
        return script_error(_text(payload.get("message", "")), traceback)
    message = _text(payload)
    if MEMORY_MESSAGE in message:
        return memory_error(memory_limit, memory_key)
    return script_error(message)


def memory_error(limit: int | None, key: str = "engines.lua.max_memory_bytes") -> ScriptMemoryError:
    size = f"{limit:,} bytes" if limit else "the memory limit"
    return ScriptMemoryError(
        f"script ran out of memory: it exceeded {size} (`{key}`). "
        "Raise the limit in llmspell.toml or make the spell hold less data."
    )
