"""Stage, checkpoint and rollback hook points fire from real workflow runs, through a Runtime."""

from __future__ import annotations

from typing import Any

import pytest

from llmspell import Runtime
from llmspell.core.errors import ScriptError
from llmspell.hooks import HookContext, HookResult

STAGE_POINTS = ("WorkflowStageTransition", "BeforeWorkflowStage", "AfterWorkflowStage")

LOOP = """
local wf = Workflow.builder():name("L"):loop():with_collection({"a", "b", "c"})
  :add_step{name="s", fn=function(i) return i end, input="{{loop.index}}={{loop.value}}"}
  :build()
"""


def run(rt: Runtime, code: str) -> Any:
    values = rt.run_code(code)
    if not values:
        return None
    return values[0] if len(values) == 1 else values


def outputs_of(result: dict[str, Any]) -> list[Any]:
    return [s["output"] for s in result["step_results"]]


def record_stages(rt: Runtime) -> list[tuple[Any, ...]]:
    seen: list[tuple[Any, ...]] = []

    def hook(ctx: HookContext) -> None:
        d = ctx.data
        if ctx.point == "WorkflowStageTransition":
            seen.append(("transition", d["from"], d["to"], d["stage_type"]))
        elif ctx.point == "BeforeWorkflowStage":
            seen.append(("before", d["stage"], d["index"], d.get("value"), d["steps"]))
        else:
            seen.append(("after", d["stage"], d["success"], d["outputs"]))

    for point in STAGE_POINTS:
        rt.hooks.register(point, hook)
    return seen


def test_loop_fires_the_stage_points_in_order_for_each_iteration(runtime):
    seen = record_stages(runtime)
    result = run(runtime, LOOP + "return wf:execute()")
    assert result["success"] is True
    assert outputs_of(result) == ["1=a", "2=b", "3=c"]
    assert seen == [
        ("transition", None, "iteration 1", "iteration"),
        ("before", "iteration 1", 1, "a", ["s"]),
        ("after", "iteration 1", True, {"s": "1=a"}),
        ("transition", "iteration 1", "iteration 2", "iteration"),
        ("before", "iteration 2", 2, "b", ["s"]),
        ("after", "iteration 2", True, {"s": "2=b"}),
        ("transition", "iteration 2", "iteration 3", "iteration"),
        ("before", "iteration 3", 3, "c", ["s"]),
        ("after", "iteration 3", True, {"s": "3=c"}),
    ]


def test_stage_durations_and_workflow_name_reach_the_hook(runtime):
    seen: list[dict[str, Any]] = []
    runtime.hooks.register("AfterWorkflowStage", lambda ctx: seen.append(dict(ctx.data)))
    run(runtime, LOOP + "wf:execute()")
    assert [d["workflow"] for d in seen] == ["L", "L", "L"]
    assert all(d["duration_ms"] >= 0 and d["stage_type"] == "iteration" for d in seen)


def test_sequential_workflows_have_no_stages(runtime):
    seen = record_stages(runtime)
    out = run(
        runtime,
        """
        return Workflow.sequential{name="seq", steps={
          {name="c", type="tool", tool="calculator", input={input="1+1"}}}}:execute().success
        """,
    )
    assert out is True and seen == []


def test_lua_before_stage_hook_fires_for_each_parallel_branch(runtime):
    out = run(
        runtime,
        """
        local stages, froms = {}, {}
        Hook.register("BeforeWorkflowStage", function(ctx)
          table.insert(stages, ctx.stage .. ":" .. ctx.stage_type .. ":" .. ctx.steps[1])
        end)
        Hook.register("WorkflowStageTransition", function(ctx)
          table.insert(froms, tostring(ctx["from"]) .. "->" .. ctx.to)
        end)
        local wf = Workflow.parallel{name="p", max_concurrency=3, branches={
          {name="b1", steps={{name="c1", type="tool", tool="calculator", input={input="1+1"}}}},
          {name="b2", steps={{name="c2", type="tool", tool="calculator", input={input="2+2"}}}},
          {name="b3", steps={{name="f3", fn=function() return 3 end}}},
        }}
        local r = wf:execute()
        table.sort(stages)
        table.sort(froms)
        return r.success, stages, froms, r.outputs.f3
        """,
    )
    assert out == [
        True,
        ["b1:branch:c1", "b2:branch:c2", "b3:branch:f3"],
        ["nil->b1", "nil->b2", "nil->b3"],
        3,
    ]


def test_flat_parallel_steps_are_branches(runtime):
    seen = record_stages(runtime)
    run(
        runtime,
        """
        Workflow.builder():name("flat"):parallel()
          :add_step{name="x", type="tool", tool="calculator", input={input="1+1"}}
          :add_step{name="y", type="tool", tool="calculator", input={input="2+2"}}
          :build():execute()
        """,
    )
    befores = sorted((s[1], s[2]) for s in seen if s[0] == "before")
    assert befores == [("x", 1), ("y", 2)]


def test_conditional_chosen_branches_are_chained_stages(runtime):
    seen = record_stages(runtime)
    out = run(
        runtime,
        """
        local wf = Workflow.conditional{name="route", execute_all_matching=true,
          steps={{name="pre", fn=function() return "p" end}},
          branches={
            {name="one", condition="always", steps={{name="r1", fn=function() return 1 end}}},
            {name="never", condition="never", steps={{name="rn", fn=function() return 0 end}}},
            {name="two", condition="always", steps={{name="r2", fn=function() return 2 end}}},
          }}
        return wf:execute().success
        """,
    )
    assert out is True
    assert [s for s in seen if s[0] == "transition"] == [
        ("transition", None, "one", "branch"),
        ("transition", "one", "two", "branch"),
    ]
    assert [s[1:3] for s in seen if s[0] == "before"] == [("one", 1), ("two", 3)]


@pytest.mark.parametrize("point", ["WorkflowStageTransition", "BeforeWorkflowStage"])
def test_skipped_iteration_leaves_no_step_records(runtime, point):
    def hook(ctx: HookContext) -> HookResult | None:
        stage = ctx.data.get("stage", ctx.data.get("to"))
        return HookResult.skipped("not this one") if stage == "iteration 2" else None

    runtime.hooks.register(point, hook)
    result = run(runtime, LOOP + "return wf:execute()")
    extra = result["metadata"]["extra"]
    assert result["success"] is True
    assert outputs_of(result) == ["1=a", "3=c"]
    assert [s["iteration"] for s in result["step_results"]] == [1, 3]
    assert extra["completed_iterations"] == 2
    assert extra["skipped_stages"] == ["iteration 2"]


def test_skipped_parallel_branch_runs_no_steps(runtime):
    runtime.hooks.register(
        "BeforeWorkflowStage", lambda ctx: "skip" if ctx.data["stage"] == "b2" else None
    )
    out = run(
        runtime,
        """
        local ran = {}
        local r = Workflow.parallel{name="p", branches={
          {name="b1", steps={{name="f1", fn=function() ran[#ran + 1] = 1 return 1 end}}},
          {name="b2", steps={{name="f2", fn=function() ran[#ran + 1] = 2 return 2 end}}},
        }}:execute()
        return r.success, #r.step_results, ran, r.metadata.extra.skipped_stages,
               r.metadata.extra.successful_branches
        """,
    )
    assert out == [True, 1, [1], ["b2"], 1]


def test_modified_loop_value_reaches_the_template(runtime):
    out = run(
        runtime,
        """
        Hook.register("BeforeWorkflowStage", function(ctx)
          return {type="modified", data={value=string.upper(ctx.value) .. "!"}}
        end)
        """
        + LOOP
        + """
        local r = wf:execute()
        local seen = {}
        for _, s in ipairs(r.step_results) do seen[#seen + 1] = s.output end
        return seen
        """,
    )
    assert out == ["1=A!", "2=B!", "3=C!"]


@pytest.mark.parametrize(
    ("point", "message"),
    [
        (
            "WorkflowStageTransition",
            "Workflow 'L' cancelled by a hook at the transition from iteration 1 to "
            "iteration 2: stop here",
        ),
        ("BeforeWorkflowStage", "Workflow 'L' cancelled by a hook before stage 'iteration 2'"),
        ("AfterWorkflowStage", "Workflow 'L' cancelled by a hook after stage 'iteration 2'"),
    ],
)
@pytest.mark.parametrize("strategy", ["fail_fast", "continue"])
def test_cancel_at_a_stage_point_fails_the_workflow(runtime, point, message, strategy):
    def hook(ctx: HookContext) -> HookResult | None:
        stage = ctx.data.get("stage", ctx.data.get("to"))
        return HookResult.cancel("stop here") if stage == "iteration 2" else None

    runtime.hooks.register(point, hook)
    out = run(
        runtime,
        f"""
        local ran = {{}}
        local wf = Workflow.builder():name("L"):loop():with_collection({{"a", "b", "c"}})
          :error_strategy("{strategy}")
          :add_step{{name="s", fn=function(i) ran[#ran + 1] = i return i end,
                     input="{{{{loop.value}}}}"}}
          :build()
        local ok, err = pcall(wf.execute, wf)
        return ok, tostring(err), ran
        """,
    )
    assert out[0] is False
    assert message in out[1] and "stop here" in out[1]
    assert out[2] == (["a", "b"] if point == "AfterWorkflowStage" else ["a"])


def test_cancel_in_a_parallel_branch_fails_even_under_continue(runtime):
    out = run(
        runtime,
        """
        Hook.register("BeforeWorkflowStage", function(ctx)
          if ctx.stage == "b2" then return {type="cancel", reason="no b2"} end
        end)
        local wf = Workflow.parallel{name="pc", error_strategy="continue", branches={
          {name="b1", steps={{name="f1", fn=function() return 1 end}}},
          {name="b2", steps={{name="f2", fn=function() return 2 end}}},
        }}
        local ok, err = pcall(wf.execute, wf)
        return ok, tostring(err)
        """,
    )
    assert out[0] is False
    assert "Workflow 'pc' cancelled by a hook before stage 'b2': no b2" in out[1]


def test_after_stage_retry_runs_the_stage_once_more(runtime):
    calls: list[str] = []

    def hook(ctx: HookContext) -> HookResult:
        calls.append(ctx.data["stage"])
        return HookResult.retry(0.01)

    runtime.hooks.register("AfterWorkflowStage", hook)
    out = run(
        runtime,
        """
        local runs = 0
        local wf = Workflow.builder():name("r"):loop():with_range({start=1, ["end"]=3})
          :add_step{name="s", fn=function() runs = runs + 1 return runs end}
          :build()
        local r = wf:execute()
        local seen = {}
        for _, s in ipairs(r.step_results) do seen[#seen + 1] = s.output end
        return runs, seen, r.outputs.s, r.metadata.extra.completed_iterations
        """,
    )
    assert out == [4, [1, 2, 3, 4], 4, 2]
    assert calls == ["iteration 1", "iteration 2"]  # the retried run is not hooked again


def test_checkpoint_sees_the_step_output_already_in_state(runtime):
    seen: list[tuple[str, Any, Any, list[str]]] = []

    def hook(ctx: HookContext) -> None:
        d = ctx.data
        stored = runtime.state.load("workflow", f"{d['execution_id']}:{d['step']}")
        seen.append((d["step"], d["output"], stored and stored["output"], d["completed"]))

    runtime.hooks.register("WorkflowCheckpoint", hook)
    out = run(
        runtime,
        """
        local r = Workflow.sequential{name="cp", steps={
          {name="calc", type="tool", tool="calculator", input={input="20+22"}},
          {name="say", fn=function(i) return "got " .. i end, input="{{step.calc.output}}"},
        }}:execute()
        return r.outputs.calc, r.outputs.say
        """,
    )
    calc, say = out
    assert "42" in calc
    assert seen == [
        ("calc", calc, calc, ["calc"]),
        ("say", say, say, ["calc", "say"]),
    ]


def test_checkpoint_cancel_stops_before_the_next_step_runs(runtime):
    out = run(
        runtime,
        """
        local ran_b = false
        Hook.register("WorkflowCheckpoint", function(ctx)
          if ctx.step == "a" then return {type="cancel", reason="enough for today"} end
        end)
        local wf = Workflow.sequential{name="cp", error_strategy="continue", steps={
          {name="a", fn=function() return "A" end},
          {name="b", fn=function() ran_b = true return "B" end},
        }}
        local ok, err = pcall(wf.execute, wf)
        return ok, tostring(err), ran_b
        """,
    )
    assert out[0] is False
    assert "Workflow 'cp' stopped at checkpoint after step 'a': enough for today" in out[1]
    assert out[2] is False


def test_rollback_fires_with_the_completed_steps_on_failure(runtime, tmp_path):
    made = tmp_path / "made.txt"
    out = run(
        runtime,
        f"""
        local path = "{made}"
        local seen = {{}}
        Hook.register("WorkflowRollback", function(ctx)
          seen[#seen + 1] = ctx
          os.remove(path)
        end)
        local wf = Workflow.sequential{{name="rb", steps={{
          {{name="make", fn=function()
              local f = io.open(path, "w") f:write("x") f:close() return "made" end}},
          {{name="check", fn=function() return "ok" end}},
          {{name="boom", fn=function() error("disk full") end}},
          {{name="never", fn=function() return "no" end}},
        }}}}
        local ok, err = pcall(wf.execute, wf)
        local good = Workflow.sequential{{name="fine", steps={{
          {{name="x", fn=function() return 1 end}}}}}}:execute()
        local c = seen[1]
        return ok, tostring(err), #seen, c.workflow, c.failed_step, c.completed, c.error,
               c.execution_id == wf:get_execution_id(), good.success
        """,
    )
    ok, err, count, workflow, failed, completed, error, same_id, good = out
    assert ok is False and "Step 'boom' failed" in err and "disk full" in err
    assert (count, workflow, failed, completed) == (1, "rb", "boom", ["make", "check"])
    assert "disk full" in error and same_id is True and good is True
    assert not made.exists()


def test_rollback_fires_when_a_hook_stops_the_run(runtime):
    seen: list[dict[str, Any]] = []
    runtime.hooks.register("WorkflowRollback", lambda ctx: seen.append(dict(ctx.data)))
    runtime.hooks.register("BeforeWorkflowStage", lambda ctx: HookResult.cancel("halt"))
    with pytest.raises(ScriptError, match="before stage 'iteration 1': halt"):
        run(runtime, LOOP + "wf:execute()")
    assert len(seen) == 1
    assert seen[0]["failed_step"] is None and seen[0]["completed"] == []


def test_a_raising_rollback_hook_does_not_hide_the_original_error(runtime):
    def boom(ctx: HookContext) -> None:
        raise RuntimeError("compensation broke")

    runtime.hooks.register("WorkflowRollback", boom)
    with pytest.raises(ScriptError) as err:
        run(
            runtime,
            """
            Hook.register("WorkflowRollback", function() error("lua compensation broke") end)
            Workflow.sequential{name="rb", steps={
              {name="boom", fn=function() error("disk full") end}}}:execute()
            """,
        )
    text = str(err.value)
    assert "Step 'boom' failed" in text and "disk full" in text
    assert "compensation broke" not in text
