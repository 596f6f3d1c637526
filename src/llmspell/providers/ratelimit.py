"""Client-side pacing per provider: `[providers.<name>.rate_limit] requests_per_minute`.

A sliding one-minute window of request start times (and, with `tokens_per_minute`, of tokens
used). When the window is full the call waits for the oldest entry to age out if `auto_retry`
is on and the wait is short; otherwise it fails at once with an error naming the config key.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from llmspell.core.errors import ProviderError

WINDOW = 60.0


class RateLimiter:
    """Thread-safe; one per provider, shared by every model of that provider."""

    def __init__(
        self,
        provider: str,
        *,
        requests_per_minute: int,
        tokens_per_minute: int | None = None,
        auto_retry: bool = True,
        max_wait: float = WINDOW,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.provider = provider
        self.requests_per_minute = requests_per_minute
        self.tokens_per_minute = tokens_per_minute
        self.auto_retry = auto_retry
        self.max_wait = max_wait
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._starts: deque[float] = deque()
        self._tokens: deque[tuple[float, int]] = deque()

    def acquire(self, model: str | None = None) -> None:
        """Take a slot for one request, waiting for one if allowed; else raise ProviderError."""
        while True:
            with self._lock:
                now = self._clock()
                wait = self._wait_needed(now)
                if wait <= 0:
                    self._starts.append(now)
                    return
            if not self.auto_retry or wait > self.max_wait:
                raise ProviderError(
                    f"Rate limit reached for provider {self.provider!r}"
                    + (f" (model {model!r})" if model else "")
                    + f": {self._describe()}; the next request is allowed in {wait:.1f} s. "
                    f"Raise `providers.{self.provider}.rate_limit.requests_per_minute` or "
                    f"set `auto_retry = true` to wait.",
                    provider=self.provider,
                    model=model,
                )
            self._sleep(wait)

    def record_tokens(self, count: int) -> None:
        if self.tokens_per_minute is None or count <= 0:
            return
        with self._lock:
            self._tokens.append((self._clock(), count))

    def _wait_needed(self, now: float) -> float:
        horizon = now - WINDOW
        while self._starts and self._starts[0] <= horizon:
            self._starts.popleft()
        while self._tokens and self._tokens[0][0] <= horizon:
            self._tokens.popleft()
        wait = 0.0
        if len(self._starts) >= self.requests_per_minute:
            wait = self._starts[0] + WINDOW - now
        if self.tokens_per_minute is not None:
            used = sum(n for _, n in self._tokens)
            if used >= self.tokens_per_minute and self._tokens:
                wait = max(wait, self._tokens[0][0] + WINDOW - now)
        return wait

    def _describe(self) -> str:
        text = f"{self.requests_per_minute} requests per minute"
        if self.tokens_per_minute is not None:
            text += f", {self.tokens_per_minute} tokens per minute"
        return text
