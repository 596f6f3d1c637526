"""`HookRegistry`: hooks by point, run in priority order when a component fires the point.

```python
hooks = HookRegistry(config.hooks)
hid = hooks.register("BeforeToolExecution", lambda ctx: HookResult.modified({"x": 1}))
outcome = hooks.fire("BeforeToolExecution", HookContext.make(..., subject="params"))
```

Firing a point nobody hooked costs one dict lookup. A hook that raises is logged and counts as
continue: hooks never break the operation they watch.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from llmspell.core.errors import ValidationError
from llmspell.hooks.points import canonical_point
from llmspell.hooks.results import CONTINUE, HookResult, parse_result

if TYPE_CHECKING:
    from llmspell.config import HooksConfig

log = logging.getLogger("llmspell.hooks")

PRIORITIES: dict[str, int] = {
    "highest": -(2**31),
    "high": -100,
    "normal": 0,
    "low": 100,
    "lowest": 2**31 - 1,
}
_PRIORITY_NAMES = {v: k for k, v in PRIORITIES.items()}


def parse_priority(value: Any) -> int:
    """`"highest"|"high"|"normal"|"low"|"lowest"` or a number; lower runs first."""
    if value is None:
        return 0
    if isinstance(value, str):
        found = PRIORITIES.get(value.strip().lower())
        if found is None:
            raise ValidationError(
                f"Unknown hook priority {value!r}: use highest, high, normal, low, lowest "
                "or a number (lower runs first)"
            )
        return found
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(f"A hook priority must be a name or a number, got {value!r}")
    return int(value)


def priority_name(value: int) -> str:
    return _PRIORITY_NAMES.get(value, str(value))


_ID_PREFIX = str(uuid.uuid4())[:24]
_ID_COUNTER = itertools.count(1)


def new_correlation_id() -> str:
    """A UUID-shaped id unique in this process (random prefix, counter suffix): ten times
    cheaper than `uuid4()` on a path every hooked call takes."""
    return f"{_ID_PREFIX}{next(_ID_COUNTER) & 0xFFFFFFFFFFFF:012x}"


@dataclass(slots=True, kw_only=True)
class HookContext:
    """What a hook sees. `data[subject]` is what `modified` replaces (params, input, output)."""

    point: str
    component_type: str  # tool | agent | workflow | llm | step | system
    component_name: str
    data: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    correlation_id: str = ""
    language: str = "native"
    subject: str | None = None
    timestamp: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        if not self.correlation_id:
            self.correlation_id = new_correlation_id()

    def as_table(self) -> dict[str, Any]:
        """The Lua callback's `ctx`: the original's shape, with `data`'s keys also on top."""
        table: dict[str, Any] = dict(self.data)
        table.update(
            {
                "point": self.point,
                "hook_point": self.point,
                "correlation_id": self.correlation_id,
                "component_id": {"type": self.component_type, "name": self.component_name},
                "component": self.component_name,
                "language": self.language,
                "metadata": dict(self.metadata),
                "data": dict(self.data),
                "timestamp": self.timestamp,
            }
        )
        return table


@dataclass(slots=True)
class Outcome:
    """What firing a point decided: `result` (its kind) and the possibly modified subject."""

    result: HookResult = CONTINUE
    data: Any = None  # the subject after every `modified`
    modified: bool = False
    ran: int = 0

    @property
    def kind(self) -> str:
        return self.result.kind


def _quiet() -> Outcome:
    return Outcome()


@dataclass(slots=True, kw_only=True)
class Hook:
    id: str
    point: str
    fn: Callable[[Any], Any]
    priority: int
    name: str
    language: str
    seq: int
    description: str = ""
    tags: tuple[str, ...] = ()
    internal: bool = False  # installed by the runtime (observer, `[hooks]` built-ins)
    calls: int = 0
    failures: int = 0
    slow_calls: int = 0
    switched_off: bool = False  # by the breaker: too many of its calls failed or ran slow

    def info(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "hook_point": self.point,
            "point": self.point,
            "priority": priority_name(self.priority),
            "language": self.language,
            "version": "1.0.0",
            "description": self.description,
            "tags": list(self.tags),
            "calls": self.calls,
            "failures": self.failures,
            "slow_calls": self.slow_calls,
            "enabled": not self.switched_off,
        }


#: failed or slow calls a hook may have before the breaker judges it
BREAKER_MIN_BAD = 3


class HookRegistry:
    """Thread-safe: registration copies on write, firing reads a snapshot without a lock."""

    def __init__(self, config: HooksConfig | None = None, *, enabled: bool | None = None) -> None:
        self.config = config
        self.enabled = enabled if enabled is not None else (config.enabled if config else True)
        self._by_point: dict[str, tuple[Hook, ...]] = {}
        self._by_id: dict[str, Hook] = {}
        self._lock = threading.Lock()
        self._seq = itertools.count()
        self._slow_s = (config.timeout_ms / 1000) if config is not None else 5.0
        self._bad_fraction = config.circuit_breaker_threshold if config is not None else 0.01

    # Registration ------------------------------------------------------------------------------

    def register(
        self,
        point: str,
        fn: Callable[[Any], Any],
        *,
        priority: Any = None,
        name: str | None = None,
        language: str = "native",
        description: str = "",
        tags: tuple[str, ...] = (),
        internal: bool = False,
    ) -> str:
        """Add a hook; its id. `fn(ctx)` gets a HookContext (or, for scripts, its table)."""
        canonical = canonical_point(point)
        if not callable(fn):
            raise ValidationError(f"A hook for {canonical} must be a function")
        rank = parse_priority(priority)
        seq = next(self._seq)
        hook_id = f"hook_{uuid.uuid4().hex[:12]}"
        hook = Hook(
            id=hook_id,
            point=canonical,
            fn=fn,
            priority=rank,
            name=name or f"{language}_hook_{seq}",
            language=language,
            seq=seq,
            description=description,
            tags=tuple(tags),
            internal=internal,
        )
        with self._lock:
            hooks = [*self._by_point.get(canonical, ()), hook]
            hooks.sort(key=lambda h: (h.priority, h.seq))
            self._by_point[canonical] = tuple(hooks)
            self._by_id[hook_id] = hook
        return hook_id

    def unregister(self, hook_id: str) -> bool:
        with self._lock:
            hook = self._by_id.pop(hook_id, None)
            if hook is None:
                return False
            rest = tuple(h for h in self._by_point.get(hook.point, ()) if h.id != hook_id)
            if rest:
                self._by_point[hook.point] = rest
            else:
                self._by_point.pop(hook.point, None)
        return True

    def get(self, hook_id: str) -> Hook | None:
        return self._by_id.get(hook_id)

    def list(self, point: str | None = None, *, internal: bool = True) -> list[Hook]:
        """Hooks in the order they run: one point's, or every point's by point then order.
        `internal=False` leaves out the runtime's own hooks (what spells see)."""
        snapshot = self._by_point
        if point is not None:
            found = list(snapshot.get(canonical_point(point), ()))
        else:
            found = [h for p in sorted(snapshot) for h in snapshot[p]]
        return found if internal else [h for h in found if not h.internal]

    def clear(self, *, keep_internal: bool = False) -> None:
        """Remove every hook; `keep_internal` keeps the runtime's own."""
        with self._lock:
            if not keep_internal:
                self._by_point = {}
                self._by_id.clear()
                return
            kept = {p: tuple(h for h in hooks if h.internal) for p, hooks in self._by_point.items()}
            self._by_point = {p: hooks for p, hooks in kept.items() if hooks}
            self._by_id = {i: h for i, h in self._by_id.items() if h.internal}

    def __len__(self) -> int:
        return len(self._by_id)

    # Firing ------------------------------------------------------------------------------------

    def has(self, point: str) -> bool:
        return self.enabled and point in self._by_point

    def any(self, *points: str) -> bool:
        """Whether any of `points` has a hook (the cheap test before building a context)."""
        if not self.enabled:
            return False
        snapshot = self._by_point
        return any(p in snapshot for p in points)

    def fire(self, point: str, context: HookContext | None = None, **fields: Any) -> Outcome:
        """Run `point`'s hooks in order. Stops at cancel or replace; `modified` updates
        `context.data[subject]` for the hooks after it; skipped, redirect and retry are
        remembered (the first one wins) while later hooks still run."""
        hooks = self._by_point.get(point) if self.enabled else None
        if not hooks:
            return _quiet()
        ctx = context if context is not None else HookContext(point=point, **fields)
        ctx.point = point
        subject = ctx.subject
        outcome = Outcome(data=ctx.data.get(subject) if subject else None)
        pending: HookResult | None = None
        for hook in hooks:
            if hook.switched_off:
                continue
            result = self._run(hook, ctx)
            outcome.ran += 1
            if result.kind == "continue":
                continue
            if result.kind == "modified":
                outcome.modified = True
                outcome.data = _apply(outcome.data, result.data, subject)
                if subject:
                    ctx.data[subject] = outcome.data
                continue
            if result.kind in ("cancel", "replace"):
                outcome.result = result
                return outcome
            if pending is None:
                pending = result
        if pending is not None:
            outcome.result = pending
        elif outcome.modified:
            outcome.result = HookResult.modified(outcome.data)
        return outcome

    def _run(self, hook: Hook, ctx: HookContext) -> HookResult:
        hook.calls += 1
        started = time.perf_counter()
        try:
            arg: Any = ctx if hook.language == "native" else ctx.as_table()
            return parse_result(hook.fn(arg))
        except Exception as exc:  # a hook never breaks the operation it watches
            hook.failures += 1
            log.warning(
                "hook %s (%s) at %s failed; continuing: %s",
                hook.name,
                hook.id,
                ctx.point,
                exc,
                exc_info=log.isEnabledFor(logging.DEBUG),
            )
            self._judge(hook)
            return CONTINUE
        finally:
            elapsed = time.perf_counter() - started
            if elapsed > self._slow_s:
                hook.slow_calls += 1
                self._slow(hook, ctx, elapsed)
                log.warning(
                    "hook %s at %s took %.0f ms, over `hooks.timeout_ms` = %d",
                    hook.name,
                    ctx.point,
                    elapsed * 1000,
                    round(self._slow_s * 1000),
                )
                self._judge(hook)

    def _judge(self, hook: Hook) -> None:
        """The per-hook breaker: a script hook with at least `BREAKER_MIN_BAD` failed or slow
        calls, more than `hooks.circuit_breaker_threshold` of all its calls, is switched off."""
        bad = hook.failures + hook.slow_calls
        if hook.internal or hook.switched_off or bad < BREAKER_MIN_BAD:
            return
        if bad / hook.calls > self._bad_fraction:
            hook.switched_off = True
            log.warning(
                "hook %s (%s) at %s switched off: %d of its %d calls failed or ran over "
                "`hooks.timeout_ms` (more than `hooks.circuit_breaker_threshold` = %g); "
                "fix it and register it again",
                hook.name,
                hook.id,
                hook.point,
                bad,
                hook.calls,
                self._bad_fraction,
            )

    def _slow(self, hook: Hook, ctx: HookContext, elapsed: float) -> None:
        point = "PerformanceThresholdExceeded"
        if ctx.point == point or not self.has(point):
            return
        self.fire(
            point,
            HookContext(
                point=point,
                component_type="hook",
                component_name=hook.name,
                data={
                    "hook_id": hook.id,
                    "hook_point": ctx.point,
                    "duration_ms": round(elapsed * 1000, 3),
                    "threshold_ms": round(self._slow_s * 1000),
                },
            ),
        )


def _apply(current: Any, new: Any, subject: str | None) -> Any:
    """`modified` data: `{<subject> = v}` names the subject explicitly; otherwise a table is
    merged into a table subject, and anything else replaces it."""
    if subject and isinstance(new, dict) and subject in new and len(new) == 1:
        return new[subject]
    if isinstance(current, dict) and isinstance(new, dict):
        return {**current, **new}
    return new


def notify(
    hooks: HookRegistry | None, point: str, component_type: str, name: str, **data: Any
) -> Outcome | None:
    """Fire a notification-style point only when it has a hook (None otherwise)."""
    if hooks is None or not hooks.has(point):
        return None
    return hooks.fire(
        point,
        HookContext(point=point, component_type=component_type, component_name=name, data=data),
    )
