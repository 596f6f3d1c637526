"""Memory figures for `Debug.memoryStats()`: the engine's own count plus the process RSS."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class MemorySource(Protocol):
    """The part of a script host that knows its memory (a `ScriptHost` is one)."""

    def memory_used(self) -> int: ...

    def collect_garbage(self) -> None: ...


@dataclass(slots=True, kw_only=True)
class MemoryStats:
    """`used_bytes` and `allocated_bytes` are the engine's live heap (its allocator keeps no
    separate reserve); `resident_bytes` is the whole process; `collections` counts the
    collections asked through the `DebugLog`."""

    used_bytes: int
    allocated_bytes: int
    resident_bytes: int
    collections: int


def process_resident_bytes() -> int:
    """Resident set size of this process in bytes (0 where psutil cannot tell)."""
    try:
        import psutil
    except ImportError:  # psutil is a dependency; this guards a broken install only
        return 0
    try:
        return int(psutil.Process().memory_info().rss)
    except psutil.Error:
        return 0
