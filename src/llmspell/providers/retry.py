"""Retries with exponential backoff for the adapter that has no SDK to do it (Ollama).

The OpenAI and Anthropic SDKs retry 429, 408, 409 and 5xx answers and dropped connections
themselves (`max_retries`, honouring `retry-after`); this module gives httpx calls the same
behaviour, with the delays of `[providers.<name>.retry]`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import Mapping

    import httpx

T = TypeVar("T")

RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 120.0


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    multiplier: float = 2.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number `attempt` (0-based)."""
        if retry_after is not None and 0 < retry_after <= MAX_RETRY_AFTER:
            return retry_after
        base = min(self.initial_delay * self.multiplier**attempt, self.max_delay)
        return base * (1 - 0.25 * random.random())


class RetryableStatus(Exception):
    """Raised by a call to ask for a retry: the response had a retryable status."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


def retry_after(headers: Mapping[str, str]) -> float | None:
    """`retry-after-ms`, else `retry-after` as seconds or an HTTP date; None when absent."""
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return float(ms) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value).timestamp() - time.time()
    except (TypeError, ValueError):
        return None


def with_retries(
    call: Callable[[], T],
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run `call`; retry refused or dropped connections and retryable statuses.

    When the last attempt still has a retryable status, its response is returned through the
    `RetryableStatus` exception's `response` for the caller to turn into an error.
    """
    import httpx

    attempt = 0
    while True:
        try:
            return call()
        except RetryableStatus as exc:
            if attempt >= policy.max_retries:
                raise
            wait = policy.delay(attempt, retry_after(exc.response.headers))
        except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError):
            if attempt >= policy.max_retries:
                raise
            wait = policy.delay(attempt)
        attempt += 1
        sleep(wait)
