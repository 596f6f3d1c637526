"""Where a script's output goes: the terminal, a capture buffer, or (later) a kernel's IOPub."""

from __future__ import annotations

import sys
from typing import Protocol


class OutputSink(Protocol):
    def write_stdout(self, text: str) -> None: ...

    def write_stderr(self, text: str) -> None: ...


class ConsoleSink:
    """Writes straight through to the process streams, flushing so output appears at once."""

    def write_stdout(self, text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    def write_stderr(self, text: str) -> None:
        sys.stderr.write(text)
        sys.stderr.flush()


class CaptureSink:
    """Keeps what was written, in order, optionally passing it on to another sink."""

    def __init__(self, forward: OutputSink | None = None) -> None:
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._forward = forward

    def write_stdout(self, text: str) -> None:
        self.stdout.append(text)
        if self._forward is not None:
            self._forward.write_stdout(text)

    def write_stderr(self, text: str) -> None:
        self.stderr.append(text)
        if self._forward is not None:
            self._forward.write_stderr(text)

    @property
    def stdout_text(self) -> str:
        return "".join(self.stdout)

    @property
    def stderr_text(self) -> str:
        return "".join(self.stderr)
