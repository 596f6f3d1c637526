"""`Debug`: levelled logging, timers, filters, dumps, reports and stack traces for scripts."""

from __future__ import annotations

import dataclasses
from typing import Any

from llmspell.bridge.globals.base import ScriptGlobal, ScriptHost, ScriptObject, script_type
from llmspell.core import ValidationError
from llmspell.diagnostics import (
    LEVEL_CHOICES,
    DebugLog,
    DumpOptions,
    Level,
    StackOptions,
    Timer,
    dump,
    dump_compact,
    dump_verbose,
    flame_graph,
    format_stack,
    frames_from,
    json_report,
    parse_level,
    performance_report,
    stack_json,
    to_text,
)


class DebugTimer(ScriptObject):
    """What `Debug.timer(name)` returns: fields `id`, `name`; methods stop, lap, elapsed."""

    def __init__(self, timer: Timer) -> None:
        self._timer = timer

    def script_fields(self) -> dict[str, Any]:
        return {"id": self._timer.id, "name": self._timer.name}

    def stop(self) -> float | None:
        return self._timer.stop()

    def lap(self, name: Any = None) -> bool:
        return self._timer.lap(_text_or(name, f"lap {len(self._timer.laps) + 1}"))

    def elapsed(self) -> float:
        return self._timer.elapsed()


class DebugGlobal(ScriptGlobal):
    name = "Debug"

    def __init__(self, log: DebugLog, host: ScriptHost) -> None:
        self._log = log
        self._host = host

    def log(self, level: Any, message: Any, module: Any = None) -> None:
        self._log.log(_level(level), to_text(message), _module(module))

    def trace(self, message: Any, module: Any = None) -> None:
        self._log.log(Level.TRACE, to_text(message), _module(module))

    def debug(self, message: Any, module: Any = None) -> None:
        self._log.log(Level.DEBUG, to_text(message), _module(module))

    def info(self, message: Any, module: Any = None) -> None:
        self._log.log(Level.INFO, to_text(message), _module(module))

    def warn(self, message: Any, module: Any = None) -> None:
        self._log.log(Level.WARN, to_text(message), _module(module))

    def error(self, message: Any, module: Any = None) -> None:
        self._log.log(Level.ERROR, to_text(message), _module(module))

    def logWithData(self, level: Any, message: Any, data: Any = None, module: Any = None) -> None:
        self._log.log(_level(level), to_text(message), _module(module), data)

    def timer(self, name: Any = None) -> DebugTimer:
        timer = self._log.start_timer(_text_or(name, "timer"), memory_probe=self._host.memory_used)
        return DebugTimer(timer)

    def setLevel(self, level: Any) -> bool:
        return self._log.set_level(level)

    def getLevel(self) -> str:
        return self._log.level.label

    def setEnabled(self, enabled: Any) -> None:
        self._log.enabled = _truthy(enabled)

    def isEnabled(self) -> bool:
        return self._log.enabled

    def addModuleFilter(self, pattern: str, enabled: Any = True) -> None:
        self._log.filters.add(_string(pattern, "pattern"), _truthy(enabled))

    def clearModuleFilters(self) -> None:
        self._log.filters.clear()

    def removeModuleFilter(self, pattern: str) -> bool:
        return self._log.filters.remove(_string(pattern, "pattern"))

    def setDefaultFilterEnabled(self, enabled: Any) -> None:
        self._log.filters.default_enabled = _truthy(enabled)

    def addAdvancedFilter(self, pattern: str, pattern_type: str, enabled: Any = True) -> bool:
        return self._log.filters.add_rule(
            _string(pattern, "pattern"), str(pattern_type), _truthy(enabled)
        )

    def getFilterSummary(self) -> dict[str, Any]:
        s = self._log.filters.summary()
        rules = [
            {"pattern": r.pattern, "pattern_type": r.pattern_type, "enabled": r.enabled}
            for r in s.rules
        ]
        return {"default_enabled": s.default_enabled, "total_rules": s.total_rules, "rules": rules}

    def getCapturedEntries(self, limit: Any = None) -> list[dict[str, Any]]:
        entries = self._log.entries(None if limit is None else _int(limit, "limit"))
        out = []
        for e in entries:
            item: dict[str, Any] = {
                "timestamp": e.timestamp,
                "level": e.level.label,
                "message": e.message,
            }
            if e.module is not None:
                item["module"] = e.module
            if e.metadata is not None:
                item["metadata"] = e.metadata
            out.append(item)
        return out

    def clearCaptured(self) -> None:
        self._log.clear_captured()

    def dump(self, value: Any = None, label: Any = None) -> str:
        return dump(value, label=_label(label))

    def dumpCompact(self, value: Any = None, label: Any = None) -> str:
        return dump_compact(value, label=_label(label))

    def dumpVerbose(self, value: Any = None, label: Any = None) -> str:
        return dump_verbose(value, label=_label(label))

    def dumpWithOptions(self, value: Any = None, opts: Any = None, label: Any = None) -> str:
        return dump(value, _dump_options(opts), label=_label(label))

    def performanceReport(self) -> str:
        return performance_report(self._log.performance)

    def jsonReport(self) -> str:
        return json_report(self._log.performance)

    def flameGraph(self) -> str:
        return flame_graph(self._log.performance)

    def memoryStats(self) -> dict[str, int]:
        return dataclasses.asdict(self._log.memory_stats(self._host))

    def memorySnapshot(self) -> dict[str, Any]:
        snap = dataclasses.asdict(self._log.performance.memory_snapshot())
        usage = snap["tracker_memory_usage"]
        snap["tracker_memory_usage"] = {
            name: {k: v for k, v in info.items() if v is not None} for name, info in usage.items()
        }
        return {k: v for k, v in snap.items() if v is not None}

    def recordEvent(self, timer_id: Any, name: Any, metadata: Any = None) -> bool:
        tid = timer_id._timer.id if isinstance(timer_id, DebugTimer) else to_text(timer_id)
        return self._log.performance.record_event(tid, to_text(name), metadata)

    def stackTrace(self, opts: Any = None) -> str:
        options = self._stack_options(opts)
        return format_stack(self._frames(options), options)

    def stackTraceJson(self, opts: Any = None) -> str:
        options = self._stack_options(opts)
        return stack_json(self._frames(options), options)

    def _stack_options(self, opts: Any) -> StackOptions:
        if opts is None:
            return StackOptions.for_level(self._log.level)
        if not isinstance(opts, dict):
            raise ValidationError(
                f"Debug.stackTrace options must be a table, got {script_type(opts)}; "
                "accepted keys: max_depth, capture_locals, include_source."
            )
        base = StackOptions()
        return StackOptions(
            max_depth=_int(opts.get("max_depth", base.max_depth), "max_depth"),
            capture_locals=_truthy(opts.get("capture_locals", base.capture_locals)),
            include_source=_truthy(opts.get("include_source", base.include_source)),
        )

    def _frames(self, options: StackOptions) -> list[Any]:
        raw = self._host.stack_frames(options.max_depth, with_locals=options.capture_locals)
        return frames_from(raw, options)


def _level(value: Any) -> Level:
    level = parse_level(value)
    if level is None:
        raise ValidationError(f"Unknown log level {value!r}. Use one of: {LEVEL_CHOICES}.")
    return level


def _module(value: Any) -> str | None:
    return None if value is None else to_text(value)


def _label(value: Any) -> str | None:
    return None if value is None else to_text(value)


def _text_or(value: Any, default: str) -> str:
    return default if value is None else to_text(value)


def _truthy(value: Any) -> bool:
    """Lua truthiness: only nil and false are false."""
    return value is not None and value is not False


def _string(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"{what} must be a string, got {script_type(value)}.")
    return value


def _int(value: Any, what: str) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError(f"{what} must be a whole number, got {script_type(value)}.")
    return value


def _dump_options(opts: Any) -> DumpOptions:
    if opts is None:
        return DumpOptions()
    if not isinstance(opts, dict):
        raise ValidationError(
            f"Debug.dumpWithOptions options must be a table, got {script_type(opts)}; "
            "accepted keys: max_depth, indent_size, max_string_length, max_array_elements, "
            "max_table_pairs, show_types, show_addresses, compact_mode."
        )
    ints = {"max_depth": "max_depth", "indent_size": "indent_size"}
    ints |= {"max_string_length": "max_string_length", "max_array_elements": "max_items"}
    ints |= {"max_table_pairs": "max_items"}
    changes: dict[str, Any] = {f: _int(opts[k], k) for k, f in ints.items() if k in opts}
    for key, field in (("show_types", "show_types"), ("compact_mode", "compact")):
        if key in opts:
            changes[field] = _truthy(opts[key])
    return dataclasses.replace(DumpOptions(), **changes)
