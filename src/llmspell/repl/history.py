"""The REPL's input history: one line per entry, kept in a size-limited file between sessions."""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger("llmspell.repl")

#: Entries kept in the history file.
MAX_ENTRIES = 1000


class History:
    """Lines typed in this and earlier sessions; `path` None keeps them in memory only."""

    def __init__(self, path: Path | None = None, *, max_entries: int = MAX_ENTRIES) -> None:
        self.path = path
        self.max_entries = max_entries
        self.entries: list[str] = []

    @classmethod
    def open(cls, path: Path | None, *, max_entries: int = MAX_ENTRIES) -> History:
        """A history with the file's earlier entries loaded (a missing file is an empty one)."""
        history = cls(path, max_entries=max_entries)
        history.load()
        return history

    def load(self) -> None:
        if self.path is None:
            return
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return
        except OSError as exc:
            log.warning("cannot read REPL history %s: %s", self.path, exc.strerror)
            return
        lines = [line for line in text.splitlines() if line.strip()]
        self.entries = lines[-self.max_entries :]

    def add(self, line: str) -> None:
        """Remember a typed line; blank lines and immediate repeats are skipped."""
        line = line.rstrip("\r\n")
        if not line.strip() or (self.entries and self.entries[-1] == line):
            return
        self.entries.append(line)

    def recent(self, count: int = 20) -> list[tuple[int, str]]:
        """The last `count` entries with their 1-based numbers."""
        start = max(0, len(self.entries) - count)
        return [(i + 1, line) for i, line in enumerate(self.entries[start:], start)]

    def save(self) -> None:
        """Write the newest `max_entries` lines, owner-only (inputs may hold API keys)."""
        if self.path is None:
            return
        kept = self.entries[-self.max_entries :]
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.writelines(f"{line}\n" for line in kept)
        except OSError as exc:
            log.warning("cannot write REPL history %s: %s", self.path, exc.strerror)
