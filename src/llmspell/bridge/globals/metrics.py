"""`Metrics`: read and record the runtime's metrics from a spell.

```lua
Metrics.inc("spell.items", 3, {kind = "doc"})     -- counter (alias Metrics.counter)
Metrics.set("queue.depth", 7)                      -- gauge (alias Metrics.gauge)
Metrics.observe("step.seconds", 0.42)              -- histogram (alias Metrics.histogram)
print(Metrics.get("kernel.uptime"))                -- seconds since the runtime started
print(Metrics.get("spell.items", {kind = "doc"}))  -- one series; nil for an unknown metric
for _, name in ipairs(Metrics.list()) do print(name) end
print(Metrics.prometheus())                        -- Prometheus text format 0.0.4
```
"""

from __future__ import annotations

from typing import Any

from llmspell.bridge.globals.base import ScriptGlobal, script_type
from llmspell.core.errors import ValidationError
from llmspell.metrics.prometheus import render_prometheus
from llmspell.metrics.registry import MetricsRegistry


def _name(where: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValidationError(
            f"Metrics.{where}: the name must be a non-empty string, got {script_type(value)}"
        )
    return value


def _number(where: str, value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(
            f"Metrics.{where}: the value must be a number, got {script_type(value)}"
        )
    return value


class MetricsGlobal(ScriptGlobal):
    name = "Metrics"

    def __init__(self, registry: MetricsRegistry) -> None:
        self._registry = registry

    def get(self, name: Any, labels: Any = None) -> Any:
        """A counter's or gauge's number, a histogram's `{count, sum, buckets}`, or nil."""
        return self._registry.get(_name("get", name), labels)

    def list(self) -> list[str]:
        return self._registry.list()

    def snapshot(self) -> dict[str, Any]:
        return self._registry.snapshot()

    def inc(self, name: Any, by: Any = None, labels: Any = None) -> int | float:
        """`Metrics.inc(name, by?, labels?)`; `Metrics.inc(name, labels)` adds 1."""
        metric = _name("inc", name)
        if isinstance(by, dict | list) and labels is None:
            by, labels = None, by
        amount = 1 if by is None else _number("inc", by)
        return self._registry.inc(metric, amount, labels)

    counter = inc

    def set(self, name: Any, value: Any, labels: Any = None) -> int | float:
        return self._registry.set(_name("set", name), _number("set", value), labels)

    gauge = set

    def observe(self, name: Any, value: Any, labels: Any = None) -> None:
        self._registry.observe(_name("observe", name), _number("observe", value), labels)

    histogram = observe

    def prometheus(self) -> str:
        return render_prometheus(self._registry)
