import json
import re
import time

from llmspell.diagnostics import PerformanceTracker, flame_graph, json_report, performance_report

FOLDED = re.compile(r"^(?P<stack>[^;\n]+(?:;[^;\n]+)*) (?P<count>\d+)$")


def test_timer_elapsed_grows_and_stop_returns_duration():
    t = PerformanceTracker().start("work")
    first = t.elapsed()
    time.sleep(0.02)
    assert t.elapsed() > first
    ms = t.stop()
    assert ms is not None and ms >= 20.0
    assert t.stop() is None
    assert t.elapsed() == ms


def test_laps_and_events_only_while_running():
    tracker = PerformanceTracker()
    t = tracker.start("job")
    assert t.lap("parse") and t.lap("render")
    assert tracker.record_event(t.id, "fetched", {"n": 3})
    assert [lap.name for lap in t.laps] == ["parse", "render"]
    assert t.laps[1].at_ms >= t.laps[0].at_ms
    t.stop()
    assert not t.lap("late")
    assert not tracker.record_event(t.id, "late")
    assert not tracker.record_event("timer_999", "nobody")


def test_timer_ids_are_unique_and_looked_up():
    tracker = PerformanceTracker()
    a, b = tracker.start("a"), tracker.start("b")
    assert a.id != b.id
    assert tracker.get(b.id) is b and tracker.get("nope") is None


def test_nested_timers_fold_into_stacks():
    tracker = PerformanceTracker()
    outer = tracker.start("outer")
    inner = tracker.start("inner; odd")
    time.sleep(0.01)
    inner.stop()
    time.sleep(0.005)
    outer.stop()
    lines = flame_graph(tracker).splitlines()
    parsed = {}
    for line in lines:
        m = FOLDED.match(line)
        assert m, line
        parsed[m["stack"]] = int(m["count"])
    assert set(parsed) == {"outer", "outer;inner: odd"}
    assert parsed["outer;inner: odd"] >= 10_000
    assert parsed["outer"] >= 5_000


def test_oldest_stopped_timers_are_dropped_past_the_cap():
    tracker = PerformanceTracker(max_timers=2)
    keep = tracker.start("running")
    for name in ("x", "y", "z"):
        tracker.start(name).stop()
    names = [t.name for t in tracker.timers()]
    assert len(names) == 2 and "running" in names and keep.running


def test_reports_list_timers_laps_and_events():
    tracker = PerformanceTracker()
    t = tracker.start("load")
    t.lap("read")
    t.record_event("cache-miss", {"key": "k"})
    t.stop()
    tracker.start("load").stop()
    text = performance_report(tracker)
    assert text.startswith("Performance Report")
    assert "Timers: 2 (0 running)" in text
    assert re.search(r"^load\s+2\s", text, re.M)
    assert "lap read" in text and "event cache-miss" in text and '{"key": "k"}' in text
    doc = json.loads(json_report(tracker))
    assert doc["total_timers"] == 2 and doc["summary"]["load"]["count"] == 2
    assert doc["timers"][0]["laps"][0]["name"] == "read"
    assert doc["timers"][0]["events"][0]["metadata"] == {"key": "k"}


def test_empty_reports():
    tracker = PerformanceTracker()
    assert "No timers recorded." in performance_report(tracker)
    assert flame_graph(tracker) == ""
    assert json.loads(json_report(tracker))["timers"] == []


def test_memory_snapshot_from_probe_readings():
    readings = iter([1000, 1600, 50])
    tracker = PerformanceTracker()
    t = tracker.start("alloc", memory_probe=lambda: next(readings))
    t.stop()
    tracker.start("open", memory_probe=lambda: next(readings))
    snap = tracker.memory_snapshot()
    assert snap.active_trackers == 1
    assert snap.total_memory_delta_bytes == 600
    assert snap.tracker_memory_usage["alloc"].delta_bytes == 600
    assert snap.tracker_memory_usage["open"].end_bytes is None
    assert isinstance(snap.timestamp_secs, int)
