"""Built-in hooks (components.md §4.3), for Python callers; none is registered by default.

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
import threading
from collections.abc import Iterable
from typing import Any

from llmspell.hooks.points import FIRED
from llmspell.hooks.registry import HookContext, HookRegistry
from llmspell.hooks.results import CONTINUE, HookResult

MAX_LOGGED_DATA = 1024


class _Builtin:
    name = "builtin"

    def __call__(self, ctx: HookContext) -> HookResult:
        raise NotImplementedError

    def install(
        self, registry: HookRegistry, points: Iterable[str] | None = None, *, priority: Any = None
    ) -> list[str]:
        """Register at `points` (default: every point something fires); the hook ids."""
        chosen = sorted(FIRED) if points is None else list(points)
        return [
            registry.register(p, self, priority=priority, name=self.name, tags=("builtin",))
            for p in chosen
        ]


class LoggingHook(_Builtin):
    """Logs each point reached, its component and (up to 1 KB of) its data."""

    name = "logging"

    def __init__(self, level: int = logging.INFO, *, include_data: bool = True) -> None:
        self.level = level
        self.include_data = include_data
        self.log = logging.getLogger("llmspell.hooks.logging")

    def __call__(self, ctx: HookContext) -> HookResult:
        if not self.log.isEnabledFor(self.level):
            return CONTINUE
        text = ""
        if self.include_data:
            text = json.dumps(ctx.data, default=str, ensure_ascii=False)
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
