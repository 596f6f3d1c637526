"""A sliding-window rate limit for tools that call paid or abusable services (search, email)."""

from __future__ import annotations

import threading
import time
from collections import deque


class SlidingWindow:
    """At most `limit` events in any `period` seconds; the limit is given at each call."""

    def __init__(self, period: float = 60.0) -> None:
        self.period = period
        self._events: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self, limit: int) -> float | None:
        """Record one event and return None, or return the seconds until one would fit."""
        now = time.monotonic()
        with self._lock:
            while self._events and now - self._events[0] >= self.period:
                self._events.popleft()
            if len(self._events) >= limit:
                return max(0.0, self.period - (now - self._events[0]))
            self._events.append(now)
            return None
