"""Built-in hooks (components.md §4.3). The runtime installs the ones `[hooks]` turns on
(`rate_limit_per_minute`, `cost_budget_usd`, `log_calls`); Python callers may install any.

```python
metrics = MetricsHook()
metrics.install(runtime.hooks)                # every fired point
LoggingHook().install(runtime.hooks, points=["BeforeToolExecution", "ToolError"])
metrics.snapshot()   # {"BeforeToolExecution": {"calls": 3, "components": {"calculator": 3}}}
```
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from llmspell.hooks.points import FIRED
from llmspell.hooks.registry import HookContext, HookRegistry
from llmspell.hooks.results import CONTINUE, HookResult

#: what `hooks.log_calls` logs: calls, not every state read or event
CALL_POINTS = frozenset(
    p
    for p in FIRED
    if not p.startswith(("BeforeState", "AfterState", "Session", "BeforeEvent", "AfterEvent"))
)

MAX_LOGGED_DATA = 1024

_SECRET_PATTERNS = (
    # provider keys: sk-..., sk-ant-..., gsk_..., xai-..., AKIA..., ghp_..., AIza...
    re.compile(
        r"\b(?:sk-(?:ant-|proj-)?[A-Za-z0-9_\-]{12,}|gsk_[A-Za-z0-9]{16,}|xai-[A-Za-z0-9]{16,}"
        r"|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{20,}|AIza[0-9A-Za-z_\-]{30,})"
    ),
    # Authorization: Bearer <token>
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._\-]{8,}"),
    # "api_key": "...", token=..., password: ...
    re.compile(
        r"(?i)((?:api[_-]?key|apikey|secret|token|password|passwd|authorization)"
        r"[\"']?\s*[:=]\s*[\"']?)[^\"'\s,}]{4,}"
    ),
)
MASK = "****"


def redact_secrets(text: str) -> str:
    """`text` with API-key-looking strings (and values of key/token/password fields) masked."""
    first, bearer, field = _SECRET_PATTERNS
    text = first.sub(MASK, text)
    text = bearer.sub(lambda m: m.group(1) + MASK, text)
    return field.sub(lambda m: m.group(1) + MASK, text)


class _Builtin(ABC):
    name = "builtin"

    @abstractmethod
    def __call__(self, ctx: HookContext) -> HookResult:
        """React to one fired point."""

    def install(
        self,
        registry: HookRegistry,
        points: Iterable[str] | None = None,
        *,
        priority: Any = None,
        internal: bool = False,
    ) -> list[str]:
        """Register at `points` (default: the tool, agent, model and workflow call points)."""
        chosen = sorted(CALL_POINTS) if points is None else list(points)
        return [
            registry.register(
                p, self, priority=priority, name=self.name, tags=("builtin",), internal=internal
            )
            for p in chosen
        ]


class _PointsBuiltin(_Builtin):
    points: tuple[str, ...] = ()
    default_priority: Any = None

    def install(
        self,
        registry: HookRegistry,
        points: Iterable[str] | None = None,
        *,
        priority: Any = None,
        internal: bool = False,
    ) -> list[str]:
        return super().install(
            registry,
            self.points if points is None else points,
            priority=priority or self.default_priority,
            internal=internal,
        )


class LoggingHook(_Builtin):
    """Logs each point reached, its component and (up to 1 KB of) its data."""

    name = "logging"

    def __init__(
        self, level: int = logging.INFO, *, include_data: bool = True, redact: bool = True
    ) -> None:
        self.level = level
        self.include_data = include_data
        self.redact = redact
        self.log = logging.getLogger("llmspell.hooks.logging")

    def __call__(self, ctx: HookContext) -> HookResult:
        if not self.log.isEnabledFor(self.level):
            return CONTINUE
        text = ""
        if self.include_data:
            text = json.dumps(ctx.data, default=str, ensure_ascii=False)
            if self.redact:
                text = redact_secrets(text)
            if len(text) > MAX_LOGGED_DATA:
                text = text[:MAX_LOGGED_DATA] + "..."
        self.log.log(
            self.level,
            "%s %s:%s [%s] %s",
            ctx.point,
            ctx.component_type,
            ctx.component_name,
            ctx.correlation_id,
            text,
        )
        return CONTINUE


class MetricsHook(_Builtin):
    """Counts each point reached, in total and per component."""

    name = "metrics"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, dict[str, Any]] = {}

    def __call__(self, ctx: HookContext) -> HookResult:
        with self._lock:
            entry = self._counts.setdefault(ctx.point, {"calls": 0, "components": {}})
            entry["calls"] += 1
            comps = entry["components"]
            comps[ctx.component_name] = comps.get(ctx.component_name, 0) + 1
        return CONTINUE

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                p: {"calls": e["calls"], "components": dict(e["components"])}
                for p, e in self._counts.items()
            }


class RateLimitHook(_PointsBuiltin):
    """Cancels calls past `limit` per sliding `window` seconds (default points: tools, agents)."""

    name = "rate_limit"
    points = ("BeforeToolExecution", "BeforeAgentExecution")
    default_priority = "highest"

    def __init__(
        self,
        limit: int,
        *,
        window: float = 60.0,
        key: str = "hooks.rate_limit_per_minute",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self.key = key
        self.clock = clock
        self._lock = threading.Lock()
        self._times: deque[float] = deque()

    def __call__(self, ctx: HookContext) -> HookResult:
        now = self.clock()
        with self._lock:
            times = self._times
            while times and now - times[0] >= self.window:
                times.popleft()
            if len(times) >= self.limit:
                return HookResult.cancel(
                    f"rate limit: more than {self.limit} tool and agent calls per minute "
                    f"(`{self.key}` = {self.limit}); {ctx.component_type} "
                    f"'{ctx.component_name}' refused"
                )
            times.append(now)
        return CONTINUE


class CostBudgetHook(_PointsBuiltin):
    """Cancels model calls once `spent()` (USD) reaches `budget`."""

    name = "cost_budget"
    points = ("BeforeLLMCall",)
    default_priority = "highest"

    def __init__(
        self, budget: float, spent: Callable[[], float], *, key: str = "hooks.cost_budget_usd"
    ) -> None:
        self.budget = budget
        self.spent = spent
        self.key = key

    def __call__(self, ctx: HookContext) -> HookResult:
        spent = self.spent()
        if spent >= self.budget:
            return HookResult.cancel(
                f"cost budget spent: ${spent:.6f} of `{self.key}` = ${self.budget:g} used; "
                f"raise `{self.key}` to allow more model calls"
            )
        return CONTINUE


def request_key(data: dict[str, Any]) -> str:
    """A hash of what decides a model's answer: provider, model, every message, temperature,
    max_tokens and the tools offered."""
    import hashlib

    request = data.get("request") or {}
    material = {
        "provider": data.get("provider"),
        "model": data.get("model"),
        "messages": request.get("messages"),
        "temperature": request.get("temperature"),
        "max_tokens": request.get("max_tokens"),
        "tools": request.get("tools"),
    }
    text = json.dumps(material, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


class ResponseCacheHook(_PointsBuiltin):
    """Answers a model request identical to an earlier one from memory while it is fresh
    (`ttl` seconds), keeping at most `max_entries` answers (least recently used dropped).
    Only successful answers are stored (AfterLLMCall); failures never reach the cache."""

    name = "response_cache"
    points = ("BeforeLLMCall", "AfterLLMCall")

    def __init__(
        self,
        ttl: float = 300.0,
        max_entries: int = 1000,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        from collections import OrderedDict

        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, tuple[float, dict[str, Any]]] = OrderedDict()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __call__(self, ctx: HookContext) -> HookResult:
        data = ctx.data if isinstance(ctx.data, dict) else {}
        if ctx.point == "BeforeLLMCall":
            return self._lookup(request_key(data))
        if ctx.point == "AfterLLMCall":
            response = data.get("response")
            if isinstance(response, dict) and response.get("finish_reason") != "error":
                self._store(request_key(data), response)
        return CONTINUE

    def _lookup(self, key: str) -> HookResult:
        now = self.clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or now - entry[0] >= self.ttl:
                if entry is not None:
                    del self._entries[key]
                self.misses += 1
                return CONTINUE
            self._entries.move_to_end(key)
            self.hits += 1
            response = entry[1]
        return HookResult.replace(
            {
                "text": response.get("text") or "",
                "tool_calls": [dict(c) for c in response.get("tool_calls") or []],
                "usage": dict(response.get("usage") or {}),
                "finish_reason": response.get("finish_reason"),
            }
        )

    def _store(self, key: str, response: dict[str, Any]) -> None:
        import copy

        with self._lock:
            self._entries[key] = (self.clock(), copy.deepcopy(response))
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)


class CircuitBreakerHook(_PointsBuiltin):
    """Stops calling a provider/model after `failures` consecutive failed calls: BeforeLLMCall
    is cancelled (naming the key) until `reset` seconds pass, then one trial call goes
    through (half-open); its success closes the breaker, its failure opens it again.

    Failures are counted at AgentError (the agent's provider/model), successes at
    AfterLLMCall."""

    name = "circuit_breaker"
    points = ("BeforeLLMCall", "AfterLLMCall", "AgentError")
    default_priority = "highest"
    MARK = "circuit breaker open"

    def __init__(
        self,
        failures: int,
        *,
        reset: float = 30.0,
        key: str = "hooks.circuit_breaker_failures",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failures = failures
        self.reset = reset
        self.key = key
        self.clock = clock
        self._lock = threading.Lock()
        # provider/model -> [consecutive failures, opened at (or None), trial in flight]
        self._state: dict[str, list[Any]] = {}

    def state(self, target: str) -> str:
        """ "closed", "open" or "half-open" for `target` ("provider/model")."""
        with self._lock:
            entry = self._state.get(target)
            if entry is None or entry[1] is None:
                return "closed"
            if entry[2] or self.clock() - entry[1] >= self.reset:
                return "half-open"
            return "open"

    def __call__(self, ctx: HookContext) -> HookResult:
        if ctx.point == "BeforeLLMCall":
            return self._before(_target(ctx.data, ctx.metadata, ctx.component_name))
        if ctx.point == "AfterLLMCall":
            with self._lock:
                self._state.pop(_target(ctx.data, ctx.metadata, ctx.component_name), None)
        elif ctx.point == "AgentError":
            error = ctx.data.get("error") if isinstance(ctx.data, dict) else None
            if isinstance(error, str) and self.MARK in error:
                return CONTINUE  # our own refusal is not a failure of the provider
            self._failed(_target({}, ctx.metadata, ""))
        return CONTINUE

    def _before(self, target: str) -> HookResult:
        now = self.clock()
        with self._lock:
            entry = self._state.get(target)
            if entry is None or entry[1] is None:
                return CONTINUE
            waited = now - entry[1]
            if waited >= self.reset and not entry[2]:
                entry[2] = True  # half-open: this call is the trial
                return CONTINUE
            left = max(0.0, self.reset - waited)
        return HookResult.cancel(
            f"{self.MARK} for '{target}': {entry[0]} consecutive failed calls "
            f"(`{self.key}` = {self.failures}); retry in {left:.1f} s "
            f"(`hooks.circuit_breaker_reset_seconds` = {self.reset:g})"
        )

    def _failed(self, target: str) -> None:
        if not target or target == "/":
            return
        now = self.clock()
        with self._lock:
            entry = self._state.setdefault(target, [0, None, False])
            entry[0] += 1
            if entry[2] or entry[0] >= self.failures:
                entry[1] = now
                entry[2] = False


def _target(data: Any, metadata: dict[str, Any], fallback: str) -> str:
    for source in (data, metadata):
        if isinstance(source, dict) and source.get("provider") and source.get("model"):
            return f"{source['provider']}/{source['model']}"
    return fallback
