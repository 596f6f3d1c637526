"""Ctrl-C while a spell runs: the first press asks it to stop, a second one aborts at once."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def sigint_calls(stop: Callable[[], None]) -> Iterator[None]:
    """While inside, SIGINT calls `stop` once; the next SIGINT raises KeyboardInterrupt."""

    def handle(signum: int, frame: Any) -> None:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        stop()

    try:
        previous = signal.signal(signal.SIGINT, handle)
    except ValueError:  # signals can only be handled on the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
