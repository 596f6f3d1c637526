"""Text, JSON and flame-graph renderings of a `PerformanceTracker`."""

from __future__ import annotations

import json
import time
from typing import Any

from llmspell.diagnostics.timing import PerformanceTracker, Timer


def performance_report(tracker: PerformanceTracker) -> str:
    """A human-readable summary: per-name totals, then each timer with its laps and events."""
    timers = tracker.timers()
    running = sum(1 for t in timers if t.running)
    lines = ["Performance Report", "=" * 18, f"Timers: {len(timers)} ({running} running)"]
    if not timers:
        return "\n".join([*lines, "No timers recorded."])
    lines += ["", f"{'Name':<30} {'Count':>6} {'Total ms':>12} {'Mean ms':>12} {'Max ms':>12}"]
    for name, s in tracker.stats().items():
        lines.append(
            f"{name[:30]:<30} {s.count:>6} {s.total_ms:>12.3f} {s.mean_ms:>12.3f} {s.max_ms:>12.3f}"
        )
    lines += ["", "Timeline:"]
    for timer in timers:
        pad = "  " * len(timer.path())
        state = " (running)" if timer.running else ""
        lines.append(f"{pad}{timer.name} [{timer.id}] {timer.elapsed():.3f} ms{state}")
        for lap in timer.laps:
            lines.append(f"{pad}  lap {lap.name} at {lap.at_ms:.3f} ms (+{lap.split_ms:.3f} ms)")
        for event in timer.events:
            meta = "" if event.metadata is None else " " + _json(event.metadata)
            lines.append(f"{pad}  event {event.name} at {event.at_ms:.3f} ms{meta}")
    return "\n".join(lines)


def json_report(tracker: PerformanceTracker) -> str:
    """The same content as `performance_report` as one JSON document."""
    timers = tracker.timers()
    doc = {
        "generated_at": time.time(),
        "total_timers": len(timers),
        "running_timers": sum(1 for t in timers if t.running),
        "summary": {
            name: {
                "count": s.count,
                "total_ms": s.total_ms,
                "mean_ms": s.mean_ms,
                "min_ms": s.min_ms,
                "max_ms": s.max_ms,
            }
            for name, s in tracker.stats().items()
        },
        "timers": [_timer_doc(t) for t in timers],
    }
    return _json(doc)


def flame_graph(tracker: PerformanceTracker) -> str:
    """Folded stacks, one `frame;frame;frame <microseconds>` line each; empty stacks omitted."""
    lines = [f"{stack} {us}" for stack, us in tracker.self_times_us().items() if us > 0]
    return "\n".join(lines) + ("\n" if lines else "")


def _timer_doc(timer: Timer) -> dict[str, Any]:
    return {
        "id": timer.id,
        "name": timer.name,
        "parent": timer.parent.id if timer.parent else None,
        "running": timer.running,
        "duration_ms": timer.elapsed(),
        "laps": [{"name": x.name, "at_ms": x.at_ms, "split_ms": x.split_ms} for x in timer.laps],
        "events": [
            {"name": e.name, "at_ms": e.at_ms, "metadata": e.metadata} for e in timer.events
        ],
        "memory": {
            "start_bytes": timer.start_bytes,
            "end_bytes": timer.end_bytes,
            "delta_bytes": timer.memory_delta,
        },
    }


def _json(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)
