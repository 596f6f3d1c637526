"""The `Workflow` global from Lua: each kind, nesting, templating, error strategies, timeouts."""

from __future__ import annotations

import time

import pytest

from llmspell.core.errors import ScriptError


def test_sequential_builder_passes_data_and_writes_state(lua):
    out = lua(
        """
        local wf = Workflow.builder():name("seq"):description("d"):sequential()
          :add_step{name="id", type="tool", tool="uuid_generator", input={operation="generate"}}
          :add_step{name="up", type="function",
                    fn=function(input, ctx) return string.upper(input.v) .. ":" .. ctx.step end,
                    input={v="{{input.word}}-{{step.id.result.uuid}}"}}
          :build()
        local r = wf:execute({word="hi"})
        local id = r.metadata.extra.execution_id
        return {wf.name, wf.type, r.success, r.text, r.outputs.up, r.outputs.id,
                State.load("custom", ":workflow:" .. id .. ":up").output,
                State.load("custom", ":workflow:" .. id .. ":step:uuid_generator:output"),
                wf:get_output("up"), wf:get_execution_id() == id, r.steps.up.status}
        """
    )
    name, kind, ok, text, up, uid, stored, tool_out, got, same, status = out
    assert (name, kind, ok, status, same) == ("seq", "sequential", True, "completed", True)
    assert "completed successfully" in text and "2 steps executed" in text
    assert up == f"HI-{uid.upper()}:up"
    assert stored == up and got == up and tool_out == uid


def test_dot_call_style_and_non_chained_builder(lua):
    out = lua(
        """
        local b = Workflow.builder()
        b.name("dots")
        b:sequential()
        b:add_step({name="one", type="function", fn=function() return 1 end})
        b.add_step({name="two", fn=function(i, ctx) return ctx.outputs.one + 1 end})
        local wf = b:build()
        return wf:execute().outputs.two
        """
    )
    assert out == 2


def test_dollar_and_loop_templates(lua):
    out = lua(
        """
        local wf = Workflow.builder():name("l"):loop():with_collection({"a", "b", "c"})
          :add_step{name="s", type="function", fn=function(i) return i end,
                    input="{{loop.index}}={{loop_value}}"}
          :add_step{name="t", type="function", fn=function(i) return i end, input="[$s] costs $5"}
          :build()
        local r = wf:execute()
        local seen = {}
        for _, s in ipairs(r.step_results) do seen[#seen + 1] = s.output end
        return seen, r.metadata.extra.total_iterations
        """
    )
    assert out == [["1=a", "[1=a] costs $5", "2=b", "[2=b] costs $5", "3=c", "[3=c] costs $5"], 3]


def test_missing_reference_raises_naming_step_and_reference(lua):
    with pytest.raises(ScriptError) as err:
        lua(
            """
            Workflow.sequential{name="m", steps={
              {name="uses", type="function", fn=function(i) return i end,
               input="{{step.nowhere.output}}"}}}:execute()
            """
        )
    assert "uses" in str(err.value) and "{{step.nowhere.output}}" in str(err.value)
    with pytest.raises(ScriptError, match=r"input.missing"):
        lua(
            'Workflow.sequential{name="m2", steps={{name="x", fn=function(i) return i end, '
            'input="{{input.missing}}"}}}:execute({a=1})'
        )


def test_unknown_braces_are_left_verbatim(lua):
    out = lua(
        'return Workflow.sequential{name="v", steps={{name="x", fn=function(i) return i end, '
        'input="keep {{plan_content}}"}}}:execute().outputs.x'
    )
    assert out == "keep {{plan_content}}"


def test_fail_fast_raises_naming_the_step(lua):
    out = lua(
        """
        local ran = false
        local wf = Workflow.sequential{name="ff", steps={
          {name="bad", fn=function() error("boom") end},
          {name="after", fn=function() ran = true end}}}
        local ok, err = pcall(wf.execute, wf)
        return ok, tostring(err), ran
        """
    )
    assert out[0] is False and "Step 'bad' failed" in out[1] and "boom" in out[1]
    assert out[2] is False


def test_continue_runs_every_step_and_reports_failures(lua):
    out = lua(
        """
        local wf = Workflow.builder():name("c"):sequential():error_strategy("continue")
          :add_step{name="bad", type="tool", tool="no_such_tool"}
          :add_step{name="good", fn=function() return "ok" end}
          :build()
        local r = wf:execute()
        return r.success, r.outputs.good, r.failed_steps[1], r.errors[1].error, r.steps.bad.status
        """
    )
    assert out[:3] == [False, "ok", "bad"]
    assert "not found" in out[3] and out[4] == "failed"


def test_retry_strategy_and_retry_count(lua):
    out = lua(
        """
        local n = 0
        local flaky = function() n = n + 1; if n < 3 then error("flaky") end; return n end
        local wf = Workflow.builder():name("r"):sequential()
          :error_strategy({type="retry", max_attempts=3, backoff_ms=1})
          :add_step{name="f", fn=flaky}:build()
        local r = wf:execute()
        local m = 0
        local wf2 = Workflow.sequential{name="r2", steps={{name="g", retry_count=1,
          fn=function() m = m + 1; if m < 2 then error("once") end; return "fine" end}}}
        local r2 = wf2:execute()
        return r.outputs.f, r.steps.f.retry_count, r2.outputs.g, m
        """
    )
    assert out == [3, 2, "fine", 2]


def test_step_timeout_fails_the_step(lua):
    started = time.perf_counter()
    out = lua(
        """
        local wf = Workflow.builder():name("t"):sequential():error_strategy("continue")
          :add_step{name="slow", type="custom", ["function"]="delay",
                    parameters={ms=2000}, timeout_ms=100}
          :add_step{name="fast", type="custom", ["function"]="success"}
          :build()
        local r = wf:execute()
        return r.success, r.steps.slow.error, r.outputs.fast
        """
    )
    assert time.perf_counter() - started < 1.5
    assert out[0] is False and "timed out" in out[1] and out[2] == "Success"


def test_workflow_timeout_stops_between_steps(lua):
    with pytest.raises(ScriptError, match="time limit"):
        lua(
            """
            Workflow.builder():name("wt"):sequential():timeout_ms(150)
              :add_step{name="a", type="custom", ["function"]="delay", parameters={ms=300}}
              :add_step{name="b", type="custom", ["function"]="success"}
              :build():execute()
            """
        )


def test_parallel_runs_lua_steps_in_branches_without_deadlock(lua):
    started = time.perf_counter()
    out = lua(
        """
        local wf = Workflow.parallel{name="p", max_concurrency=4, branches={
          {name="b1", steps={
             {name="sleep1", type="custom", ["function"]="delay", parameters={ms=300}},
             {name="lua1", fn=function(i, ctx) return "after " .. ctx.outputs.sleep1 end}}},
          {name="b2", steps={
             {name="sleep2", type="custom", ["function"]="delay", parameters={ms=300}},
             {name="lua2", fn=function() return 2 end}}},
          {name="b3", steps={{name="lua3", fn=function() return 3 end}}},
        }}
        local r = wf:execute()
        local order = {}
        for _, s in ipairs(r.step_results) do order[#order + 1] = s.name end
        return r.success, r.outputs.lua1, r.outputs.lua2, r.outputs.lua3, order,
               r.metadata.extra.successful_branches
        """
    )
    assert time.perf_counter() - started < 0.55  # two 300 ms sleeps overlapped
    assert out == [
        True,
        "after Delayed for 300ms",
        2,
        3,
        ["sleep1", "lua1", "sleep2", "lua2", "lua3"],
        3,
    ]


def test_parallel_flat_steps_and_max_concurrency(lua):
    started = time.perf_counter()
    out = lua(
        """
        local steps = {}
        for i = 1, 4 do
          steps[i] = {name="d" .. i, type="custom", ["function"]="delay", parameters={ms=200}}
        end
        local r = Workflow.parallel{name="flat", steps=steps, max_concurrency=2}:execute()
        return r.metadata.extra.total_branches, r.success
        """
    )
    elapsed = time.perf_counter() - started
    assert out == [4, True]
    assert 0.38 < elapsed < 0.75  # two waves of two


def test_parallel_fail_fast_raises(lua):
    with pytest.raises(ScriptError, match="Step 'bad' failed"):
        lua(
            """
            Workflow.builder():name("pf"):parallel()
              :add_step{name="bad", fn=function() error("nope") end}
              :add_step{name="ok", fn=function() return 1 end}
              :build():execute()
            """
        )


def test_conditional_conditions_and_default(lua):
    out = lua(
        """
        local function wf(cond)
          return Workflow.builder():name("c"):conditional():condition(cond)
            :add_then_step{name="then", fn=function() return "then" end}
            :add_else_step{name="else", fn=function() return "else" end}
            :build()
        end
        local a = wf({type="always"}):execute().outputs
        local n = wf({type="never"}):execute().outputs
        local s = wf({type="shared_data_equals", key="mode", value="fast"})
        s:set_shared_data("mode", "fast")
        local sd = s:execute().outputs
        local e = wf({type="shared_data_exists", key="nope"}):execute().outputs
        local p = wf(function(ctx) return ctx.input.go == true end):execute({go=true}).outputs
        return {a["then"], n["else"], sd["then"], e["else"], p["then"], s:get_shared_data("mode")}
        """
    )
    assert out == ["then", "else", "then", "else", "then", "fast"]


def test_conditional_multiple_branches_table_form(lua):
    out = lua(
        """
        local wf = Workflow.conditional{name="route",
          steps={{name="classify", fn=function(i) return i.kind end,
                 input={kind="{{input.kind}}"}}},
          branches={
            {name="a", condition={type="step_output_equals", step="classify", value="a"},
             steps={{name="ra", fn=function() return "A" end}}},
            {name="b", condition="step.classify.output == 'b'",
             steps={{name="rb", fn=function() return "B" end}}},
            {name="other", default=true, steps={{name="rd", fn=function() return "D" end}}},
          }}
        local x = wf:execute({kind="b"})
        local y = wf:execute({kind="z"})
        return x.outputs.rb, y.outputs.rd, x.metadata.extra.executed_branch_names[1]
        """
    )
    assert out == ["B", "D", "b"]


def test_loop_range_while_and_break(lua):
    out = lua(
        """
        local values = {}
        local r = Workflow.builder():name("r"):loop():with_range({start=1, ["end"]=6, step=2})
          :add_step{name="v", fn=function(i, ctx) values[#values + 1] = ctx.loop.value end}
          :build():execute()
        local w = Workflow.builder():name("w"):loop():with_while("iteration <= 3")
          :add_step{name="x", fn=function() return 1 end}:build():execute()
        local f = Workflow.builder():name("f"):loop()
          :loop_condition(function(ctx) return ctx.iteration < 3 end):max_iterations(10)
          :add_step{name="x", fn=function() return 1 end}:build():execute()
        local b = Workflow.loop{name="b", iterator={collection={5, 6, 7, 8}},
          body={{name="v", fn=function(i, ctx) return ctx.loop.value end}},
          break_conditions={{expression="step.v.output >= 6", message="enough"}}}:execute()
        local cap = Workflow.builder():name("cap"):loop():with_collection({1,2,3,4,5,6})
          :max_iterations(5):add_step{name="x", fn=function() return 1 end}:build():execute()
        return values, w.metadata.extra.total_iterations, f.metadata.extra.total_iterations,
               b.outputs.v, b.metadata.extra.break_reason, cap.metadata.extra.total_iterations
        """
    )
    assert out == [[1, 3, 5], 3, 2, 6, "enough", 5]


def test_nested_workflow_step(lua):
    out = lua(
        """
        local inner = Workflow.sequential{name="inner", steps={
          {name="double", fn=function(i) return i.n * 2 end}}}
        local outer = Workflow.builder():name("outer"):sequential()
          :add_step{name="nest", type="workflow", workflow=inner, input={n=21}}
          :add_step{name="use", fn=function(i) return i end, input="{{step.nest.output}}"}
          :build()
        local r = outer:execute()
        return r.outputs.use, r.steps.nest.result.success
        """
    )
    assert out == [42, True]


def test_registry_functions_and_instance_methods(lua):
    out = lua(
        """
        Workflow.clear()
        local wf = Workflow.sequential{name="reg", steps={{name="a", fn=function() return 1 end}}}
        local id = Workflow.register("sequential", {name="r2",
          steps={{name="x", fn=function() return 2 end}}})
        local list = Workflow.list()
        local got = Workflow.get(wf.id)
        local byname = Workflow.get("r2")
        local v = wf:validate()
        local bad = Workflow.sequential{name="bad", steps={{name="t", type="tool", tool="nope"}}}
        local before, after = 0, nil
        wf:on_before_execute(function(ctx) before = before + 1 end)
        wf:on_after_execute(function(r) after = r.success end)
        wf:execute()
        local m = wf:get_metrics()
        wf:set_state("k", {x=1})
        local ok, err = pcall(Workflow.sequential{name="fresh", steps={}}.get_output,
          Workflow.get("fresh"), "a")
        return #list, got.name, byname.id == id, v.valid, bad:validate().valid, before, after,
          m.executions, wf:get_state("k").x, Workflow.types(), ok, tostring(err),
          Workflow.remove(id), Workflow.get(id) == nil
        """
    )
    assert out[:10] == [
        2,
        "reg",
        True,
        True,
        False,
        1,
        True,
        1,
        1,
        ["sequential", "parallel", "conditional", "loop"],
    ]
    assert out[10] is False and "Run execute() first" in out[11]
    assert out[12:] == [True, True]


def test_build_without_type_and_bad_step_raise(lua):
    with pytest.raises(ScriptError, match="Workflow type not specified"):
        lua("Workflow.builder():name('x'):build()")
    with pytest.raises(ScriptError, match="Unknown step type: bogus"):
        lua("Workflow.builder():sequential():add_step{name='x', type='bogus'}")
    with pytest.raises(ScriptError, match="Unknown condition type"):
        lua("Workflow.builder():conditional():condition{type='weird'}")


def test_emit_publishes_on_the_event_bus(runtime):
    values = runtime.run_code(
        """
        local seen = {}
        Event.subscribe("pipeline.*", function(ev) seen[#seen + 1] = ev.topic end)
        local sid = Event.subscribe("pipeline.done")
        local wf = Workflow.builder():name("emitter"):sequential()
          :add_step({name = "one", type = "function", fn = function() return 1 end})
          :build()
        wf:execute({})
        wf:emit("pipeline.done", {count = 1})
        local ev = Event.receive(sid, 500)
        return #seen, seen[1], ev.data.count, ev.correlation_id == wf:get_execution_id()
        """
    )
    assert values == [1, "pipeline.done", 1, True]


def test_emit_with_events_off_names_the_key(tmp_path, sink):
    from llmspell.config import LLMSpellConfig, apply_overrides
    from llmspell.runtime import Runtime

    cfg = apply_overrides(LLMSpellConfig.build({}), {"events.enabled": False})
    with Runtime.from_config(cfg, sink=sink, cwd=tmp_path) as rt:
        ok, message = rt.run_code(
            """
            local wf = Workflow.builder():name("quiet"):sequential()
              :add_step({name = "one", type = "function", fn = function() return 1 end}):build()
            return pcall(wf.emit, wf, "x.y", {})
            """
        )
    assert ok is False and "events.enabled" in message
