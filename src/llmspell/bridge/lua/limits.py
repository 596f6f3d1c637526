"""The stop conditions a running spell is checked against: deadline, os.exit and interrupt."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

StopReason = Literal["timeout", "exit", "interrupt"]


@dataclass(slots=True)
class RunLimits:
    """Polled by the Lua count hook every thousand instructions through `tick`."""

    timeout_seconds: float | None = None
    deadline: float | None = None
    armed: bool = False
    stop: StopReason | None = None
    exit_code: int = 0
    stop_chunk: str | None = None
    stop_line: int | None = None

    def start(self) -> None:
        self.stop = None
        self.exit_code = 0
        self.stop_chunk = None
        self.stop_line = None
        self.deadline = time.monotonic() + self.timeout_seconds if self.timeout_seconds else None
        self.armed = True

    def finish(self) -> None:
        self.armed = False

    def tick(self) -> bool:
        """True once the running spell must stop."""
        if not self.armed:
            return False
        if self.stop is not None:
            return True
        if self.deadline is not None and time.monotonic() > self.deadline:
            self.stop = "timeout"
            return True
        return False

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
