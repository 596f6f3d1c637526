"""Stage, checkpoint and rollback hook points of a workflow run.

A stage is one loop iteration (`iteration 1`, `iteration 2`, ...), one parallel branch or one
chosen conditional branch; sequential workflows have none. As a stage begins,
`WorkflowStageTransition` fires (`from` is the previous stage of the run, nil for the first and
for parallel branches), then `BeforeWorkflowStage`, then the stage's steps, then
`AfterWorkflowStage`:

- transition: cancel fails the run, skipped skips the stage;
- before: cancel fails the run, skipped skips the stage, modified replaces an iteration's loop
  value (what `{{loop.value}}` reads);
- after: cancel fails the run, retry runs the stage once more (after the hook's delay).

A skipped stage leaves no step records and is listed in `metadata.extra.skipped_stages`.
`WorkflowCheckpoint` fires after each successful step, once its output is saved in State (cancel
stops the run); `WorkflowRollback` notifies once when a failure aborts a run. A hook's cancel
fails the run under every error policy.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from llmspell.core.errors import WorkflowError

if TYPE_CHECKING:
    from llmspell.hooks import HookContext, HookRegistry
    from llmspell.workflows.result import StepRecord
    from llmspell.workflows.run import Run
    from llmspell.workflows.steps import Step

log = logging.getLogger("llmspell.workflows")

TRANSITION = "WorkflowStageTransition"
BEFORE_STAGE = "BeforeWorkflowStage"
AFTER_STAGE = "AfterWorkflowStage"
CHECKPOINT = "WorkflowCheckpoint"
ROLLBACK = "WorkflowRollback"
STAGE_POINTS = (TRANSITION, BEFORE_STAGE, AFTER_STAGE)
_LOOP_VALUE_KEYS = ("value", "loop_value", "iteration_value")

Body = Callable[[], "list[StepRecord]"]


class HookStop(WorkflowError):
    """A hook stopped the run: fatal under every error policy."""


def open_stages(run: Run) -> Stages | None:
    """The run's stage firing, or None (the only cost) when no stage point has a hook."""
    hooks = run.engine.hooks
    if hooks is None or not hooks.any(*STAGE_POINTS):
        return None
    return Stages(run, hooks)


def run_stage(
    stages: Stages | None,
    name: str,
    stage_type: str,
    index: int,
    steps: list[Step],
    body: Body,
    *,
    chained: bool = True,
) -> list[StepRecord] | None:
    """The stage's step records (`body()`), or None when a hook skipped it."""
    if stages is None:
        return body()
    return stages.enter(name, stage_type, index, steps, body, chained=chained)


class Stages:
    """The stage points of one run; safe to enter from parallel branch threads."""

    def __init__(self, run: Run, hooks: HookRegistry) -> None:
        self.run = run
        self.hooks = hooks
        self.previous: str | None = None
        self._lock = threading.Lock()

    def enter(
        self,
        name: str,
        stage_type: str,
        index: int,
        steps: list[Step],
        body: Body,
        *,
        chained: bool = True,
    ) -> list[StepRecord] | None:
        """Run one stage between its hook points; `chained=False` for concurrent branches."""
        hooks, run = self.hooks, self.run
        workflow = run.workflow.name
        source = None
        if chained:
            source, self.previous = self.previous, name
        if hooks.has(TRANSITION):
            moved = hooks.fire(
                TRANSITION,
                self._context(TRANSITION, None, {"from": source, "to": name}, stage_type),
            )
            if moved.kind == "cancel":
                raise HookStop(
                    f"Workflow '{workflow}' cancelled by a hook at the transition from "
                    f"{source or 'the start'} to {name}: {moved.result.reason}",
                    workflow=workflow,
                )
            if moved.kind == "skipped":
                return self._skip(name)
        if hooks.has(BEFORE_STAGE):
            loop = run.loop if stage_type == "iteration" else None
            data: dict[str, Any] = {
                "stage": name,
                "index": index,
                "steps": [s.name for s in steps],
            }
            if loop is not None:
                data["value"] = loop["value"]
            before = hooks.fire(
                BEFORE_STAGE,
                self._context(BEFORE_STAGE, None if loop is None else "value", data, stage_type),
            )
            if before.kind == "cancel":
                raise HookStop(
                    f"Workflow '{workflow}' cancelled by a hook before stage '{name}': "
                    f"{before.result.reason}",
                    workflow=workflow,
                )
            if before.kind == "skipped":
                return self._skip(name)
            if before.modified and loop is not None:
                loop.update(dict.fromkeys(_LOOP_VALUE_KEYS, before.data))
        started = time.perf_counter()
        records = body()
        if not hooks.has(AFTER_STAGE):
            return records
        data = {
            "stage": name,
            "index": index,
            "success": all(r.success for r in records),
            "outputs": {r.name: r.output for r in records if r.success and r.status != "skipped"},
            "duration_ms": round((time.perf_counter() - started) * 1000, 3),
        }
        after = hooks.fire(AFTER_STAGE, self._context(AFTER_STAGE, None, data, stage_type))
        if after.kind == "cancel":
            raise HookStop(
                f"Workflow '{workflow}' cancelled by a hook after stage '{name}': "
                f"{after.result.reason}",
                workflow=workflow,
            )
        if after.kind == "retry":
            if after.result.delay > 0:
                time.sleep(after.result.delay)
            return body()
        return records

    def _skip(self, name: str) -> None:
        with self._lock:
            self.run.extra.setdefault("skipped_stages", []).append(name)

    def _context(
        self, point: str, subject: str | None, data: dict[str, Any], stage_type: str
    ) -> HookContext:
        return _context(self.run, point, subject, {**data, "stage_type": stage_type})


def _context(run: Run, point: str, subject: str | None, data: dict[str, Any]) -> HookContext:
    from llmspell.hooks import HookContext

    return HookContext(
        point=point,
        component_type="workflow",
        component_name=run.workflow.name,
        data={"workflow": run.workflow.name, **data},
        metadata={"workflow_type": run.workflow.kind, "execution_id": run.execution_id},
        subject=subject,
        correlation_id=run.execution_id,
    )


def completed(run: Run) -> list[str]:
    """Names of the steps that succeeded so far, in the order they first did."""
    return list(
        dict.fromkeys(r.name for r in list(run.records) if r.success and r.status != "skipped")
    )


def checkpoint(run: Run, hooks: HookRegistry, record: StepRecord) -> None:
    """WorkflowCheckpoint after `record` succeeded, with the run's outputs saved first."""
    run.writer.flush()
    outcome = hooks.fire(
        CHECKPOINT,
        _context(
            run,
            CHECKPOINT,
            None,
            {
                "execution_id": run.execution_id,
                "step": record.name,
                "output": record.output,
                "completed": completed(run),
            },
        ),
    )
    if outcome.kind == "cancel":
        workflow = run.workflow.name
        raise HookStop(
            f"Workflow '{workflow}' stopped at checkpoint after step '{record.name}': "
            f"{outcome.result.reason}",
            workflow=workflow,
        )


def rollback(run: Run, error: BaseException) -> None:
    """Notify WorkflowRollback that `error` aborted the run; nothing a hook does hides it."""
    hooks = run.engine.hooks
    if hooks is None or not hooks.has(ROLLBACK):
        return
    failed = error.step if isinstance(error, WorkflowError) else None
    try:
        hooks.fire(
            ROLLBACK,
            _context(
                run,
                ROLLBACK,
                None,
                {
                    "execution_id": run.execution_id,
                    "failed_step": failed,
                    "error": str(error) or type(error).__name__,
                    "completed": completed(run),
                },
            ),
        )
    except Exception as exc:
        log.warning("WorkflowRollback hooks of '%s' failed: %s", run.workflow.name, exc)
