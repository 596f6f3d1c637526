"""StateMigration, ResourceLimitExceeded, MemoryUsageHigh and CpuUsageHigh fire from the real
migration, engine limits and tool rate limit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from llmspell.config import LLMSpellConfig, apply_overrides
from llmspell.core.errors import ScriptMemoryError, ScriptTimeout, SecurityError
from llmspell.core.output import CaptureSink
from llmspell.hooks import HookContext, HookResult
from llmspell.runtime import Runtime
from llmspell.state.migrations import MigrationStep

HALF_SECOND = {"engines.lua.timeout_ms": 500}
FIVE_MB = {"engines.lua.max_memory_bytes": 5_000_000}
HOG = 'local t = {} for i = 1, 1e9 do t[i] = ("x"):rep(40) .. i end'
SPIN = "while true do end"


@pytest.fixture
def make_runtime(sink: CaptureSink, tmp_path: Path) -> Iterator[Callable[..., Runtime]]:
    """A Runtime with dotted config overrides (small limits); closed after the test."""
    made: list[Runtime] = []

    def make(**overrides: Any) -> Runtime:
        cfg = apply_overrides(LLMSpellConfig.build({}), overrides)
        runtime = Runtime.from_config(cfg, sink=sink, cwd=tmp_path)
        made.append(runtime)
        return runtime

    yield make
    for runtime in made:
        runtime.close()


def record(rt: Runtime, *points: str) -> list[HookContext]:
    seen: list[HookContext] = []
    for point in points:
        rt.hooks.register(point, seen.append)
    return seen


def names_step(version: int = 2) -> MigrationStep:
    return MigrationStep.from_spec(
        {
            "version": version,
            "scope": "user",
            "description": "full names",
            "transforms": [{"op": "rename", "from": "name", "to": "full_name"}],
        }
    )


# StateMigration --------------------------------------------------------------------------------


def test_state_migration_fires_once_before_the_steps_with_the_versions(runtime):
    store = runtime.state
    store.save("user", "ada", {"name": "Ada"})
    store.migrations.register(names_step())
    seen: list[tuple[dict[str, Any], Any]] = []
    runtime.hooks.register(
        "StateMigration", lambda ctx: seen.append((ctx.data, store.load("user", "ada")))
    )
    result = store.migrations.migrate(2)
    assert result.success and result.status == "completed"
    data, value_seen_by_hook = seen[0]
    assert len(seen) == 1
    assert data["from_version"] == 0 and data["to_version"] == 2
    assert data["steps"] == [{"version": 2, "scope": "user", "description": "full names"}]
    assert value_seen_by_hook == {"name": "Ada"}
    assert store.load("user", "ada") == {"full_name": "Ada"}
    assert store.migrations.migrate(2).status == "already_current"
    assert len(seen) == 1


def test_a_cancelling_state_migration_hook_leaves_data_and_version(runtime):
    store = runtime.state
    store.save("user", "ada", {"name": "Ada"})
    store.migrations.register(names_step())
    runtime.hooks.register("StateMigration", lambda ctx: HookResult.cancel("not during release"))
    result = store.migrations.migrate(2)
    assert not result.success and result.status == "cancelled"
    assert result.errors == ["not during release"]
    assert result.backup_id is None
    assert store.backups.list() == []
    assert store.migrations.current_version() == (0, 0, 0)
    assert store.load("user", "ada") == {"name": "Ada"}
    assert store.migrations.history() == []


# ResourceLimitExceeded -----------------------------------------------------------------------


def test_runaway_loop_fires_resource_limit_exceeded_for_a_lua_hook(cli):
    spell = """
    Hook.register("ResourceLimitExceeded", function(ctx)
        print("LIMIT=" .. ctx.data.limit .. " " .. ctx.data.setting .. " " .. ctx.data.value)
    end)
    while true do end
    """
    result = cli("exec", spell, env={"LLMSPELL_SCRIPT_TIMEOUT_SECONDS": "1"})
    assert result.code == 1
    assert "LIMIT=time runtime.script_timeout_seconds 1" in result.stdout
    assert "script timed out after 1 s" in result.stderr


def test_timeout_error_is_unchanged_when_the_hook_fails(make_runtime):
    rt = make_runtime(**HALF_SECOND)
    seen = record(rt, "ResourceLimitExceeded")

    def boom(ctx: HookContext) -> None:
        raise RuntimeError("hook broke")

    rt.hooks.register("ResourceLimitExceeded", boom)
    with pytest.raises(ScriptTimeout, match=r"after 0\.5 s \(`engines\.lua\.timeout_ms`\)"):
        rt.run_code(SPIN)
    assert [(c.data["limit"], c.data["value"]) for c in seen] == [("time", 0.5)]
    assert seen[0].component_type == "system"
    assert "timed out" in seen[0].data["message"]
    assert rt.run_code("return 1 + 1") == [2]


def test_memory_hog_fires_resource_limit_exceeded_with_memory(make_runtime):
    rt = make_runtime(**FIVE_MB)
    with pytest.raises(ScriptMemoryError, match="ran out of memory"):
        rt.run_code(
            'Hook.register("ResourceLimitExceeded", function(ctx)\n'
            '  State.save("global", "limit", ctx.data)\n'
            "end)\n" + HOG
        )
    saved = rt.state.load("global", "limit")
    assert saved["limit"] == "memory"
    assert saved["setting"] == "engines.lua.max_memory_bytes"
    assert saved["value"] == 5_000_000


def test_tool_rate_limit_refusal_fires_resource_limit_exceeded(make_runtime):
    rt = make_runtime(**{"tools.rate_limit_per_minute": 2})
    seen = record(rt, "ResourceLimitExceeded")
    rt.tools.invoke("uuid_generator", {})
    rt.tools.invoke("uuid_generator", {})
    assert seen == []
    with pytest.raises(SecurityError, match=r"tools\.rate_limit_per_minute"):
        rt.tools.invoke("uuid_generator", {})
    [ctx] = seen
    assert ctx.data["limit"] == "tool_rate"
    assert ctx.data["setting"] == "tools.rate_limit_per_minute"
    assert ctx.data["value"] == 2
    assert ctx.data["tool"] == "uuid_generator"


# Early warnings --------------------------------------------------------------------------------


def test_memory_usage_high_fires_before_the_memory_limit(make_runtime):
    rt = make_runtime(**FIVE_MB, **{"hooks.resource_warning_fraction": 0.5})
    order: list[str] = []
    seen = record(rt, "MemoryUsageHigh")
    rt.hooks.register("MemoryUsageHigh", lambda ctx: order.append("warning"))
    rt.hooks.register("ResourceLimitExceeded", lambda ctx: order.append("limit"))
    with pytest.raises(ScriptMemoryError):
        rt.run_code(HOG)
    assert order == ["warning", "limit"]
    data = seen[0].data
    assert data["setting"] == "engines.lua.max_memory_bytes"
    assert data["limit"] == 5_000_000
    assert 2_500_000 <= data["used"] < 5_000_000
    assert data["fraction"] == pytest.approx(data["used"] / 5_000_000, abs=1e-3)


def test_memory_usage_high_reaches_a_hook_registered_by_the_spell(make_runtime):
    rt = make_runtime(**FIVE_MB, **{"hooks.resource_warning_fraction": 0.5})
    result = rt.run_code(
        """
        local warned
        Hook.register("MemoryUsageHigh", function(ctx) warned = ctx.data.fraction end)
        local t = {}
        for i = 1, 1e9 do
            t[i] = ("x"):rep(40) .. i
            if warned then break end
        end
        return warned
        """
    )
    assert 0.5 <= result[0] < 1


def test_cpu_usage_high_fires_during_a_long_loop_before_the_timeout(make_runtime):
    rt = make_runtime(**HALF_SECOND, **{"hooks.resource_warning_fraction": 0.5})
    order: list[str] = []
    seen = record(rt, "CpuUsageHigh")
    rt.hooks.register("CpuUsageHigh", lambda ctx: order.append("warning"))
    rt.hooks.register("ResourceLimitExceeded", lambda ctx: order.append("limit"))
    with pytest.raises(ScriptTimeout):
        rt.run_code(SPIN)
    assert order == ["warning", "limit"]
    data = seen[0].data
    assert data["setting"] == "engines.lua.timeout_ms"
    assert data["limit"] == 0.5
    assert 0.25 <= data["used"] < 0.5
    assert data["fraction"] >= 0.5


def test_cpu_usage_high_fires_once_per_run_and_not_for_short_runs(make_runtime):
    rt = make_runtime(**{"engines.lua.timeout_ms": 2000, "hooks.resource_warning_fraction": 0.05})
    seen = record(rt, "CpuUsageHigh", "MemoryUsageHigh")
    rt.run_code("local x = 0 for i = 1, 1e3 do x = x + i end")
    assert seen == []
    # 0.15 s of CPU takes at least 0.15 s of wall time: past 5% of 2 s, far from the limit
    spell = "local t = os.clock() while os.clock() - t < 0.15 do end"
    rt.run_code(spell)
    rt.run_code(spell)
    assert [c.point for c in seen] == ["CpuUsageHigh", "CpuUsageHigh"]


def test_no_warnings_when_hooks_are_disabled(make_runtime):
    rt = make_runtime(**HALF_SECOND, **{"hooks.enabled": False})
    assert rt.engine().limits.warn is None
