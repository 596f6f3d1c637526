"""Lua hooks change real outcomes: tool calls, agents, workflows, from any thread."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from llmspell import Runtime
from llmspell.config import LLMSpellConfig
from llmspell.core.errors import ScriptError
from llmspell.hooks import ALL_POINTS


def run(rt: Runtime, code: str) -> Any:
    values = rt.run_code(code)
    if not values:
        return None
    return values[0] if len(values) == 1 else values


def test_modified_changes_the_tool_parameters(runtime):
    out = run(
        runtime,
        """
        Hook.register("BeforeToolExecution", function(ctx)
          assert(ctx.point == "BeforeToolExecution" and ctx.component_id.type == "tool")
          assert(ctx.component_id.name == "calculator" and ctx.params.input == "1+1")
          return {type = "modified", data = {input = "6*7"}}
        end)
        local r = Tool.invoke("calculator", {input = "1+1"})
        return r.text
        """,
    )
    assert "42" in out


def test_cancel_fails_the_call_with_the_hooks_reason(runtime):
    out = run(
        runtime,
        """
        Hook.register("BeforeToolExecution", function(ctx)
          return {type = "cancel", reason = "calculators are banned"}
        end)
        local ok, err = pcall(Tool.invoke, "calculator", {input = "1+1"})
        return ok, tostring(err)
        """,
    )
    assert out[0] is False
    assert "Tool 'calculator' cancelled by a hook: calculators are banned" in out[1]


def test_any_other_string_cancels_with_that_string(runtime):
    out = run(
        runtime,
        """
        Hook.register("BeforeToolExecution", function() return "not today" end)
        local ok, err = pcall(Tool.invoke, "calculator", {input = "1+1"})
        return ok, tostring(err)
        """,
    )
    assert out[0] is False and "not today" in out[1]


def test_replace_makes_the_hooks_value_the_result_without_running_the_tool(runtime):
    out = run(
        runtime,
        """
        local ran = false
        Tool.register{name = "probe", execute = function() ran = true; return "real" end}
        Hook.register("BeforeToolExecution", function(ctx)
          if ctx.tool == "probe" then
            return {type = "replace", data = {text = "cached", result = 7}}
          end
        end)
        local r = Tool.invoke("probe", {})
        return ran, r.success, r.text, r.result
        """,
    )
    assert out == [False, True, "cached", 7]


def test_skipped_returns_an_empty_success_without_running(runtime):
    out = run(
        runtime,
        """
        local ran = false
        Tool.register{name = "probe", execute = function() ran = true; return "real" end}
        Hook.register("BeforeToolExecution", function() return "skip" end)
        local r = Tool.invoke("probe", {})
        return ran, r.success, r.text
        """,
    )
    assert out == [False, True, ""]


def test_after_hook_modifies_and_replaces_the_result(runtime):
    out = run(
        runtime,
        """
        local h = Hook.register("AfterToolExecution", function(ctx)
          return {type = "modified", data = {text = ctx.output.text .. "!"}}
        end)
        local a = Tool.invoke("calculator", {input = "2+3"}).text
        h:unregister()
        Hook.register("AfterToolExecution", function() return {type = "replace", data = "gone"} end)
        local b = Tool.invoke("calculator", {input = "2+3"}).text
        return a, b
        """,
    )
    assert out[0].endswith("!") and "5" in out[0]
    assert out[1] == "gone"


def test_redirect_sends_the_call_to_another_tool(runtime):
    out = run(
        runtime,
        """
        Tool.register{name = "old", execute = function() return "old ran" end}
        Tool.register{name = "new", execute = function() return "new ran" end}
        Hook.register("BeforeToolExecution", function(ctx)
          if ctx.tool == "old" then return {type = "redirect", target = "new"} end
        end)
        return Tool.invoke("old", {}).text
        """,
    )
    assert out == "new ran"


def test_retry_on_tool_error_runs_the_call_once_more(runtime):
    out = run(
        runtime,
        """
        local calls = 0
        Tool.register{name = "flaky", execute = function()
          calls = calls + 1
          if calls == 1 then error("first call fails") end
          return "worked"
        end}
        local seen
        Hook.register("ToolError", function(ctx)
          seen = ctx.error
          return {type = "retry", delay_ms = 5}
        end)
        local r = Tool.invoke("flaky", {})
        return r.text, calls, seen
        """,
    )
    assert out[0] == "worked" and out[1] == 2
    assert "first call fails" in out[2]


def test_tool_error_hook_can_replace_the_failure(runtime):
    out = run(
        runtime,
        """
        Tool.register{name = "broken", execute = function() error("boom") end}
        Hook.register("ToolError", function() return {type = "replace", data = "fallback"} end)
        return Tool.invoke("broken", {}).text
        """,
    )
    assert out == "fallback"


def test_priority_order_and_registration_order_within_a_priority(runtime):
    out = run(
        runtime,
        """
        local order = {}
        local function note(tag) return function() order[#order + 1] = tag end end
        Hook.register("BeforeToolExecution", note("low"), "low")
        Hook.register("BeforeToolExecution", note("normal1"))
        Hook.register("BeforeToolExecution", note("highest"), "highest")
        Hook.register("BeforeToolExecution", note("normal2"), "normal")
        Hook.register("BeforeToolExecution", note("high"), "high")
        Hook.register("BeforeToolExecution", note("lowest"), "lowest")
        Tool.invoke("calculator", {input = "1"})
        local names = {}
        for _, info in ipairs(Hook.list("BeforeToolExecution")) do
          names[#names + 1] = info.priority
        end
        return table.concat(order, ","), table.concat(names, ",")
        """,
    )
    assert out[0] == "highest,high,normal1,normal2,low,lowest"
    assert out[1] == "highest,high,normal,normal,low,lowest"


def test_cancel_stops_later_hooks_and_modified_chains(runtime):
    out = run(
        runtime,
        """
        local later = false
        Hook.register("BeforeToolExecution", function(ctx)
          return {type = "modified", data = {input = ctx.params.input .. "+1"}}
        end, "high")
        Hook.register("BeforeToolExecution", function(ctx)
          return {type = "modified", data = {input = ctx.params.input .. "+1"}}
        end)
        local r = Tool.invoke("calculator", {input = "1"}).text
        Hook.register("BeforeToolExecution", function() return "cancel" end, "highest")
        Hook.register("BeforeToolExecution", function() later = true end, "lowest")
        local ok = pcall(Tool.invoke, "calculator", {input = "1"})
        return r, ok, later
        """,
    )
    assert "3" in out[0]
    assert out[1:] == [False, False]


def test_unregister_by_handle_and_by_id(runtime):
    out = run(
        runtime,
        """
        local count = 0
        local h1 = Hook.register("BeforeToolExecution", function() count = count + 1 end)
        local h2 = Hook.register("AfterToolExecution", function() count = count + 10 end)
        Tool.invoke("calculator", {input = "1"})
        local a = h1:unregister()
        local again = h1:unregister()
        local b = Hook.unregister(h2.id)
        Tool.invoke("calculator", {input = "1"})
        return count, a, again, b, #Hook.list()
        """,
    )
    assert out == [11, True, False, True, 0]


def test_a_failing_hook_does_not_break_the_call(runtime):
    out = run(
        runtime,
        """
        Hook.register("BeforeToolExecution", function() error("hook bug") end, "high")
        Hook.register("AfterToolExecution", function() error("another bug") end)
        local r = Tool.invoke("calculator", {input = "20+22"})
        return r.success, r.text
        """,
    )
    assert out[0] is True and "42" in out[1]


def test_lua_hook_fires_for_a_tool_call_inside_a_parallel_branch(runtime):
    out = run(
        runtime,
        """
        local threads = 0
        Hook.register("BeforeToolExecution", function(ctx)
          threads = threads + 1
          return {type = "modified", data = {input = "100+1"}}
        end)
        local wf = Workflow.parallel{name = "p", max_concurrency = 3, branches = {
          {name = "b1", steps = {{name = "c1", type = "tool", tool = "calculator",
                                  input = {input = "1+1"}}}},
          {name = "b2", steps = {{name = "c2", type = "tool", tool = "calculator",
                                  input = {input = "2+2"}}}},
          {name = "b3", steps = {{name = "c3", fn = function() return 3 end}}},
        }}
        local r = wf:execute()
        return r.success, threads, r.outputs.c1, r.outputs.c2
        """,
    )
    assert out[0] is True and out[1] == 2
    assert "101" in out[2] and "101" in out[3]


def test_hook_from_a_worker_thread_runs_on_the_script_thread(runtime):
    seen: list[int] = []
    runtime.hooks.register("BeforeToolExecution", lambda ctx: seen.append(threading.get_ident()))
    run(
        runtime,
        """
        Workflow.parallel{name = "p", branches = {
          {name = "b1", steps = {{name = "c1", type = "tool", tool = "calculator",
                                  input = {input = "1"}}}},
        }}:execute()
        """,
    )
    assert seen and seen[0] != threading.get_ident()  # native hooks run where the call is


def test_hooks_off_in_config(tmp_path):
    config = LLMSpellConfig.build({"hooks": {"enabled": False}})
    with Runtime.from_config(config, cwd=tmp_path) as rt:
        with pytest.raises(ScriptError, match=r"hooks\.enabled"):
            rt.run_code('Hook.register("BeforeToolExecution", function() return "cancel" end)')
        rt.hooks.register("BeforeToolExecution", lambda ctx: "cancel")
        assert "2" in run(rt, 'return Tool.invoke("calculator", {input = "1+1"}).text')


def test_points_list_and_unknown_point(runtime):
    out = run(
        runtime,
        """
        local pts = Hook.points()
        local ok, err = pcall(Hook.register, "BeforeToolInvocation", function() end)
        local h = Hook.register("before_tool_execution", function() end)
        return #pts, ok, tostring(err), h:hook_point()
        """,
    )
    assert out[0] == len(ALL_POINTS) >= 43
    assert out[1] is False and "Unknown hook point" in out[2]
    assert out[3] == "BeforeToolExecution"


def test_agent_hooks_modify_input_and_output_and_cancel(runtime):
    out = run(
        runtime,
        """
        local a = Agent.builder():name("echo"):type("basic"):build()
        local h1 = Hook.register("BeforeAgentExecution", function(ctx)
          assert(ctx.component_id.type == "agent" and ctx.input.text == "hi")
          return {type = "modified", data = "changed"}
        end)
        local h2 = Hook.register("AfterAgentExecution", function(ctx)
          return {type = "modified", data = {text = ctx.output.text .. "?"}}
        end)
        local first = a:execute({text = "hi"}).text
        h1:unregister(); h2:unregister()
        Hook.register("BeforeAgentExecution", function()
          return {type = "cancel", reason = "quiet"}
        end)
        local ok, err = pcall(function() return a:execute({text = "hi"}) end)
        return first, ok, tostring(err)
        """,
    )
    assert out[0] == "BasicAgent 'echo' received: changed?"
    assert out[1] is False and "Agent 'echo' cancelled by a hook: quiet" in out[2]


def test_agent_replace_and_skip(runtime):
    out = run(
        runtime,
        """
        local a = Agent.builder():name("echo"):type("basic"):build()
        local h = Hook.register("BeforeAgentExecution", function()
          return {type = "replace", data = "canned"}
        end)
        local r1 = a:execute({text = "hi"}).text
        h:unregister()
        Hook.register("BeforeAgentExecution", function() return "skipped" end)
        local r2 = a:execute({text = "hi"}).text
        return r1, r2
        """,
    )
    assert out == ["canned", ""]


def test_workflow_and_step_hooks(runtime):
    out = run(
        runtime,
        """
        local events = {}
        Hook.register("BeforeWorkflowStart", function(ctx)
          events[#events + 1] = "start:" .. ctx.workflow
        end)
        Hook.register("AfterWorkflowComplete", function(ctx) events[#events + 1] = "done" end)
        Hook.register("AfterStepExecution", function(ctx)
          if ctx.step == "a" then return {type = "modified", data = "A!"} end
        end)
        Hook.register("BeforeStepExecution", function(ctx)
          if ctx.step == "b" then return {type = "replace", data = "B"} end
        end)
        local wf = Workflow.sequential{name = "s", steps = {
          {name = "a", fn = function() return "a" end},
          {name = "b", fn = function() error("never runs") end},
        }}
        local r = wf:execute()
        return r.success, r.outputs.a, r.outputs.b, table.concat(events, ",")
        """,
    )
    assert out == [True, "A!", "B", "start:s,done"]


def test_workflow_cancel_and_error_hook(runtime):
    out = run(
        runtime,
        """
        local h = Hook.register("BeforeWorkflowStart", function()
          return {type = "cancel", reason = "closed"}
        end)
        local wf = Workflow.sequential{name = "s",
          steps = {{name = "a", fn = function() return 1 end}}}
        local ok, err = pcall(function() return wf:execute() end)
        h:unregister()
        local seen
        Hook.register("WorkflowError", function(ctx)
          seen = ctx.error
          return {type = "replace", data = "ok"}
        end)
        local bad = Workflow.sequential{name = "bad",
          steps = {{name = "x", fn = function() error("kaput") end}}}
        local r = bad:execute()
        return ok, tostring(err), r.success, r.metadata.extra.output, seen
        """,
    )
    assert out[0] is False and "Workflow 's' cancelled by a hook: closed" in out[1]
    assert out[2] is True and out[3] == "ok" and "kaput" in out[4]
