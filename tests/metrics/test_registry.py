"""MetricsRegistry semantics, Prometheus text and persistence across runs."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest

from llmspell.core.errors import ValidationError
from llmspell.metrics import (
    SCOPE,
    MetricsRegistry,
    load_totals,
    render_prometheus,
    sanitize_name,
)
from llmspell.state import StateStore
from llmspell.state.sqlite import SqliteBackend


def test_counter_gauge_histogram_semantics() -> None:
    r = MetricsRegistry()
    assert r.inc("agent.calls") == 1
    assert r.inc("agent.calls", 2, {"agent": "a"}) == 2
    assert r.inc("agent.calls", 0.5, {"agent": "a"}) == 2.5
    assert r.get("agent.calls") == 3.5  # aggregated over series
    assert r.get("agent.calls", {"agent": "a"}) == 2.5
    assert r.get("agent.calls", {"agent": "b"}) is None
    r.set("queue.depth", 4)
    r.set("queue.depth", 2)
    assert r.get("queue.depth") == 2
    r.add("queue.depth", -1)
    assert r.get("queue.depth") == 1
    for v in (0.003, 0.3, 0.3, 50):
        r.observe("step.seconds", v)
    h = r.get("step.seconds")
    assert h["count"] == 4 and h["sum"] == pytest.approx(50.603)
    assert h["buckets"]["0.005"] == 1 and h["buckets"]["0.5"] == 3
    assert h["buckets"]["10.0"] == 3 and h["buckets"]["+Inf"] == 4
    assert r.get("nope") is None
    assert r.kind("agent.calls") == "counter" and r.kind("kernel.uptime") == "gauge"


def test_errors() -> None:
    r = MetricsRegistry()
    r.inc("c")
    with pytest.raises(ValidationError, match="is a counter, not a gauge"):
        r.set("c", 1)
    with pytest.raises(ValidationError, match="can only go up"):
        r.inc("c", -1)
    with pytest.raises(ValidationError, match="must be a number"):
        r.observe("h", "x")
    with pytest.raises(ValidationError, match="invalid metric name"):
        r.inc("a..b")
    with pytest.raises(ValidationError, match="invalid metric name"):
        r.inc("1abc")
    with pytest.raises(ValidationError, match="read-only"):
        r.set("kernel.uptime", 3)
    with pytest.raises(ValidationError, match="labels"):
        r.inc("c", 1, "x")


def test_builtin_uptime_is_computed_on_read() -> None:
    r = MetricsRegistry(start_time=time.monotonic() - 5)
    assert r.get("kernel.uptime") >= 5
    first = r.get("runtime.uptime_seconds")
    time.sleep(0.01)
    assert r.get("runtime.uptime_seconds") > first
    assert {"kernel.uptime", "runtime.uptime_seconds"} <= set(r.list())
    assert r.snapshot()["kernel.uptime"]["series"][0]["value"] >= 5
    assert "kernel.uptime" not in MetricsRegistry(builtins=False).list()


def test_list_and_snapshot_are_plain_data() -> None:
    r = MetricsRegistry()
    r.register("b.hist", "histogram", "Durations.", buckets=[1, 0.5, float("inf")])
    r.observe("b.hist", 0.7, {"k": "v"})
    r.inc("a.count")
    assert r.list() == ["a.count", "b.hist", "kernel.uptime", "runtime.uptime_seconds"]
    snap = r.snapshot()
    assert snap["a.count"] == {
        "type": "counter",
        "help": "",
        "series": [{"labels": {}, "value": 1}],
    }
    assert snap["b.hist"]["buckets"] == [0.5, 1.0]
    assert snap["b.hist"]["series"] == [
        {"labels": {"k": "v"}, "count": 1, "sum": 0.7, "buckets": {"0.5": 0, "1.0": 1, "+Inf": 1}}
    ]


def test_thread_safety() -> None:
    r = MetricsRegistry()

    def work() -> None:
        for _ in range(2000):
            r.inc("hits")
            r.observe("lat", 0.01)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert r.get("hits") == 16000
    assert r.get("lat")["count"] == 16000


# Prometheus ------------------------------------------------------------------------------

SAMPLE = re.compile(
    r'^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>(?:[a-zA-Z_][a-zA-Z0-9_]*="'
    r'(?:[^"\\]|\\.)*",?)*)\})? (?P<value>\S+)$'
)
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse(text: str) -> dict:
    """A strict little 0.0.4 parser: {name: {type, help, samples: [(name, labels, value)]}}."""
    families: dict[str, dict] = {}
    current = None
    assert text.endswith("\n")
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name, _, help_text = line[7:].partition(" ")
            current = families.setdefault(name, {"samples": []})
            current["help"] = help_text.replace("\\n", "\n").replace("\\\\", "\\")
        elif line.startswith("# TYPE "):
            name, kind = line[7:].split(" ")
            assert kind in {"counter", "gauge", "histogram"}
            assert name in families and "type" not in families[name]
            families[name]["type"] = kind
        else:
            m = SAMPLE.match(line)
            assert m, f"bad sample line: {line!r}"
            labels = {
                k: v.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
                for k, v in LABEL.findall(m["labels"] or "")
            }
            float(m["value"])  # parses (including +Inf/NaN)
            assert current is not None and m["name"].startswith(next(reversed(families)))
            current["samples"].append((m["name"], labels, float(m["value"])))
    return families


def test_prometheus_text_round_trips() -> None:
    r = MetricsRegistry()
    r.register("tool.calls", "counter", "Tool calls.\nBy tool.")
    r.inc("tool.calls", 3, {"tool": 'say "hi"\\\n', "9bad-label": "x"})
    r.set("mem.bytes", 1.5)
    r.observe("step.seconds", 0.2, {"step": "a"})
    r.observe("step.seconds", 20, {"step": "a"})
    text = render_prometheus(r)
    fams = parse(text)
    assert set(fams) == {
        "llmspell_tool_calls",
        "llmspell_mem_bytes",
        "llmspell_step_seconds",
        "llmspell_kernel_uptime",
        "llmspell_runtime_uptime_seconds",
    }
    calls = fams["llmspell_tool_calls"]
    assert calls["type"] == "counter" and calls["help"] == "Tool calls.\nBy tool."
    assert calls["samples"] == [
        ("llmspell_tool_calls", {"_9bad_label": "x", "tool": 'say "hi"\\\n'}, 3.0)
    ]
    assert fams["llmspell_mem_bytes"]["samples"] == [("llmspell_mem_bytes", {}, 1.5)]
    hist = fams["llmspell_step_seconds"]
    assert hist["type"] == "histogram"
    buckets = [s for s in hist["samples"] if s[0].endswith("_bucket")]
    assert buckets[-1] == ("llmspell_step_seconds_bucket", {"step": "a", "le": "+Inf"}, 2.0)
    values = [s[2] for s in buckets]
    assert values == sorted(values)  # cumulative
    assert ("llmspell_step_seconds_sum", {"step": "a"}, 20.2) in hist["samples"]
    assert ("llmspell_step_seconds_count", {"step": "a"}, 2.0) in hist["samples"]
    assert 'llmspell_step_seconds_bucket{step="a",le="0.25"} 1' in text.splitlines()


def test_sanitize_and_empty() -> None:
    assert sanitize_name("a.b") == "llmspell_a_b"
    assert sanitize_name("x-y:z") == "llmspell_x_y:z"
    assert sanitize_name("llmspell_ok") == "llmspell_ok"
    assert render_prometheus(MetricsRegistry(builtins=False)) == ""


# Persistence -----------------------------------------------------------------------------


def _store(path: Path) -> StateStore:
    return StateStore(SqliteBackend(path))


def test_persist_accumulates_across_registries(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    first = MetricsRegistry()
    first.inc("runs", labels={"spell": "a"})
    first.observe("lat", 0.2)
    first.set("last.size", 10)
    store = _store(db)
    assert first.persist(store) == 3
    assert first.persist(store) == 0  # nothing new: idempotent
    first.inc("runs", labels={"spell": "a"})
    assert first.persist(lambda: store) == 1  # only the delta is added
    store.close()

    second = MetricsRegistry()
    second.inc("runs", 5, {"spell": "a"})
    second.inc("runs", labels={"spell": "b"})
    second.observe("lat", 3)
    second.set("last.size", 7)
    store = _store(db)
    second.persist(store)
    assert "kernel.uptime" not in store.list_keys(SCOPE)
    assert sorted(store.list_keys(SCOPE)) == ["last.size", "lat", "runs"]
    totals = load_totals(store)
    assert totals.get("runs", {"spell": "a"}) == 7
    assert totals.get("runs", {"spell": "b"}) == 1
    assert totals.get("last.size") == 7
    lat = totals.get("lat")
    assert lat["count"] == 2 and lat["sum"] == pytest.approx(3.2)
    assert lat["buckets"]["0.25"] == 1 and lat["buckets"]["5.0"] == 2
    assert "kernel.uptime" not in totals.list()
    store.close()


def test_persist_without_changes_never_opens_the_store() -> None:
    def opener() -> StateStore:
        raise AssertionError("opened")

    assert MetricsRegistry().persist(opener) == 0


def test_kind_change_restarts_the_stored_totals(tmp_path: Path) -> None:
    store = _store(tmp_path / "s.db")
    a = MetricsRegistry()
    a.inc("x", 4)
    a.persist(store)
    b = MetricsRegistry()
    b.set("x", 1.5)
    b.persist(store)
    assert load_totals(store).get("x") == 1.5
    assert load_totals(store).kind("x") == "gauge"
    store.close()
