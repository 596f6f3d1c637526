"""`EventBus`: publish events by type, deliver them to glob subscriptions.

```python
bus = EventBus(config.events)
sid = bus.subscribe("user.*")                     # a queue subscription
bus.subscribe("*.error", lambda e: print(e))      # a callback subscription
bus.publish("user.login", {"name": "ada"})
event = bus.receive(sid, timeout_seconds=1.0)     # Event, or None on timeout
```

Delivery is synchronous in the publisher's thread. A callback's error is logged and counted,
never raised into the publisher. A queue subscription holds at most `buffer_size` events; when
it is full the OLDEST queued event is dropped and counted (a slow reader loses history, never
the newest news). Which subscriptions match an event type is computed once per type and cached,
so the publish path is a dict lookup plus one call or append per subscriber.

Before delivery an event passes the config's type filters (`include_types`, `exclude_types`,
globs) and component filters (matched against `source`, when given), then the
`max_events_per_second` token bucket (burst = one second's worth); an event stopped there is
counted (`filtered`, `rate_limited`) and not delivered, exported or persisted. Sequence numbers
are handed out per publish call, so they may have gaps where events were stopped.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from llmspell.config.observability import EventsConfig
from llmspell.core.errors import LLMSpellError, ValidationError
from llmspell.events.event import Event
from llmspell.events.export import EventExporter
from llmspell.events.pattern import Matcher, compile_pattern

if TYPE_CHECKING:
    from llmspell.hooks import HookRegistry
    from llmspell.state import StateStore

__all__ = ["EVENT_SCOPE", "EventBus", "EventCallback"]

log = logging.getLogger("llmspell.events")

EventCallback = Callable[[Event], Any]
EVENT_SCOPE = "event"
_ROUTE_CACHE_LIMIT = 4096
_BEFORE_EMIT, _AFTER_EMIT = "BeforeEventEmit", "AfterEventEmit"


class _Subscription:
    __slots__ = (
        "callback",
        "closed",
        "cond",
        "delivered",
        "dropped",
        "errors",
        "id",
        "language",
        "matches",
        "pattern",
        "queue",
        "waiting",
    )

    def __init__(
        self,
        sub_id: str,
        pattern: str,
        callback: EventCallback | None,
        buffer_size: int,
        language: str,
    ) -> None:
        self.id = sub_id
        self.pattern = pattern
        self.matches: Matcher = compile_pattern(pattern)
        self.callback = callback
        self.language = language
        self.queue: deque[Event] = deque(maxlen=buffer_size)
        self.cond = threading.Condition(threading.Lock())
        self.waiting = 0
        self.delivered = 0
        self.dropped = 0
        self.errors = 0
        self.closed = False

    @property
    def kind(self) -> Literal["callback", "queue"]:
        return "queue" if self.callback is None else "callback"

    def info(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "pattern": self.pattern,
            "kind": self.kind,
            "language": self.language,
            "queued": len(self.queue),
            "delivered": self.delivered,
            "dropped": self.dropped,
            "errors": self.errors,
        }


def _any_matcher(patterns: list[str]) -> Matcher | None:
    """One predicate for a list of globs; None when the list is empty."""
    matchers = [compile_pattern(p) for p in patterns]
    if not matchers:
        return None
    return lambda t: any(m(t) for m in matchers)


class EventBus:
    """The event bus of one Runtime: globs, bounded queues, filters, rate limit and export."""

    def __init__(
        self,
        config: EventsConfig | None = None,
        *,
        state: StateStore | None = None,
        echo: Callable[[str], None] | None = None,
        base: Path | None = None,
        hooks: HookRegistry | None = None,
    ) -> None:
        """`state`: persist every delivered event under scope "event" (key: the event id).
        `echo`: where `events.export.stdout` writes (the runtime's stderr sink); without it the
        JSON goes to the `llmspell.events` log at INFO. `base`: folder a relative
        `events.export.file` is resolved against (default: the current directory)."""
        cfg = config or EventsConfig()
        self.config = cfg
        self.enabled = cfg.enabled
        self.buffer_size = cfg.buffer_size
        self._state = state
        #: fires BeforeEventEmit (modified: new data; cancel: the event is dropped) and
        #: AfterEventEmit around each delivery (None: no hooks)
        self.hooks = hooks
        self._lock = threading.Lock()
        self._subs: dict[str, _Subscription] = {}
        self._routes: dict[str, tuple[_Subscription, ...] | None] = {}
        self._sequence = itertools.count(1)  # next() is atomic: no lock on the hot path
        self._id_prefix = str(uuid.uuid4())[:24]
        self._closed = False
        self._counts = dict.fromkeys(
            ("published", "filtered", "rate_limited", "persist_errors", "after_close"), 0
        )
        self._retired = {"delivered": 0, "dropped": 0, "callback_errors": 0}
        flt = cfg.filtering
        self._include = _any_matcher(flt.include_types)
        self._exclude = _any_matcher(flt.exclude_types)
        self._include_src = _any_matcher(flt.include_components)
        self._exclude_src = _any_matcher(flt.exclude_components)
        self._filter_sources = flt.include_components not in ([], ["*"]) or bool(
            flt.exclude_components
        )
        rate = cfg.max_events_per_second
        self._rate = float(rate) if rate else 0.0
        self._tokens = self._rate
        self._refilled = time.monotonic()
        self._exporter = self._build_exporter(cfg, echo, base)

    @staticmethod
    def _build_exporter(
        cfg: EventsConfig, echo: Callable[[str], None] | None, base: Path | None
    ) -> EventExporter | None:
        export = cfg.export
        if not (export.file or export.stdout or export.webhook):
            return None
        file = None
        if export.file:
            file = Path(os.path.expanduser(export.file))
            if not file.is_absolute():
                file = (base or Path.cwd()) / file
        if export.stdout and echo is None:
            echo = lambda text: log.info("%s", text.rstrip("\n"))  # noqa: E731
        return EventExporter(
            file=file,
            echo=echo if export.stdout else None,
            webhook=export.webhook,
            pretty_json=export.pretty_json,
        )

    # Publishing ------------------------------------------------------------------------------

    def _route(self, event_type: str) -> tuple[_Subscription, ...] | None:
        """Subscriptions matching `event_type`, or None when the type filters drop it."""
        with self._lock:
            if (self._include is not None and not self._include(event_type)) or (
                self._exclude is not None and self._exclude(event_type)
            ):
                found = None
            else:
                found = tuple(s for s in self._subs.values() if s.matches(event_type))
            if len(self._routes) >= _ROUTE_CACHE_LIMIT:
                self._routes.clear()
            self._routes[event_type] = found
        return found

    def _source_allowed(self, source: str | None) -> bool:
        if source is None:
            return True
        if self._include_src is not None and not self._include_src(source):
            return False
        return not (self._exclude_src is not None and self._exclude_src(source))

    def _take_token(self) -> bool:
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self._rate, self._tokens + (now - self._refilled) * self._rate)
            self._refilled = now
            if self._tokens < 1.0:
                self._counts["rate_limited"] += 1
                return False
            self._tokens -= 1.0
            return True

    def wants(self, event_type: str) -> bool:
        """Whether publishing `event_type` now would reach anything (a subscription, the
        exporter or the store): lets the runtime's own emitters skip building unwanted events."""
        if self._closed or not self.enabled:
            return False
        if self._exporter is not None or self._state is not None:
            return True
        try:
            subs = self._routes[event_type]
        except KeyError:
            subs = self._route(event_type)
        return bool(subs)

    def publish(
        self,
        event_type: str,
        data: Any = None,
        *,
        correlation_id: str | None = None,
        source: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Event:
        """Publish one event and deliver it to every matching subscription; the Event."""
        if not isinstance(event_type, str) or not event_type:
            raise ValidationError(
                f"Event type must be a non-empty string such as 'user.login', got {event_type!r}"
            )
        sequence = next(self._sequence)
        event = Event(
            id=f"{self._id_prefix}{sequence:012x}",
            event_type=event_type,
            data=data,
            timestamp=time.time(),
            sequence=sequence,
            correlation_id=correlation_id,
            source=source,
            metadata=metadata if metadata is not None else {},
        )
        if self._closed or not self.enabled:
            self._counts["after_close" if self._closed else "filtered"] += 1
            return event
        hooks = self.hooks
        if hooks is not None and hooks.any(_BEFORE_EMIT, _AFTER_EMIT):
            return self._publish_hooked(hooks, event)
        return self._deliver(event)

    def _publish_hooked(self, hooks: HookRegistry, event: Event) -> Event:
        from llmspell.hooks.registry import HookContext

        def context(point: str) -> HookContext:
            return HookContext(
                point=point,
                component_type="event",
                component_name=event.event_type,
                data={
                    "event_type": event.event_type,
                    "event_id": event.id,
                    "payload": event.data,
                    "source": event.source,
                    "sequence": event.sequence,
                },
                correlation_id=event.correlation_id or "",
                subject="payload",
            )

        if hooks.has(_BEFORE_EMIT):
            before = hooks.fire(_BEFORE_EMIT, context(_BEFORE_EMIT))
            if before.kind in ("cancel", "skipped"):
                self._counts["filtered"] += 1
                return event
            if before.modified:
                event.data = before.data
        self._deliver(event)
        if hooks.has(_AFTER_EMIT):
            hooks.fire(_AFTER_EMIT, context(_AFTER_EMIT))
        return event

    def _deliver(self, event: Event) -> Event:
        event_type, source = event.event_type, event.source
        try:
            subs = self._routes[event_type]
        except KeyError:
            subs = self._route(event_type)
        if subs is None or (self._filter_sources and not self._source_allowed(source)):
            self._counts["filtered"] += 1
            return event
        if self._rate and not self._take_token():
            return event
        self._counts["published"] += 1
        for sub in subs:
            callback = sub.callback
            if callback is None:
                with sub.cond:
                    queue = sub.queue
                    if len(queue) == queue.maxlen:
                        sub.dropped += 1
                    queue.append(event)
                    sub.delivered += 1
                    if sub.waiting:
                        sub.cond.notify()
            else:
                self._call(sub, callback, event)
        if self._exporter is not None:
            self._exporter.export(event)
        if self._state is not None:
            self._persist(event)
        return event

    def _call(self, sub: _Subscription, callback: EventCallback, event: Event) -> None:
        try:
            callback(event)
        except Exception as exc:  # a subscriber's failure must never reach the publisher
            hooks = self.hooks
            if hooks is not None and hooks.has("EventHandlerError"):
                from llmspell.hooks.registry import notify

                notify(
                    hooks,
                    "EventHandlerError",
                    "event",
                    event.event_type,
                    event_type=event.event_type,
                    subscription_id=sub.id,
                    error=str(exc),
                )
            with sub.cond:
                sub.errors += 1
                first = sub.errors == 1
            log.log(
                logging.WARNING if first else logging.DEBUG,
                "event subscriber %s (%r) failed on %r",
                sub.id,
                sub.pattern,
                event.event_type,
                exc_info=True,
            )
        else:
            with sub.cond:
                sub.delivered += 1

    def _persist(self, event: Event) -> None:
        assert self._state is not None
        try:
            self._state.save(EVENT_SCOPE, event.id, event.as_record())
        except (LLMSpellError, TypeError, ValueError) as exc:
            self._counts["persist_errors"] += 1
            log.warning("event %r not persisted: %s", event.event_type, exc)

    # Subscribing ----------------------------------------------------------------------------

    def subscribe(
        self, pattern: str, callback: EventCallback | None = None, *, language: str = "python"
    ) -> str:
        """A subscription id: with `callback`, it is called with each matching Event; without,
        events queue for `receive` (at most `buffer_size`, the oldest dropped first)."""
        if callback is not None and not callable(callback):
            raise ValidationError(f"Event subscriber for {pattern!r} must be a function")
        if self._closed:
            raise LLMSpellError("the event bus is closed; no new subscriptions")
        sub = _Subscription(str(uuid.uuid4()), pattern, callback, self.buffer_size, language)
        with self._lock:
            self._subs[sub.id] = sub
            self._routes.clear()
        return sub.id

    def unsubscribe(self, subscription_id: str) -> bool:
        """Remove a subscription (a blocked `receive` on it returns None); False if unknown."""
        with self._lock:
            sub = self._subs.pop(subscription_id, None)
            if sub is None:
                return False
            self._routes.clear()
            self._retire(sub)
        self._wake(sub)
        return True

    def _retire(self, sub: _Subscription) -> None:
        self._retired["delivered"] += sub.delivered
        self._retired["dropped"] += sub.dropped
        self._retired["callback_errors"] += sub.errors

    @staticmethod
    def _wake(sub: _Subscription) -> None:
        with sub.cond:
            sub.closed = True
            sub.cond.notify_all()

    def _get(self, subscription_id: str) -> _Subscription:
        sub = self._subs.get(subscription_id)
        if sub is None:
            raise ValidationError(f"No active subscription found: {subscription_id!r}")
        return sub

    def receive(self, subscription_id: str, timeout_seconds: float | None = 0.0) -> Event | None:
        """The oldest queued event, waiting up to `timeout_seconds` (None: until one arrives or
        the subscription ends); None on timeout."""
        sub = self._get(subscription_id)
        if sub.callback is not None:
            raise ValidationError(
                f"Subscription {subscription_id!r} delivers to its callback; nothing to receive"
            )
        deadline = None if timeout_seconds is None else time.monotonic() + timeout_seconds
        with sub.cond:
            while not sub.queue:
                if sub.closed:
                    return None
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return None
                sub.waiting += 1
                try:
                    sub.cond.wait(remaining)
                finally:
                    sub.waiting -= 1
            return sub.queue.popleft()

    def pending(self, subscription_id: str) -> int:
        """Events queued on a subscription."""
        return len(self._get(subscription_id).queue)

    def list_subscriptions(self) -> list[dict[str, Any]]:
        with self._lock:
            subs = list(self._subs.values())
        return [sub.info() for sub in subs]

    def get_stats(self) -> dict[str, Any]:
        """Counts since the bus was built, totals over current and removed subscriptions."""
        with self._lock:
            subs = list(self._subs.values())
            stats: dict[str, Any] = dict(self._counts)
            stats.update(self._retired)
        stats["delivered"] += sum(s.delivered for s in subs)
        stats["dropped"] += sum(s.dropped for s in subs)
        stats["callback_errors"] += sum(s.errors for s in subs)
        stats["queued"] = sum(len(s.queue) for s in subs)
        exporter = self._exporter
        stats["export_errors"] = exporter.errors if exporter else 0
        stats["webhook_dropped"] = exporter.webhook_dropped if exporter else 0
        stats["subscriptions"] = len(subs)
        stats["per_subscription"] = {s.id: s.info() for s in subs}
        return stats

    # Lifetime -------------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """End every subscription (waiting receivers get None) and close the exports.
        Publishing afterwards delivers nothing (counted as `after_close`)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            subs = list(self._subs.values())
            for sub in subs:
                self._retire(sub)
            self._subs.clear()
            self._routes.clear()
        for sub in subs:
            self._wake(sub)
        if self._exporter is not None:
            self._exporter.close()

    def __enter__(self) -> EventBus:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
