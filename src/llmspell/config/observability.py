"""`[hooks]`, `[events]`, `[debug]` and `[logging]`: seeing what a spell and llmspell do."""

from __future__ import annotations

from typing import Literal

from llmspell.config.normalisers import byte_size, comma_list, http_url
from llmspell.config.section import Field, Section

LogLevel = Literal["off", "error", "warn", "info", "debug", "trace"]
OutputFormat = Literal["text", "json"]

LOG_LEVEL_SYNONYMS = {"none": "off", "warning": "warn", "err": "error"}


class HooksConfig(Section):
    """`[hooks]`: the hook system (hooks registered from spells and built-in ones)."""

    enabled: bool = Field(default=True, description="false stops every hook from running.")
    rate_limit_per_minute: int | None = Field(
        default=None,
        gt=0,
        description="Tool and agent calls per minute, counted together; a built-in hook "
        "cancels the calls over it. Unset: no limit.",
    )
    cost_budget_usd: float | None = Field(
        default=None,
        ge=0,
        description="Most a runtime may spend on model calls (USD, summed from agent calls); "
        "once spent, a built-in hook cancels further model calls. Unset: no budget.",
        example="5.0",
    )
    log_calls: bool = Field(
        default=False,
        description="Log each tool, agent, model and workflow hook point at info level "
        "(API-key-looking strings masked).",
    )
    cache_responses: bool = Field(
        default=False,
        description="Answer a model request identical to an earlier one (provider, model, "
        "messages, temperature, max_tokens, tools) from an in-memory cache; errors are never "
        "cached.",
    )
    cache_ttl_seconds: float = Field(
        default=300, gt=0, description="How long a cached model answer stays fresh."
    )
    cache_max_entries: int = Field(
        default=1000, gt=0, description="Most cached answers kept (least recently used dropped)."
    )
    circuit_breaker_failures: int = Field(
        default=0,
        ge=0,
        description="Consecutive failed calls to one provider/model after which a built-in "
        "hook refuses further calls to it for `circuit_breaker_reset_seconds`. 0: off.",
    )
    circuit_breaker_reset_seconds: float = Field(
        default=30,
        gt=0,
        description="How long an open circuit breaker refuses calls before one trial call.",
    )
    timeout_ms: int = Field(
        default=5000,
        gt=0,
        description="A hook call longer than this is reported (a warning and "
        "PerformanceThresholdExceeded) and counts against `circuit_breaker_threshold`.",
    )
    circuit_breaker_threshold: float = Field(
        default=0.01,
        ge=0,
        le=1,
        description="A hook registered by a spell is switched off once at least 3 of its calls "
        "failed or ran over `timeout_ms` and those are more than this fraction of its calls.",
    )
    resource_warning_fraction: float = Field(
        default=0.8,
        gt=0,
        le=1,
        description="Share of a spell's time or Lua memory limit at which the CpuUsageHigh or "
        "MemoryUsageHigh hook point fires (each at most once per run), before the limit stops "
        "the spell.",
    )


class EventsFilteringConfig(Section):
    """`[events.filtering]`: which events are published (glob patterns)."""

    include_types: list[str] = Field(
        default=["*"], before=comma_list, description="Event types kept."
    )
    exclude_types: list[str] = Field(
        default=[], before=comma_list, description="Event types dropped."
    )
    include_components: list[str] = Field(
        default=["*"], before=comma_list, description="Components whose events are kept."
    )
    exclude_components: list[str] = Field(
        default=[], before=comma_list, description="Components whose events are dropped."
    )


class EventsExportConfig(Section):
    """`[events.export]`: copies of events sent outside the process."""

    stdout: bool = Field(
        default=False, description="Print each event as JSON on stderr's log stream."
    )
    file: str | None = Field(
        default=None,
        description="Append events as JSON lines to this file.",
        example='"events.jsonl"',
    )
    webhook: str | None = Field(
        default=None,
        check=http_url,
        description="POST each event to this http(s) URL.",
        example='"https://example.com/hooks/llmspell"',
    )
    pretty_json: bool = Field(default=False, description="Indent exported JSON.")


class EventsConfig(Section):
    """`[events]`: the event bus behind the `Event` global."""

    enabled: bool = Field(default=True, description="false turns the event bus off.")
    buffer_size: int = Field(default=10_000, gt=0, description="Events queued per subscriber.")
    emit_timing_events: bool = Field(default=True, description="Publish timing events.")
    emit_state_events: bool = Field(
        default=False, description="Publish an event for each state change."
    )
    emit_debug_events: bool = Field(default=False, description="Publish debug events.")
    max_events_per_second: int | None = Field(
        default=None, gt=0, description="Publish rate limit; unset: no limit."
    )
    filtering: EventsFilteringConfig = Field(
        default_factory=EventsFilteringConfig, description="Filters."
    )
    export: EventsExportConfig = Field(default_factory=EventsExportConfig, description="Export.")
    persist: bool = Field(
        default=False, description="Also store every event in the State store (scope `event`)."
    )


class DebugFileConfig(Section):
    """`[debug.output.file]`: also write debug output to a file."""

    path: str = Field(description="File to write.")
    append: bool = Field(default=True, description="Append instead of truncating.")
    max_size: int | None = Field(
        default=None, gt=0, before=byte_size, description="Rotate past this size (bytes or '10MB')."
    )
    max_files: int | None = Field(default=None, gt=0, description="Rotated files kept.")


class DebugBufferConfig(Section):
    """`[debug.output.buffer]`: entries kept for `Debug.getCapturedEntries()`."""

    enabled: bool = Field(default=True, description="Capture debug entries in memory.")
    max_entries: int = Field(default=10_000, gt=0, description="Entries kept (oldest dropped).")


class DebugOutputConfig(Section):
    """`[debug.output]`: where `Debug.*` output goes."""

    stdout: bool = Field(default=True, description="Print debug entries on stdout.")
    colored: bool = Field(default=True, description="Colour the level (only on a terminal).")
    file: DebugFileConfig | None = Field(default=None, description="Also write to a file.")
    buffer: DebugBufferConfig = Field(
        default_factory=DebugBufferConfig, description="In-memory capture."
    )
    format: OutputFormat = Field(default="text", description="text or json.")


class ModuleFiltersConfig(Section):
    """`[debug.module_filters]`: per-module switches for debug output."""

    enabled: list[str] = Field(default=[], before=comma_list, description="Module patterns shown.")
    disabled: list[str] = Field(
        default=[], before=comma_list, description="Module patterns hidden."
    )
    levels: dict[str, LogLevel] = Field(
        default_factory=dict, description="Level per module pattern, e.g. `agent.* = 'debug'`."
    )


class DebugPerformanceConfig(Section):
    """`[debug.performance]`: timers and profiling from `Debug.timer`."""

    enabled: bool = Field(default=False, description="Record performance data.")
    auto_report_interval: int = Field(
        default=0, ge=0, description="Seconds between reports; 0: never."
    )
    include_children: bool = Field(default=True, description="Include nested timers in reports.")
    min_duration_ms: int = Field(default=1, ge=0, description="Shorter timings are not recorded.")


class StackTraceConfig(Section):
    """`[debug.stack_trace]`: Lua stack traces in debug output."""

    enabled: bool = Field(default=False, description="Attach stack traces to debug entries.")
    on_error: bool = Field(default=True, description="Attach a stack trace to error entries.")
    max_depth: int = Field(default=50, gt=0, description="Frames kept.")
    include_source: bool = Field(default=True, description="Show the source line of each frame.")


class DebugConfig(Section):
    """`[debug]`: the `Debug` global and the runtime's debug output."""

    enabled: bool = Field(
        default=False, description="Extra runtime debug output (timers, stack traces, state dumps)."
    )
    level: LogLevel = Field(
        default="info",
        values=LOG_LEVEL_SYNONYMS,
        description="Lowest `Debug.*` level shown: off, error, warn, info, debug or trace.",
    )
    output: DebugOutputConfig = Field(default_factory=DebugOutputConfig, description="Outputs.")
    module_filters: ModuleFiltersConfig = Field(
        default_factory=ModuleFiltersConfig, description="Module filters."
    )
    performance: DebugPerformanceConfig = Field(
        default_factory=DebugPerformanceConfig, description="Performance tracking."
    )
    stack_trace: StackTraceConfig = Field(
        default_factory=StackTraceConfig, description="Stack traces."
    )


class LoggingConfig(Section):
    """`[logging]`: llmspell's own log (stderr unless `file` is set); `--trace` overrides level."""

    level: LogLevel = Field(
        default="warn",
        aliases=("log_level",),
        values=LOG_LEVEL_SYNONYMS,
        description="Lowest level logged: off, error, warn, info, debug or trace.",
    )
    file: str | None = Field(
        default=None,
        aliases=("log_file",),
        description="Write the log to this file instead of stderr.",
        example='"~/.llmspell/logs/llmspell.log"',
    )
    format: OutputFormat = Field(default="text", description="text or json (one object per line).")
