"""file_watcher: watch files or folders for a bounded time and report what changed."""

from __future__ import annotations

import fnmatch
import os
import time
from pathlib import Path
from typing import Any, Literal, NamedTuple

from pydantic import AliasChoices, Field

from llmspell.core.errors import ToolExecutionError, ToolParameterError
from llmspell.tools.base import Tool, ToolParams, ToolResult
from llmspell.tools.context import ToolContext
from llmspell.tools.fs._shared import checked, depth_limit, envelope, iso, str_list

MAX_SECONDS = 300.0
DEFAULT_SECONDS = 10.0
MAX_WATCHED_ENTRIES = 50_000


class Params(ToolParams):
    operation: Literal["watch", "config"] = Field(
        "watch", description="watch: collect events; config: show the limits"
    )
    input: str | list[str] | None = Field(
        None,
        validation_alias=AliasChoices("input", "paths", "path"),
        description="the file(s) or folder(s) to watch",
    )
    recursive: bool = Field(True, description="watch sub-folders too")
    pattern: str | None = Field(
        None,
        validation_alias=AliasChoices("pattern", "glob"),
        description="only paths whose name or relative path matches this glob",
    )
    duration_seconds: float | None = Field(
        None,
        gt=0,
        validation_alias=AliasChoices("duration_seconds", "timeout_seconds", "timeout", "duration"),
        description=f"how long to watch (default {DEFAULT_SECONDS:g} s; capped by the tool "
        f"timeout `tools.timeout_seconds` and {MAX_SECONDS:g} s)",
    )
    timeout_ms: int | None = Field(None, gt=0, description="how long to watch, in milliseconds")
    max_events: int = Field(1000, ge=1, le=100_000, description="stop after this many events")
    poll_interval_ms: int = Field(
        100,
        ge=10,
        le=10_000,
        validation_alias=AliasChoices("poll_interval_ms", "debounce_ms"),
        description="how often to look, in milliseconds",
    )


class Entry(NamedTuple):
    inode: tuple[int, int]
    mtime_ns: int
    size: int
    is_dir: bool


class FileWatcher(Tool[Params]):
    name = "file_watcher"
    category = "filesystem"
    description = (
        "Watch files or folders for a bounded time and report created, modified, deleted and "
        "moved paths."
    )
    security_level = "restricted"
    tags = ("watch", "monitor", "file", "events")
    Params = Params
    example = {"operation": "watch", "input": ["{tmp}"], "duration_seconds": 0.2}
    result_keys = {
        "watch": "events[{event_type, type, path, old_path, timestamp, time, is_dir}], "
        "event_count, paths, duration_seconds, truncated",
        "config": "max_events, default_timeout, max_timeout, poll_interval_ms",
    }
    security_notes = (
        "Watched paths resolve inside `tools.file_operations.allowed_paths`; linked folders are "
        "not followed; the watch never outlasts `tools.timeout_seconds` or 300 s, and "
        "recursion stops at `tools.file_operations.max_depth`."
    )

    def run(self, params: Params, ctx: ToolContext) -> ToolResult:
        ceiling = min(MAX_SECONDS, ctx.timeout)
        if params.operation == "config":
            limits = {
                "max_events": 100_000,
                "default_timeout": min(DEFAULT_SECONDS, ceiling),
                "max_timeout": ceiling,
                "poll_interval_ms": params.poll_interval_ms,
            }
            return envelope("config", "File watcher configuration", limits)
        raw = str_list(params.input)
        if not raw:
            raise ToolParameterError(f"Tool '{self.name}': parameter 'input' (paths) is required")
        roots = [checked(ctx, p, "r") for p in raw]
        wanted = params.timeout_ms / 1000 if params.timeout_ms else params.duration_seconds
        window = min(wanted or DEFAULT_SECONDS, ceiling)
        limit = depth_limit(ctx, None) if params.recursive else 0
        old = self._snapshot(roots, limit, params.pattern)
        events: list[dict[str, Any]] = []
        started = time.monotonic()
        while len(events) < params.max_events:
            left = window - (time.monotonic() - started)
            if left <= 0:
                break
            time.sleep(min(params.poll_interval_ms / 1000, left))
            new = self._snapshot(roots, limit, params.pattern)
            events.extend(_diff(old, new))
            old = new
        truncated = len(events) > params.max_events
        events = events[: params.max_events]
        result = {
            "events": events,
            "event_count": len(events),
            "paths": raw,
            "duration_seconds": round(time.monotonic() - started, 3),
            "truncated": truncated,
        }
        return envelope("watch", f"Captured {len(events)} file events", result)

    @staticmethod
    def _snapshot(roots: list[Path], limit: int | None, pattern: str | None) -> dict[str, Entry]:
        """Every entry under the roots (links not followed), keyed by path."""
        seen: dict[str, Entry] = {}

        def add(path: Path, root: Path) -> None:
            try:
                info = path.lstat()
            except FileNotFoundError:
                return
            rel = str(path.relative_to(root)) if path != root else path.name
            if pattern and not (
                fnmatch.fnmatch(path.name, pattern) or fnmatch.fnmatch(rel, pattern)
            ):
                return
            is_dir = os.path.isdir(path) and not path.is_symlink()
            seen[str(path)] = Entry(
                (info.st_dev, info.st_ino), info.st_mtime_ns, info.st_size, is_dir
            )
            if len(seen) > MAX_WATCHED_ENTRIES:
                raise ToolExecutionError(
                    f"more than {MAX_WATCHED_ENTRIES:,} entries to watch; watch a smaller folder "
                    "or pass recursive=false"
                )

        for root in roots:
            if not root.is_dir():
                add(root, root.parent)
                continue
            for folder, dirs, files in os.walk(root):
                here = Path(folder)
                for name in [*dirs, *files]:
                    add(here / name, root)
                deeper = limit is None or len(here.relative_to(root).parts) < limit
                dirs[:] = [d for d in dirs if deeper and not (here / d).is_symlink()]
        return seen


def _diff(old: dict[str, Entry], new: dict[str, Entry]) -> list[dict[str, Any]]:
    """Events between two snapshots; an entry that vanished and reappears elsewhere with the
    same inode, size and mtime is a move (a bare inode match may be a reused number)."""
    now = time.time()
    gone = {old[path]: path for path in old.keys() - new.keys()}
    events = []
    for path in sorted(new):
        entry, before = new[path], old.get(path)
        if before is None or (before.inode != entry.inode and entry in gone):
            source = gone.pop(entry, None)
            kind = "created" if source is None else "moved"
            events.append(_event(kind, path, entry, now, old_path=source))
        elif not entry.is_dir and before != entry:
            events.append(_event("modified", path, entry, now))
    events.extend(_event("deleted", path, old[path], now) for path in sorted(gone.values()))
    return events


def _event(kind: str, path: str, entry: Entry, when: float, old_path: str | None = None) -> dict:
    return {
        "event_type": kind,
        "type": kind,
        "path": path,
        "old_path": old_path,
        "is_dir": entry.is_dir,
        "timestamp": iso(when),
        "time": when,
    }
