"""Execution contexts (with parent/child inheritance) and shared memory by scope.

Inheritance of a child context:
- `inherit`: reads fall through to the parent (live); writes stay in the child.
- `isolate`: the child starts empty and never sees the parent.
- `copy`: the child starts with a snapshot of what the parent sees, then is independent.
- `share`: child and parent are one data table; a write in either shows in both.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from llmspell.core.errors import AgentError, ValidationError

Inheritance = Literal["inherit", "isolate", "copy", "share"]
INHERITANCE: tuple[str, ...] = ("inherit", "isolate", "copy", "share")
SCOPE_KINDS: tuple[str, ...] = ("global", "session", "workflow", "agent", "user")


@dataclass(slots=True, frozen=True)
class Scope:
    kind: str = "global"
    id: str | None = None

    @property
    def key(self) -> str:
        return self.kind if self.kind == "global" or self.id is None else f"{self.kind}:{self.id}"

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.kind, "id": self.id} if self.id is not None else {"type": self.kind}


def scope_from(value: Any) -> Scope:
    """`nil`/`{}` (global), `{type=, id=}`, or a string `"global"` / `"session:abc"`."""
    if value is None or value == [] or value == {}:
        return Scope()
    if isinstance(value, str):
        kind, _, ident = value.partition(":")
        return _scope(kind, ident or None)
    if isinstance(value, dict):
        given = value.get("id")
        return _scope(value.get("type", "global"), None if given is None else str(given))
    raise ValidationError(
        'a scope must be a table {type="session", id="..."} or a string such as "session:abc"'
    )


def _scope(kind: Any, ident: str | None) -> Scope:
    if kind not in SCOPE_KINDS:
        raise ValidationError(f"scope type {kind!r} is not one of {', '.join(SCOPE_KINDS)}")
    if kind != "global" and not ident:
        raise ValidationError(f"a {kind!r} scope needs an id: {{type={kind!r}, id=...}}")
    return Scope(kind, ident if kind != "global" else None)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


@dataclass(slots=True, kw_only=True)
class AgentContext:
    id: str
    scope: Scope
    inheritance: Inheritance = "inherit"
    parent: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    conversation_id: str | None = None
    user_id: str | None = None
    session_id: str | None = None
    security: dict[str, Any] = field(default_factory=dict)
    children: list[str] = field(default_factory=list)
    created_at: float = field(default_factory=time.time)


class ContextStore:
    """Contexts by id and shared memory by scope; thread-safe."""

    def __init__(self) -> None:
        self._contexts: dict[str, AgentContext] = {}
        self._shared: dict[str, dict[str, Any]] = {}
        self._lock = threading.RLock()

    # Contexts ---------------------------------------------------------------------------------

    def create(self, spec: dict[str, Any] | None = None) -> str:
        spec = spec or {}
        data = spec.get("data") or {}
        if not isinstance(data, dict):
            raise ValidationError("Agent.create_context: data must be a table of named values")
        context = AgentContext(
            id=str(uuid.uuid4()),
            scope=scope_from(spec.get("scope")),
            inheritance=_inheritance(spec.get("inheritance", "inherit")),
            data=dict(data),
            conversation_id=spec.get("conversation_id"),
            user_id=spec.get("user_id"),
            session_id=spec.get("session_id"),
            security=dict(spec.get("security") or {}),
        )
        with self._lock:
            self._contexts[context.id] = context
        return context.id

    def create_child(self, parent_id: str, scope: Any = None, inheritance: Any = None) -> str:
        mode = _inheritance(inheritance or "inherit")
        with self._lock:
            parent = self.get(parent_id)
            if mode == "share":
                data = parent.data
            elif mode == "copy":
                data = _copy(self.view(parent_id))
            else:
                data = {}
            child = AgentContext(
                id=str(uuid.uuid4()),
                scope=scope_from(scope) if scope else parent.scope,
                inheritance=mode,
                parent=parent.id,
                data=data,
                conversation_id=parent.conversation_id,
                user_id=parent.user_id,
                session_id=parent.session_id,
                security=dict(parent.security),
            )
            self._contexts[child.id] = child
            parent.children.append(child.id)
        return child.id

    def get(self, context_id: str) -> AgentContext:
        context = self._contexts.get(context_id) if isinstance(context_id, str) else None
        if context is None:
            raise AgentError(
                f"Context '{context_id}' not found; create it with Agent.create_context"
            )
        return context

    def update(self, context_id: str, key: str, value: Any) -> None:
        with self._lock:
            context = self.get(context_id)
            if value is None:
                context.data.pop(key, None)
            else:
                context.data[key] = value

    def value(self, context_id: str, key: str) -> Any:
        with self._lock:
            context: AgentContext | None = self.get(context_id)
            while context is not None:
                if key in context.data:
                    return context.data[key]
                if context.inheritance != "inherit" or context.parent is None:
                    return None
                context = self._contexts.get(context.parent)
            return None

    def view(self, context_id: str) -> dict[str, Any]:
        """Everything the context sees: its own data over what it inherits."""
        with self._lock:
            chain = []
            context: AgentContext | None = self.get(context_id)
            while context is not None:
                chain.append(context.data)
                if context.inheritance != "inherit" or context.parent is None:
                    break
                context = self._contexts.get(context.parent)
            merged: dict[str, Any] = {}
            for data in reversed(chain):
                merged.update(data)
            return merged

    def remove(self, context_id: str) -> None:
        """Remove the context and its descendants."""
        with self._lock:
            context = self.get(context_id)
            stack = [context.id]
            while stack:
                gone = self._contexts.pop(stack.pop(), None)
                if gone is not None:
                    stack.extend(gone.children)
            if context.parent in self._contexts:
                self._contexts[context.parent].children.remove(context.id)

    def __len__(self) -> int:
        return len(self._contexts)

    # Shared memory ----------------------------------------------------------------------------

    def set_shared(self, scope: Any, key: str, value: Any) -> None:
        where = scope_from(scope).key
        with self._lock:
            memory = self._shared.setdefault(where, {})
            if value is None:
                memory.pop(key, None)
            else:
                memory[key] = value

    def get_shared(self, scope: Any, key: str) -> Any:
        where = scope_from(scope).key
        with self._lock:
            return self._shared.get(where, {}).get(key)

    def clear(self) -> None:
        with self._lock:
            self._contexts.clear()
            self._shared.clear()


def _inheritance(value: Any) -> Inheritance:
    if value not in INHERITANCE:
        raise ValidationError(f"inheritance {value!r} is not one of {', '.join(INHERITANCE)}")
    return value  # type: ignore[no-any-return]
