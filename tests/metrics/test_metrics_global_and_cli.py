"""The Metrics global from Lua, and `llmspell metrics` over totals a run persisted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmspell.core.errors import ScriptError
from llmspell.metrics import MetricsRegistry
from llmspell.runtime import Runtime


def _with_metrics(runtime: Runtime) -> MetricsRegistry:
    """The runtime's own registry, behind its `Metrics` global."""
    return runtime.metrics


def test_metrics_global_from_lua(runtime: Runtime) -> None:
    registry = _with_metrics(runtime)
    out = runtime.run_code(
        """
        Metrics.inc("spell.items")
        Metrics.inc("spell.items", 2, {kind = "doc"})
        Metrics.counter("spell.items", {kind = "doc"})
        Metrics.gauge("queue.depth", 7)
        Metrics.set("queue.depth", 5)
        Metrics.observe("step.seconds", 0.3)
        Metrics.histogram("step.seconds", 0.03)
        local h = Metrics.get("step.seconds")
        local snap = Metrics.snapshot()
        return Metrics.get("spell.items"), Metrics.get("spell.items", {kind = "doc"}),
          Metrics.get("queue.depth"), h.count, h.buckets["+Inf"], Metrics.get("missing"),
          Metrics.get("kernel.uptime") >= 0, #Metrics.list(), snap["queue.depth"].type,
          Metrics:prometheus()
        """
    )
    assert out[:9] == [4, 3, 5, 2, 2, None, True, 5, "gauge"]
    assert 'llmspell_spell_items{kind="doc"} 3' in out[9]
    assert registry.get("spell.items") == 4


def test_metrics_global_errors_are_catchable(runtime: Runtime) -> None:
    _with_metrics(runtime)
    out = runtime.run_code(
        """
        local ok1, e1 = pcall(Metrics.inc, "c", -1)
        Metrics.inc("c")
        local ok2, e2 = pcall(Metrics.set, "c", 1)
        local ok3, e3 = pcall(Metrics.get, 42)
        return e1, e2, e3
        """
    )
    assert "can only go up" in out[0]
    assert "is a counter, not a gauge" in out[1]
    assert "name must be a non-empty string, got number" in out[2]
    with pytest.raises(ScriptError, match="must be a number"):
        runtime.run_code('Metrics.observe("h", "slow")')


def test_cli_shows_totals_across_runs(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for _ in range(2):  # two spell runs; each runtime saves its metrics when it closes
        with Runtime.from_config(cwd=tmp_path) as rt:
            rt.run_code('Metrics.inc("spell.runs", {spell = "demo"}); Metrics.observe("lat", 0.2)')

    result = cli("metrics")
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "# TYPE llmspell_spell_runs counter" in lines
    assert 'llmspell_spell_runs{spell="demo"} 2' in lines
    assert 'llmspell_lat_bucket{le="+Inf"} 2' in lines
    assert "llmspell_lat_count 2" in lines
    assert not any("uptime" in line for line in lines)

    as_json = cli("metrics", "--format", "json")
    assert as_json.code == 0, as_json.stderr
    doc = json.loads(as_json.stdout)
    assert doc["status"] == "ok"
    assert doc["metrics"]["spell.runs"]["series"] == [{"labels": {"spell": "demo"}, "value": 2}]

    root_json = cli("--output", "json", "metrics")
    assert json.loads(root_json.stdout) == doc


def test_cli_with_no_totals(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("--output", "json", "metrics")
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout) == {"status": "ok", "metrics": {}}
