"""`DebugLog`: the state behind a runtime's `Debug` global.

It holds the level, the enabled flag, module filters, a bounded capture buffer, console and
file output, the performance tracker and a count of garbage collections asked through it.
One runtime owns one; nothing here is process-wide.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from llmspell.core import ValidationError
from llmspell.diagnostics.filters import ModuleFilter
from llmspell.diagnostics.levels import LEVEL_CHOICES, Level, parse_level
from llmspell.diagnostics.memory import MemorySource, MemoryStats, process_resident_bytes
from llmspell.diagnostics.timing import MemoryProbe, PerformanceTracker, Timer

Sink = Callable[[str], None]

_COLOURS: dict[Level, str] = {
    Level.ERROR: "\x1b[31m",
    Level.WARN: "\x1b[33m",
    Level.INFO: "\x1b[32m",
    Level.DEBUG: "\x1b[34m",
    Level.TRACE: "\x1b[35m",
}
_RESET = "\x1b[0m"


@dataclass(slots=True, kw_only=True)
class LogEntry:
    """One captured entry; `timestamp` is seconds since the epoch."""

    timestamp: float
    level: Level
    message: str
    module: str | None = None
    metadata: Any = None


def format_line(entry: LogEntry, *, colored: bool = False) -> str:
    """`YYYY-MM-DD HH:MM:SS.mmm LEVEL [module] message`, metadata appended as JSON."""
    when = datetime.fromtimestamp(entry.timestamp)
    stamp = when.strftime("%Y-%m-%d %H:%M:%S") + f".{when.microsecond // 1000:03d}"
    level = f"{entry.level.name:<5}"
    if colored:
        level = f"{_COLOURS.get(entry.level, '')}{level}{_RESET}"
    module = f" [{entry.module}]" if entry.module else ""
    extra = ""
    if entry.metadata is not None:
        extra = " " + json.dumps(entry.metadata, default=str, ensure_ascii=False)
    return f"{stamp} {level}{module} {entry.message}{extra}"


class DebugLog:
    """Levelled, filtered, captured script logging plus timers and memory figures."""

    def __init__(
        self,
        level: str | int = "info",
        *,
        enabled: bool = True,
        sink: Sink | None = None,
        colored: bool = False,
        buffer_size: int = 10000,
        file: Path | None = None,
        file_append: bool = True,
        max_timers: int = 1000,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        parsed = parse_level(level)
        if parsed is None:
            raise ValidationError(f"Unknown debug level {level!r}. Use one of: {LEVEL_CHOICES}.")
        self._level = parsed
        self.enabled = enabled
        self.colored = colored
        self.filters = ModuleFilter()
        self.performance = PerformanceTracker(max_timers=max_timers)
        self._sink = sink
        self._clock = wall_clock
        self._buffer: deque[LogEntry] | None = (
            deque(maxlen=buffer_size) if buffer_size > 0 else None
        )
        self._file: TextIO | None = None
        if file is not None:
            file.parent.mkdir(parents=True, exist_ok=True)
            self._file = file.open("a" if file_append else "w", encoding="utf-8", buffering=1)
        self._collections = 0
        self._lock = threading.Lock()

    @property
    def level(self) -> Level:
        return self._level

    def set_level(self, value: object) -> bool:
        """Set the level from a name or number; False (and no change) if it names none."""
        parsed = parse_level(value)
        if parsed is None:
            return False
        self._level = parsed
        return True

    def is_enabled_for(self, level: Level, module: str | None = None) -> bool:
        """Whether an entry at `level` from `module` would be shown and captured."""
        return (
            self.enabled
            and level is not Level.OFF
            and level <= self._level
            and self.filters.allows(module)
        )

    def log(
        self, level: Level, message: str, module: str | None = None, metadata: Any = None
    ) -> bool:
        """Record an entry if level and filters allow it; True if it was recorded."""
        if not self.is_enabled_for(level, module):
            return False
        entry = LogEntry(
            timestamp=self._clock(), level=level, message=message, module=module, metadata=metadata
        )
        with self._lock:
            if self._buffer is not None:
                self._buffer.append(entry)
            if self._sink is not None:
                self._sink(format_line(entry, colored=self.colored) + "\n")
            if self._file is not None:
                self._file.write(format_line(entry) + "\n")
        return True

    def entries(self, limit: int | None = None) -> list[LogEntry]:
        """Captured entries, oldest first; with `limit`, only the newest `limit` of them."""
        with self._lock:
            items = list(self._buffer or ())
        if limit is None:
            return items
        return items[-limit:] if limit > 0 else []

    def clear_captured(self) -> None:
        with self._lock:
            if self._buffer is not None:
                self._buffer.clear()

    def start_timer(self, name: str, *, memory_probe: MemoryProbe | None = None) -> Timer:
        return self.performance.start(name, memory_probe=memory_probe)

    def memory_stats(self, source: MemorySource) -> MemoryStats:
        used = int(source.memory_used())
        return MemoryStats(
            used_bytes=used,
            allocated_bytes=used,
            resident_bytes=process_resident_bytes(),
            collections=self._collections,
        )

    def collect_garbage(self, source: MemorySource) -> None:
        """Ask the engine for a full collection and count it."""
        source.collect_garbage()
        self._collections += 1

    def close(self) -> None:
        """Close the log file, if any; logging afterwards still captures and prints."""
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None

    def __enter__(self) -> DebugLog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
