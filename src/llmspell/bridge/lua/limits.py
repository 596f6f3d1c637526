"""The stop conditions a running spell is checked against: deadline, os.exit and interrupt;
and the early warnings before the time and memory limits."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

StopReason = Literal["timeout", "exit", "interrupt"]
UsageKind = Literal["time", "memory"]
#: seconds between two reads of the Lua memory in use while its warning is armed
MEMORY_EVERY = 0.001


@dataclass(slots=True)
class RunLimits:
    """Polled by the Lua count hook every thousand instructions through `tick`.

    With `warn` set, each top-level run calls `warn(kind, used, limit)` at most once per kind
    when usage passes `warn_fraction` of a limit. "time" is the run's wall time against
    `timeout_seconds`: the clock the limit itself is measured on, so the warning means the
    spell is that close to being stopped (time waiting on a model counts, as it does for the
    limit). "memory" is the Lua memory in use against `memory_limit`, read at most every
    `MEMORY_EVERY` seconds, so one large allocation can reach the limit unwarned. `tick`
    compares the clock with one number (the soonest of deadline, warning and memory read),
    as it did with the deadline alone.
    """

    timeout_seconds: float | None = None
    deadline: float | None = None
    armed: bool = False
    stop: StopReason | None = None
    exit_code: int = 0
    stop_chunk: str | None = None
    stop_line: int | None = None
    warn: Callable[[UsageKind, float, float], None] | None = None
    warn_fraction: float = 0.8
    memory_limit: int | None = None
    memory_used: Callable[[], int] | None = None
    started: float = 0.0
    clocked: bool = False
    next_check: float = math.inf
    warn_at: float = math.inf
    warn_memory: float = math.inf
    watch_memory: bool = False

    def start(self) -> None:
        self.stop = None
        self.exit_code = 0
        self.stop_chunk = None
        self.stop_line = None
        self.started = now = time.monotonic()
        timeout = self.timeout_seconds
        self.deadline = now + timeout if timeout else None
        warning = self.warn is not None
        self.warn_at = now + timeout * self.warn_fraction if warning and timeout else math.inf
        self.watch_memory = warning and bool(self.memory_limit) and self.memory_used is not None
        self.warn_memory = (self.memory_limit or 0) * self.warn_fraction
        self.next_check = now if self.watch_memory else self._next(now)
        self.clocked = self.deadline is not None or self.watch_memory
        self.armed = True

    def finish(self) -> None:
        self.armed = False

    def tick(self) -> bool:
        """True once the running spell must stop."""
        if not self.armed:
            return False
        if self.stop is not None:
            return True
        if self.clocked:
            now = time.monotonic()
            if now >= self.next_check:
                return self._check(now)
        return False

    def _check(self, now: float) -> bool:
        """At the deadline, stop; otherwise warn for each limit passed `warn_fraction` of."""
        if self.deadline is not None and now > self.deadline:
            self.stop = "timeout"
            return True
        if now >= self.warn_at:
            self.warn_at = math.inf
            if self.warn is not None and self.timeout_seconds:
                self.warn("time", now - self.started, self.timeout_seconds)
        if self.watch_memory and self.memory_used is not None and self.memory_limit:
            used = self.memory_used()
            if used >= self.warn_memory:
                self.watch_memory = False
                if self.warn is not None:
                    self.warn("memory", used, self.memory_limit)
        self.next_check = self._next(now)
        return False

    def _next(self, now: float) -> float:
        """When `tick` must look again: the deadline, the time warning or the next memory read."""
        soonest = min(self.deadline or math.inf, self.warn_at)
        if self.watch_memory:
            soonest = min(soonest, now + MEMORY_EVERY)
        return soonest

    def note_stop(self, chunk: bytes, line: int) -> None:
        """Where the spell was when it was stopped (first report wins)."""
        if self.stop_chunk is None and line is not None and line > 0:
            self.stop_chunk = chunk.decode(errors="replace")
            self.stop_line = line

    def request_exit(self, code: int) -> None:
        self.stop = "exit"
        self.exit_code = code

    def interrupt(self) -> None:
        """Ask the running spell to stop (Ctrl-C, kernel interrupt_request)."""
        if self.armed and self.stop is None:
            self.stop = "interrupt"
