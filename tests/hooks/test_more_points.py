"""State, Session, Event and System hook points fire from real operations, through a Runtime."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from llmspell import Runtime
from llmspell.config import LLMSpellConfig
from llmspell.core.output import CaptureSink
from llmspell.hooks import HookResult


@pytest.fixture
def session_runtime(sink: CaptureSink, tmp_path: Path) -> Iterator[Runtime]:
    config = LLMSpellConfig.build({"runtime": {"sessions": {"enabled": True}}})
    with Runtime.from_config(config, sink=sink, cwd=tmp_path) as rt:
        yield rt


def run(rt: Runtime, code: str) -> Any:
    values = rt.run_code(code)
    if not values:
        return None
    return values[0] if len(values) == 1 else values


def test_state_points_fire_around_reads_and_writes(runtime):
    out = run(
        runtime,
        """
        local seen = {}
        for _, p in ipairs({"BeforeStateRead", "AfterStateRead", "BeforeStateWrite",
                            "AfterStateWrite"}) do
          Hook.register(p, function(ctx)
            table.insert(seen, ctx.point .. ":" .. tostring(ctx.key))
          end)
        end
        State.set("color", "red")
        local v = State.get("color")
        State.delete("color")
        return v, table.concat(seen, ",")
        """,
    )
    assert out[0] == "red"
    assert out[1] == (
        "BeforeStateWrite:color,AfterStateWrite:color,BeforeStateRead:color,"
        "AfterStateRead:color,BeforeStateWrite:color,AfterStateWrite:color"
    )


def test_cancel_on_before_state_write_refuses_the_write(runtime):
    out = run(
        runtime,
        """
        State.set("locked", "original")
        Hook.register("BeforeStateWrite", function(ctx)
          if ctx.key == "locked" then
            return {type = "cancel", reason = "locked keys are read-only"}
          end
        end)
        local ok, err = pcall(State.set, "locked", "changed")
        return ok, tostring(err), State.get("locked")
        """,
    )
    assert out[0] is False
    assert "locked keys are read-only" in out[1]
    assert out[2] == "original"
    assert runtime.state.get("locked") == "original"


def test_modified_on_before_state_write_changes_the_value_written(runtime):
    run(
        runtime,
        """
        Hook.register("BeforeStateWrite", function(ctx)
          return {type = "modified", data = {value = ctx.value * 2}}
        end)
        State.set("n", 21)
        """,
    )
    runtime.hooks.clear()
    assert runtime.state.get("n") == 42


def test_modified_on_after_state_read_changes_what_the_spell_reads(runtime):
    out = run(
        runtime,
        """
        State.set("greeting", "hello")
        Hook.register("AfterStateRead", function(ctx)
          return {type = "modified", data = {value = ctx.value .. " (checked)"}}
        end)
        return State.get("greeting")
        """,
    )
    assert out == "hello (checked)"
    runtime.hooks.clear()
    assert runtime.state.get("greeting") == "hello"


def test_session_points_fire_from_the_lifecycle(session_runtime):
    out = run(
        session_runtime,
        """
        local seen = {}
        for _, p in ipairs({"SessionStart", "SessionEnd", "SessionCheckpoint",
                            "SessionRestore", "SessionSave"}) do
          Hook.register(p, function(ctx)
            table.insert(seen, ctx.point .. ":" .. ctx.action)
          end)
        end
        local a = Session.create({name = "a"})
        Session.suspend(a)
        Session.resume(a)
        Session.save(a)
        Session.complete(a)
        local b = Session.create({name = "b"})
        Session.delete(b)
        return table.concat(seen, ",")
        """,
    )
    assert out == (
        "SessionStart:create,SessionCheckpoint:suspend,SessionRestore:resume,SessionSave:save,"
        "SessionEnd:complete,SessionStart:create,SessionEnd:delete"
    )


def test_session_events_reach_a_subscriber(session_runtime):
    out = run(
        session_runtime,
        """
        local sub = Event.subscribe("session.*")
        local a = Session.create({name = "a"})
        Session.suspend(a)
        Session.resume(a)
        Session.complete(a)
        local b = Session.create({name = "b"})
        Session.delete(b)
        local types = {}
        while true do
          local e = Event.receive(sub, 0.01)
          if e == nil then break end
          assert(e.data.session_id ~= nil)
          table.insert(types, e.event_type)
        end
        return table.concat(types, ",")
        """,
    )
    assert out == (
        "session.created,session.suspended,session.resumed,session.completed,"
        "session.created,session.deleted"
    )


def test_event_points_fire_and_cancel_drops_the_event(runtime):
    out = run(
        runtime,
        """
        local seen = {}
        Hook.register("BeforeEventEmit", function(ctx)
          table.insert(seen, "before:" .. ctx.event_type)
          if ctx.event_type == "secret.thing" then return "cancel" end
          return {type = "modified", data = {payload = {n = ctx.payload.n + 1}}}
        end)
        Hook.register("AfterEventEmit", function(ctx)
          table.insert(seen, "after:" .. ctx.event_type)
        end)
        local sub = Event.subscribe("*")
        Event.publish("user.login", {n = 1})
        Event.publish("secret.thing", {n = 1})
        local first = Event.receive(sub, 0.01)
        local second = Event.receive(sub, 0.01)
        return first.data.n, second == nil, table.concat(seen, ",")
        """,
    )
    assert out[0] == 2
    assert out[1] is True
    assert out[2] == "before:user.login,after:user.login,before:secret.thing"


def test_system_points_fire_at_engine_build_and_close(sink, tmp_path):
    rt = Runtime.from_config(sink=sink, cwd=tmp_path)
    seen: list[str] = []
    rt.hooks.register("SystemStartup", lambda ctx: seen.append(ctx.point))
    rt.run_code("return 1")
    rt.run_code("return 2")
    assert seen == ["SystemStartup"]
    rt.run_code(
        """
        Hook.register("SystemShutdown", function(ctx)
          print("shutdown from " .. ctx.component_id.type)
        end)
        """
    )
    rt.hooks.register("SystemShutdown", lambda ctx: seen.append(ctx.point))
    rt.close()
    assert seen == ["SystemStartup", "SystemShutdown"]
    assert "shutdown from system" in sink.stdout_text


def test_unhooked_points_build_nothing(runtime):
    def boom(*_a: Any, **_k: Any) -> HookResult:
        raise AssertionError("no hook should run")

    runtime.hooks.register("BeforeToolExecution", boom)
    assert run(runtime, 'State.set("k", 1); return State.get("k")') == 1
