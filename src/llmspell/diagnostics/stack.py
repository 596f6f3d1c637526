"""Rendering a script's stack (frames given by the engine, innermost first) as text or JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from llmspell.diagnostics.dump import COMPACT, dump, options_with
from llmspell.diagnostics.levels import Level

_LOCAL_DUMP = options_with(COMPACT, max_string_length=80)


@dataclass(slots=True, kw_only=True, frozen=True)
class StackOptions:
    """What `Debug.stackTrace(opts)` may ask for."""

    max_depth: int = 50
    capture_locals: bool = False
    include_source: bool = True

    @classmethod
    def for_level(cls, level: Level) -> StackOptions:
        """The default when a script passes no options: locals only at trace level."""
        return cls(capture_locals=level is Level.TRACE)


@dataclass(slots=True, kw_only=True)
class Frame:
    function: str
    source: str | None = None
    line: int | None = None
    locals: dict[str, Any] | None = None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Frame:
        """A frame from the engine's `{function, source, line, locals?}` dict."""
        line = data.get("line")
        local_values = data.get("locals")
        return cls(
            function=str(data.get("function") or "?"),
            source=str(data["source"]) if data.get("source") else None,
            line=int(line) if isinstance(line, int | float) and line >= 0 else None,
            locals=dict(local_values) if isinstance(local_values, Mapping) else None,
        )


def frames_from(raw: Iterable[Mapping[str, Any]], options: StackOptions) -> list[Frame]:
    """Frames as given by the engine, capped at `max_depth`; locals kept only when asked."""
    frames = [Frame.from_mapping(f) for f in list(raw)[: max(options.max_depth, 0)]]
    if not options.capture_locals:
        for frame in frames:
            frame.locals = None
    return frames


def format_stack(frames: list[Frame], options: StackOptions) -> str:
    """`Stack trace (N frames):` then `#i function (source:line)` and locals, innermost first."""
    lines = [f"Stack trace ({len(frames)} frame{'s' if len(frames) != 1 else ''}):"]
    for index, frame in enumerate(frames):
        where = ""
        if options.include_source and frame.source:
            line = f":{frame.line}" if frame.line is not None else ""
            where = f" ({frame.source}{line})"
        lines.append(f"  #{index} {frame.function}{where}")
        for name, value in (frame.locals or {}).items():
            lines.append(f"       {name} = {dump(value, _LOCAL_DUMP)}")
    return "\n".join(lines)


def stack_json(frames: list[Frame], options: StackOptions) -> str:
    """The same trace as one JSON document: `{frames: [...], depth, max_depth_reached}`."""
    items = []
    for index, frame in enumerate(frames):
        item: dict[str, Any] = {"index": index, "function": frame.function}
        if options.include_source:
            item["source"] = frame.source
            item["line"] = frame.line
        if frame.locals is not None:
            item["locals"] = frame.locals
        items.append(item)
    doc = {
        "frames": items,
        "depth": len(frames),
        "max_depth_reached": len(frames) >= options.max_depth,
    }
    return json.dumps(doc, default=str, ensure_ascii=False)
