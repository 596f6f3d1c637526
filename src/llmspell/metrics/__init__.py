"""Metrics: counters, gauges and histograms, Prometheus text, totals kept across runs.

```python
registry = MetricsRegistry()
registry.inc("agent.calls", labels={"agent": "writer"})
registry.observe("tool.duration_seconds", 0.12)
registry.get("kernel.uptime")            # seconds since the registry started
render_prometheus(registry)              # text exposition format 0.0.4
registry.persist(store)                  # add this run's totals to State scope "metrics"
```
"""

from __future__ import annotations

from llmspell.metrics.persist import SCOPE, load_totals, persist
from llmspell.metrics.prometheus import CONTENT_TYPE, render_prometheus, sanitize_name
from llmspell.metrics.registry import (
    BUILTIN_GAUGES,
    DEFAULT_BUCKETS,
    MetricsRegistry,
)

__all__ = [
    "BUILTIN_GAUGES",
    "CONTENT_TYPE",
    "DEFAULT_BUCKETS",
    "SCOPE",
    "MetricsRegistry",
    "load_totals",
    "persist",
    "render_prometheus",
    "sanitize_name",
]
