"""Totals across runs: State scope "metrics", one key per metric (its `snapshot` document).

At runtime close `registry.persist(store)` adds this run's counter and histogram increments to
the stored totals and overwrites the gauges the run set, each key in one atomic update, so
several processes persisting at once lose nothing. The built-in uptime gauges are not kept.
A stored metric whose kind or buckets differ from this run's is replaced by this run's data.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from llmspell.metrics.registry import (
    COUNTER,
    HISTOGRAM,
    Family,
    Histogram,
    MetricsRegistry,
    family_document,
    family_from_document,
)

if TYPE_CHECKING:
    from llmspell.state import StateStore

SCOPE = "metrics"
log = logging.getLogger("llmspell.metrics")


def persist(registry: MetricsRegistry, store: StateStore | Callable[[], StateStore]) -> int:
    """Merge what `registry` recorded since its last persist into `store`; metrics written."""
    changes, commit = registry.pending()
    if not changes:
        return 0
    target = store() if callable(store) else store
    for name, delta in changes.items():
        full = target.full_key(SCOPE, name)

        def merge(current: Any, present: bool, delta: Family = delta) -> tuple[Any, None]:
            return merged_document(current, delta), None

        target.update(full, merge)
    commit()
    return len(changes)


def merged_document(current: Any, delta: Family) -> dict[str, Any]:
    """The stored document `current` with `delta` added (counters, histograms) or set (gauges)."""
    stored = family_from_document(delta.name, current) if current is not None else None
    if stored is None or stored.kind != delta.kind or stored.buckets != delta.buckets:
        if stored is not None:
            log.warning("metric %r changed kind or buckets; its stored totals restart", delta.name)
        stored = Family(delta.name, delta.kind, delta.help, delta.buckets)
    if delta.help:
        stored.help = delta.help
    for key, value in delta.series.items():
        if delta.kind == HISTOGRAM:
            hist = stored.series.get(key)
            if hist is None:
                stored.series[key] = value.copy() if isinstance(value, Histogram) else value
            else:
                hist.add(value)
        elif delta.kind == COUNTER:
            stored.series[key] = stored.series.get(key, 0) + value
        else:
            stored.series[key] = value
    document = family_document(stored)
    document["updated_at"] = time.time()
    return document


def load_totals(store: StateStore) -> MetricsRegistry:
    """A registry (no built-in gauges) holding the totals persisted in `store`."""
    registry = MetricsRegistry(builtins=False)
    registry.merge_documents(store.items(SCOPE))
    return registry
