import json
import re
import time

import pytest

from llmspell.bridge.globals.base import ScriptObject, script_methods
from llmspell.bridge.globals.debug import DebugGlobal
from llmspell.core.errors import ValidationError
from llmspell.diagnostics import DebugLog


class FakeHost:
    """A ScriptHost with a fixed stack and a memory counter."""

    def __init__(self, frames=None):
        self.frames = frames or []
        self.memory = 2048
        self.collected = 0
        self.asked: list[tuple[int, bool]] = []

    def write_stdout(self, text):
        pass

    def write_stderr(self, text):
        pass

    def stack_frames(self, max_depth=50, *, with_locals=False):
        self.asked.append((max_depth, with_locals))
        frames = [dict(f) for f in self.frames[:max_depth]]
        if not with_locals:
            for f in frames:
                f.pop("locals", None)
        return frames

    def memory_used(self):
        self.memory += 512
        return self.memory

    def memory_limit(self):
        return None

    def collect_garbage(self):
        self.collected += 1


@pytest.fixture
def out():
    return []


@pytest.fixture
def debug(out):
    return DebugGlobal(DebugLog("info", sink=out.append), FakeHost())


REFERENCE_FUNCTIONS = [
    "log",
    "trace",
    "debug",
    "info",
    "warn",
    "error",
    "logWithData",
    "timer",
    "setLevel",
    "getLevel",
    "setEnabled",
    "isEnabled",
    "addModuleFilter",
    "clearModuleFilters",
    "removeModuleFilter",
    "setDefaultFilterEnabled",
    "addAdvancedFilter",
    "getFilterSummary",
    "getCapturedEntries",
    "clearCaptured",
    "dump",
    "dumpCompact",
    "dumpVerbose",
    "dumpWithOptions",
    "performanceReport",
    "jsonReport",
    "flameGraph",
    "memoryStats",
    "memorySnapshot",
    "recordEvent",
    "stackTrace",
    "stackTraceJson",
]


def test_every_reference_function_is_script_visible():
    assert set(REFERENCE_FUNCTIONS) <= set(script_methods(DebugGlobal))
    assert DebugGlobal.name == "Debug"


def test_levels_gate_output_and_capture(debug, out):
    debug.info("hello", "app")
    debug.debug("not at info")
    assert debug.setLevel("debug") is True
    debug.debug("now visible")
    debug.trace("still hidden")
    entries = debug.getCapturedEntries()
    assert [(e["level"], e["message"]) for e in entries] == [
        ("info", "hello"),
        ("debug", "now visible"),
    ]
    assert entries[0]["module"] == "app" and "module" not in entries[1]
    assert isinstance(entries[0]["timestamp"], float)
    assert len(out) == 2 and re.search(r" INFO  \[app\] hello$", out[0].rstrip("\n"))


def test_set_level_with_an_unknown_name_returns_false(debug):
    assert debug.setLevel("loud") is False
    assert debug.getLevel() == "info"
    assert debug.setLevel("WARNING") is True
    assert debug.getLevel() == "warn"


def test_log_with_an_unknown_level_raises_naming_the_choices(debug):
    with pytest.raises(ValidationError, match=r"'loud'.*off\|none\|0.*trace\|5"):
        debug.log("loud", "x")
    debug.log("error", "by name")
    debug.log(2, "by number")
    assert [e["level"] for e in debug.getCapturedEntries()] == ["error", "warn"]


def test_non_string_messages_are_rendered(debug):
    debug.info({"k": [1, 2]})
    debug.info(42)
    debug.info(None)
    assert [e["message"] for e in debug.getCapturedEntries()] == ["{k = [1, 2]}", "42", "nil"]


def test_log_with_data_keeps_metadata(debug, out):
    debug.logWithData("warn", "slow", {"ms": 1200}, "db")
    entry = debug.getCapturedEntries(1)[0]
    assert entry["metadata"] == {"ms": 1200} and entry["module"] == "db"
    assert out[0].rstrip().endswith('[db] slow {"ms": 1200}')


def test_enabled_flag(debug, out):
    debug.setEnabled(False)
    assert debug.isEnabled() is False
    debug.error("dropped")
    debug.setEnabled(True)
    assert debug.isEnabled() is True
    assert out == []


def test_module_filters_silence_modules(debug, out):
    debug.addModuleFilter("noisy", False)
    debug.info("hidden", "noisy.deep")
    debug.info("shown", "calm")
    assert len(out) == 1 and "shown" in out[0]
    assert debug.removeModuleFilter("noisy") is True
    assert debug.removeModuleFilter("noisy") is False
    debug.setDefaultFilterEnabled(False)
    assert debug.addAdvancedFilter("^calm$", "regex", True) is True
    assert debug.addAdvancedFilter("x", "fuzzy", True) is False
    debug.info("kept", "calm")
    debug.info("gone", "other")
    assert [e["message"] for e in debug.getCapturedEntries()] == ["shown", "kept"]
    assert debug.getFilterSummary() == {
        "default_enabled": False,
        "total_rules": 1,
        "rules": [{"pattern": "^calm$", "pattern_type": "regex", "enabled": True}],
    }
    debug.clearModuleFilters()
    assert debug.getFilterSummary()["total_rules"] == 0


def test_captured_entries_limit_and_clear(debug):
    for i in range(4):
        debug.info(f"m{i}")
    assert [e["message"] for e in debug.getCapturedEntries(2)] == ["m2", "m3"]
    assert [e["message"] for e in debug.getCapturedEntries(2.0)] == ["m2", "m3"]
    with pytest.raises(ValidationError, match="limit must be a whole number"):
        debug.getCapturedEntries("two")
    debug.clearCaptured()
    assert debug.getCapturedEntries() == []


def test_timer_object(debug):
    timer = debug.timer("fetch")
    assert isinstance(timer, ScriptObject)
    fields = timer.script_fields()
    assert fields["name"] == "fetch" and fields["id"].startswith("timer_")
    assert {"stop", "lap", "elapsed"} <= set(script_methods(type(timer)))
    first = timer.elapsed()
    time.sleep(0.02)
    assert timer.lap("half") is True
    assert timer.elapsed() > first
    ms = timer.stop()
    assert isinstance(ms, float) and ms > 0 and ms >= 20.0
    assert timer.stop() is None
    assert timer.lap("late") is False


def test_reports_and_events(debug):
    outer = debug.timer("outer")
    inner = debug.timer("inner")
    assert debug.recordEvent(inner.script_fields()["id"], "cache-miss", {"key": "a"}) is True
    assert debug.recordEvent(inner, "by object") is True
    assert debug.recordEvent("timer_nope", "x") is False
    time.sleep(0.002)
    inner.stop()
    outer.stop()
    assert "cache-miss" in debug.performanceReport()
    doc = json.loads(debug.jsonReport())
    assert doc["summary"]["inner"]["count"] == 1
    for line in debug.flameGraph().splitlines():
        stack, count = line.rsplit(" ", 1)
        assert stack in {"outer", "outer;inner"} and int(count) >= 0


def test_dumps_return_strings(debug, out):
    value = {"a": 1, "b": {"c": "x"}}
    assert debug.dump(value).startswith("{ (table, 2 pairs)\n")
    assert debug.dump(value, "cfg").startswith("cfg: {")
    assert debug.dumpCompact(value) == '{a = 1, b = {c = "x"}}'
    assert debug.dumpVerbose(value).splitlines()[1] == "    a = 1 (integer),"
    text = debug.dumpWithOptions(value, {"max_depth": 1, "show_types": False, "indent_size": 1})
    assert text.splitlines() == ["{", " a = 1,", " b = {...},", "}"]
    assert (
        debug.dumpWithOptions([1], {"compact_mode": True}, "n")
        == "n: [1 (integer)] (array, 1 elements)"
    )
    with pytest.raises(ValidationError, match="max_depth"):
        debug.dumpWithOptions(value, {"max_depth": "deep"})
    assert out == []


def test_memory_stats_and_snapshot(debug):
    stats = debug.memoryStats()
    assert set(stats) == {"used_bytes", "allocated_bytes", "resident_bytes", "collections"}
    assert all(type(v) is int for v in stats.values())
    assert stats["used_bytes"] > 0 and stats["resident_bytes"] > 0
    t = debug.timer("grow")
    t.stop()
    snap = debug.memorySnapshot()
    assert snap["active_trackers"] == 0
    assert snap["tracker_memory_usage"]["grow"]["delta_bytes"] == 512
    assert snap["total_memory_delta_bytes"] == 512


FRAMES = [
    {"function": "helper", "source": "spell.lua", "line": 4, "locals": {"n": 2}},
    {"function": "main", "source": "spell.lua", "line": 12, "locals": {}},
]


def test_stack_trace_renders_the_host_frames():
    host = FakeHost(FRAMES)
    debug = DebugGlobal(DebugLog(), host)
    assert debug.stackTrace().splitlines() == [
        "Stack trace (2 frames):",
        "  #0 helper (spell.lua:4)",
        "  #1 main (spell.lua:12)",
    ]
    text = debug.stackTrace({"max_depth": 1, "capture_locals": True})
    assert text.splitlines() == [
        "Stack trace (1 frame):",
        "  #0 helper (spell.lua:4)",
        "       n = 2",
    ]
    assert host.asked[-1] == (1, True)
    doc = json.loads(debug.stackTraceJson({"include_source": False}))
    assert [f["function"] for f in doc["frames"]] == ["helper", "main"]
    assert "source" not in doc["frames"][0]
    with pytest.raises(ValidationError, match="must be a table"):
        debug.stackTrace("deep")


def test_trace_level_captures_locals_by_default():
    host = FakeHost(FRAMES)
    debug = DebugGlobal(DebugLog("trace"), host)
    assert "n = 2" in debug.stackTrace()


def test_two_globals_share_nothing():
    a = DebugGlobal(DebugLog(), FakeHost())
    b = DebugGlobal(DebugLog(), FakeHost())
    a.setLevel("trace")
    a.info("only in a")
    assert b.getLevel() == "info" and b.getCapturedEntries() == []
