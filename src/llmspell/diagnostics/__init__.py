"""Engine-agnostic debugging: levelled script logging, timers, reports, dumps, stack traces."""

from llmspell.diagnostics.dump import DumpOptions, dump, dump_compact, dump_verbose, to_text
from llmspell.diagnostics.filters import FilterRule, FilterSummary, ModuleFilter, PatternType
from llmspell.diagnostics.levels import LEVEL_CHOICES, Level, parse_level
from llmspell.diagnostics.log import DebugLog, LogEntry, format_line
from llmspell.diagnostics.memory import MemorySource, MemoryStats
from llmspell.diagnostics.reports import flame_graph, json_report, performance_report
from llmspell.diagnostics.stack import Frame, StackOptions, format_stack, frames_from, stack_json
from llmspell.diagnostics.timing import MemorySnapshot, PerformanceTracker, Timer

__all__ = [
    "LEVEL_CHOICES",
    "DebugLog",
    "DumpOptions",
    "FilterRule",
    "FilterSummary",
    "Frame",
    "Level",
    "LogEntry",
    "MemorySnapshot",
    "MemorySource",
    "MemoryStats",
    "ModuleFilter",
    "PatternType",
    "PerformanceTracker",
    "StackOptions",
    "Timer",
    "dump",
    "dump_compact",
    "dump_verbose",
    "flame_graph",
    "format_line",
    "format_stack",
    "frames_from",
    "json_report",
    "parse_level",
    "performance_report",
    "stack_json",
    "to_text",
]
