"""`Event`: publish events, subscribe with globs (`user.*`, `*.error`, `**`), receive them.

```lua
local sid = Event.subscribe("user.*")
Event.publish("user.login", {name = "ada"}, {correlation_id = "c-1"})
local ev = Event.receive(sid, 500)            -- milliseconds; nil on timeout
print(ev.event_type, ev.topic, ev.data.name)
Event.subscribe("*.error", function(ev) Logger.warn(ev.topic) end)
```
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from llmspell.bridge.globals.base import ScriptGlobal, script_type
from llmspell.core.errors import ValidationError
from llmspell.events import Event, EventBus

if TYPE_CHECKING:
    from llmspell.runtime.script_thread import ScriptThread

DEFAULT_RECEIVE_MS = 1000
LANGUAGE = "lua"


def _opts(where: str, opts: Any) -> dict[str, Any]:
    if opts is None or (isinstance(opts, list) and not opts):
        return {}
    if isinstance(opts, dict):
        return opts
    raise ValidationError(f"Event.{where}: options must be a table, got {script_type(opts)}")


def _text(where: str, name: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValidationError(
            f"Event.{where}: `{name}` must be a non-empty string, got {script_type(value)}"
        )
    return value


class EventGlobal(ScriptGlobal):
    name = "Event"

    def __init__(self, bus: EventBus, *, script_thread: ScriptThread | None = None) -> None:
        self._bus = bus
        self._script_thread = script_thread
        self._published = 0
        self._subscribed = 0

    def publish(self, event_type: Any, data: Any = None, opts: Any = None) -> bool:
        """`Event.publish(type, data, {correlation_id=, metadata=, language=, ttl_seconds=})`."""
        kind = _text("publish", "event_type", event_type)
        options = _opts("publish", opts)
        metadata = options.get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise ValidationError(
                f"Event.publish: `metadata` must be a table, got {script_type(metadata)}"
            )
        metadata = dict(metadata or {})
        metadata.setdefault("language", str(options.get("language") or LANGUAGE))
        if options.get("ttl_seconds") is not None:
            metadata["ttl_seconds"] = options["ttl_seconds"]
        correlation = options.get("correlation_id")
        self._bus.publish(
            kind,
            data,
            correlation_id=None if correlation is None else str(correlation),
            source=str(options.get("source") or "script"),
            metadata=metadata,
        )
        self._published += 1
        return True

    emit = publish

    def subscribe(self, pattern: Any, fn: Any = None) -> str:
        """`Event.subscribe(pattern)` queues events for `receive`; with a function, calls it
        with each event table instead. A table second argument (`{language=}`) is accepted."""
        glob = _text("subscribe", "pattern", pattern)
        if fn is None or isinstance(fn, dict | list):
            options = _opts("subscribe", fn)
            sub_id = self._bus.subscribe(glob, language=str(options.get("language") or LANGUAGE))
        elif callable(fn):

            def deliver(event: Event) -> None:
                fn(event.as_table())

            sub_id = self._bus.subscribe(glob, deliver, language=LANGUAGE)
        else:
            raise ValidationError(
                f"Event.subscribe: the second argument must be a function, got {script_type(fn)}"
            )
        self._subscribed += 1
        return sub_id

    def unsubscribe(self, subscription_id: Any) -> bool:
        return isinstance(subscription_id, str) and self._bus.unsubscribe(subscription_id)

    def receive(self, subscription_id: Any, timeout_ms: Any = None) -> dict[str, Any] | None:
        """The next event table on a queue subscription, waiting up to `timeout_ms`
        milliseconds (default 1000); nil on timeout."""
        sub_id = _text("receive", "subscription_id", subscription_id)
        if timeout_ms is None:
            timeout_ms = DEFAULT_RECEIVE_MS
        if isinstance(timeout_ms, bool) or not isinstance(timeout_ms, int | float):
            raise ValidationError(
                f"Event.receive: timeout must be milliseconds, got {script_type(timeout_ms)}"
            )
        event = self._wait(sub_id, max(0.0, timeout_ms / 1000))
        return None if event is None else event.as_table()

    def _wait(self, sub_id: str, timeout: float) -> Any:
        """Wait in short slices so Lua callbacks other threads publish to still get served."""
        if self._script_thread is None:
            return self._bus.receive(sub_id, timeout)
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            event = self._bus.receive(sub_id, max(0.0, min(0.02, remaining)))
            if event is not None or remaining <= 0:
                return event
            self._script_thread.serve_pending()

    def list_subscriptions(self) -> list[dict[str, Any]]:
        return self._bus.list_subscriptions()

    def get_stats(self) -> dict[str, Any]:
        """The bus counts at top level, also under `event_bus_stats` (the original's shape),
        and this global's own under `bridge_stats`."""
        stats = self._bus.get_stats()
        bridge = {"published": self._published, "subscriptions_created": self._subscribed}
        return {**stats, "event_bus_stats": dict(stats), "bridge_stats": bridge}
