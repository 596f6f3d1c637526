"""An agent's conversation: whole turns of chat messages, bounded in messages and in bytes.

A turn is the user message, any assistant tool-call messages and tool results, and the final
answer. Turns are kept or dropped whole, so the window sent to a model never starts with an
orphaned tool result, and always starts with a user message.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

from llmspell.providers import ChatMessage, ToolCall


def message_bytes(message: ChatMessage) -> int:
    size = len((message.content or "").encode())
    for call in message.tool_calls:
        size += len(call.name) + len(repr(call.arguments))
    return size + 16


class Conversation:
    """Thread-safe; `window()` is what the next call sends, `commit()` adds a finished turn."""

    def __init__(self, *, max_messages: int, max_bytes: int) -> None:
        self.max_messages = max_messages
        self.max_bytes = max_bytes
        self._turns: deque[list[ChatMessage]] = deque()
        self._bytes = 0
        self._lock = threading.Lock()

    def window(self) -> list[ChatMessage]:
        """The newest whole turns that fit in `max_messages` (a copy)."""
        with self._lock:
            picked: list[list[ChatMessage]] = []
            count = 0
            for turn in reversed(self._turns):
                if count + len(turn) > self.max_messages:
                    break
                picked.append(turn)
                count += len(turn)
            return [m for turn in reversed(picked) for m in turn]

    def commit(self, turn: list[ChatMessage]) -> None:
        """Add a finished turn; a turn longer than the limit keeps only its question and answer."""
        if len(turn) > self.max_messages and len(turn) > 2:
            turn = [turn[0], turn[-1]]
        with self._lock:
            self._turns.append(turn)
            self._bytes += sum(message_bytes(m) for m in turn)
            self._prune()

    def _prune(self) -> None:
        count = sum(len(t) for t in self._turns)
        while self._turns and (count > self.max_messages or self._bytes > self.max_bytes):
            dropped = self._turns.popleft()
            count -= len(dropped)
            self._bytes -= sum(message_bytes(m) for m in dropped)

    def clear(self) -> None:
        with self._lock:
            self._turns.clear()
            self._bytes = 0

    @property
    def bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        with self._lock:
            return sum(len(t) for t in self._turns)

    # Persistence and scripts ------------------------------------------------------------------

    def to_list(self) -> list[list[dict[str, Any]]]:
        with self._lock:
            return [[message_to_dict(m) for m in turn] for turn in self._turns]

    def replace(self, turns: list[list[dict[str, Any]]]) -> None:
        loaded = [[message_from_dict(m) for m in turn] for turn in turns]
        with self._lock:
            self._turns = deque(loaded)
            self._bytes = sum(message_bytes(m) for turn in loaded for m in turn)
            self._prune()


def message_to_dict(message: ChatMessage) -> dict[str, Any]:
    out: dict[str, Any] = {"role": message.role, "content": message.content or ""}
    if message.tool_calls:
        out["tool_calls"] = [
            {"id": c.id, "name": c.name, "arguments": c.arguments} for c in message.tool_calls
        ]
    if message.tool_call_id:
        out["tool_call_id"] = message.tool_call_id
    if message.name:
        out["name"] = message.name
    return out


def message_from_dict(data: dict[str, Any]) -> ChatMessage:
    calls = [
        ToolCall(id=str(c["id"]), name=str(c["name"]), arguments=dict(c.get("arguments") or {}))
        for c in data.get("tool_calls") or []
    ]
    return ChatMessage(
        role=data["role"],
        content=data.get("content"),
        tool_calls=calls,
        tool_call_id=data.get("tool_call_id"),
        name=data.get("name"),
    )
