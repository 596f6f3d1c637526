"""Timers and the performance tracker behind `Debug.timer`, reports and flame graphs.

A timer started while another is running is its child, so nested `Debug.timer` calls become
nested frames in `flame_graph()` (the folded-stack text `outer;inner 1234` that flamegraph.pl
and speedscope read; counts are microseconds of self time).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Clock = Callable[[], float]
MemoryProbe = Callable[[], int]


@dataclass(slots=True, kw_only=True)
class Lap:
    name: str
    at_ms: float
    split_ms: float


@dataclass(slots=True, kw_only=True)
class TimerEvent:
    name: str
    at_ms: float
    metadata: Any = None


class Timer:
    """A monotonic stopwatch with laps, events and optional memory readings at start and stop."""

    def __init__(
        self,
        *,
        id: str,
        name: str,
        parent: Timer | None = None,
        clock: Clock = time.perf_counter,
        memory_probe: MemoryProbe | None = None,
    ) -> None:
        self.id = id
        self.name = name
        self.parent = parent
        self.laps: list[Lap] = []
        self.events: list[TimerEvent] = []
        self._clock = clock
        self._probe = memory_probe
        self.start_bytes = memory_probe() if memory_probe else None
        self.end_bytes: int | None = None
        self._started = clock()
        self._stopped: float | None = None

    @property
    def running(self) -> bool:
        return self._stopped is None

    def elapsed(self) -> float:
        """Milliseconds since start (the final duration once stopped)."""
        end = self._clock() if self._stopped is None else self._stopped
        return (end - self._started) * 1000.0

    def stop(self) -> float | None:
        """Stop and return the duration in ms; None if it was already stopped."""
        if self._stopped is not None:
            return None
        self._stopped = self._clock()
        if self._probe is not None:
            self.end_bytes = self._probe()
        return self.elapsed()

    def lap(self, name: str) -> bool:
        """Record a lap; False once the timer is stopped."""
        if self._stopped is not None:
            return False
        at = self.elapsed()
        previous = self.laps[-1].at_ms if self.laps else 0.0
        self.laps.append(Lap(name=name, at_ms=at, split_ms=at - previous))
        return True

    def record_event(self, name: str, metadata: Any = None) -> bool:
        """Record a named point in time; False once the timer is stopped."""
        if self._stopped is not None:
            return False
        self.events.append(TimerEvent(name=name, at_ms=self.elapsed(), metadata=metadata))
        return True

    @property
    def memory_delta(self) -> int | None:
        if self.start_bytes is None or self.end_bytes is None:
            return None
        return self.end_bytes - self.start_bytes

    def path(self) -> list[str]:
        """Names from the outermost running-at-start ancestor down to this timer."""
        names: list[str] = []
        node: Timer | None = self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return names[::-1]


@dataclass(slots=True, kw_only=True)
class TrackerMemory:
    start_bytes: int | None
    end_bytes: int | None
    delta_bytes: int | None


@dataclass(slots=True, kw_only=True)
class MemorySnapshot:
    """What `Debug.memorySnapshot()` reports: memory readings of the timers."""

    timestamp_secs: int
    active_trackers: int
    total_memory_delta_bytes: int | None
    tracker_memory_usage: dict[str, TrackerMemory]


@dataclass(slots=True, kw_only=True)
class TimerStats:
    count: int
    total_ms: float
    min_ms: float
    max_ms: float

    @property
    def mean_ms(self) -> float:
        return self.total_ms / self.count


class PerformanceTracker:
    """Keeps the timers of one runtime (the oldest stopped ones go past `max_timers`)."""

    def __init__(self, *, clock: Clock = time.perf_counter, max_timers: int = 1000) -> None:
        self._clock = clock
        self._max = max_timers
        self._timers: dict[str, Timer] = {}
        self._ids = itertools.count(1)

    def start(self, name: str, *, memory_probe: MemoryProbe | None = None) -> Timer:
        running = [t for t in self._timers.values() if t.running]
        parent = running[-1] if running else None
        timer = Timer(
            id=f"timer_{next(self._ids)}",
            name=name,
            parent=parent,
            clock=self._clock,
            memory_probe=memory_probe,
        )
        self._timers[timer.id] = timer
        if len(self._timers) > self._max:
            stopped = [k for k, t in self._timers.items() if not t.running]
            for key in stopped[: len(self._timers) - self._max]:
                del self._timers[key]
        return timer

    def get(self, timer_id: str) -> Timer | None:
        return self._timers.get(timer_id)

    def timers(self) -> list[Timer]:
        return list(self._timers.values())

    def record_event(self, timer_id: str, name: str, metadata: Any = None) -> bool:
        timer = self._timers.get(timer_id)
        return timer is not None and timer.record_event(name, metadata)

    def stats(self) -> dict[str, TimerStats]:
        """Durations aggregated by timer name (running timers count their elapsed time)."""
        out: dict[str, TimerStats] = {}
        for timer in self._timers.values():
            ms = timer.elapsed()
            s = out.get(timer.name)
            if s is None:
                out[timer.name] = TimerStats(count=1, total_ms=ms, min_ms=ms, max_ms=ms)
            else:
                s.count += 1
                s.total_ms += ms
                s.min_ms = min(s.min_ms, ms)
                s.max_ms = max(s.max_ms, ms)
        return out

    def self_times_us(self) -> dict[str, int]:
        """Folded stack (`a;b;c`) to microseconds spent in it and not in a child timer."""
        child_ms: dict[str, float] = {}
        for timer in self._timers.values():
            if timer.parent is not None:
                child_ms[timer.parent.id] = child_ms.get(timer.parent.id, 0.0) + timer.elapsed()
        folded: dict[str, int] = {}
        for timer in self._timers.values():
            own = max(timer.elapsed() - child_ms.get(timer.id, 0.0), 0.0)
            stack = ";".join(_frame_name(n) for n in timer.path())
            folded[stack] = folded.get(stack, 0) + round(own * 1000)
        return folded

    def memory_snapshot(self) -> MemorySnapshot:
        usage: dict[str, TrackerMemory] = {}
        deltas: list[int] = []
        for timer in self._timers.values():
            if timer.start_bytes is None:
                continue
            key = timer.name if timer.name not in usage else f"{timer.name}#{timer.id}"
            delta = timer.memory_delta
            usage[key] = TrackerMemory(
                start_bytes=timer.start_bytes, end_bytes=timer.end_bytes, delta_bytes=delta
            )
            if delta is not None:
                deltas.append(delta)
        return MemorySnapshot(
            timestamp_secs=int(time.time()),
            active_trackers=sum(1 for t in self._timers.values() if t.running),
            total_memory_delta_bytes=sum(deltas) if deltas else None,
            tracker_memory_usage=usage,
        )


def _frame_name(name: str) -> str:
    cleaned = name.replace(";", ":").replace("\n", " ").strip()
    return cleaned or "<unnamed>"
