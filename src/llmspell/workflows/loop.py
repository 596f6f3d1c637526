"""Loop workflows: the body steps run once per iteration.

Iterators: a range (`end` exclusive, as in the original: `{start=1, ["end"]=6, step=2}` gives
1, 3, 5), a collection, or a while condition (an expression string or a function `f(ctx)`) checked
before each iteration. `max_iterations` caps every kind (default 100 for while loops). Break
conditions (expressions or functions) are checked after each iteration. Inside the body,
`{{loop.value}}`/`{{loop_value}}` and `{{loop.index}}` (1-based) are the current iteration.
Each iteration is a stage (`iteration N`, see `stages`); a skipped one does not count as completed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from llmspell.core.errors import ValidationError, WorkflowError
from llmspell.workflows.conditional import evaluate_expression, expression_scope
from llmspell.workflows.stages import open_stages, run_stage

if TYPE_CHECKING:
    from llmspell.workflows.run import Run
    from llmspell.workflows.workflow import LoopSpec

WHILE_DEFAULT_MAX = 100


def values(spec: LoopSpec) -> Iterator[Any]:
    """The iteration values (unbounded for a while loop: the caller stops it)."""
    cap = spec.max_iterations
    if spec.kind == "collection":
        items = spec.values if cap is None else spec.values[:cap]
        yield from items
        return
    if spec.kind == "while":
        limit = cap if cap is not None else WHILE_DEFAULT_MAX
        yield from range(1, limit + 1)
        return
    if spec.step == 0:
        raise ValidationError("loop range: `step` cannot be 0")
    current, count = spec.start, 0
    while (current < spec.end) if spec.step > 0 else (current > spec.end):
        if cap is not None and count >= cap:
            return
        yield current
        current += spec.step
        count += 1


def _check(cond: Any, run: Run) -> bool:
    if callable(cond):
        answer = cond(run.function_context_base())
        if isinstance(answer, tuple):
            answer = answer[0] if answer else None
        return answer is not None and answer is not False
    if isinstance(cond, dict):
        cond = cond.get("expression") or cond.get("condition") or cond.get("fn")
        return _check(cond, run)
    if isinstance(cond, bool):
        return cond
    if isinstance(cond, str):
        return evaluate_expression(cond, expression_scope(run))
    raise WorkflowError(f"a loop condition must be an expression string or a function: {cond!r}")


def execute(run: Run) -> None:
    spec = run.spec.loop
    if spec is None:
        raise WorkflowError(f"Loop workflow '{run.workflow.name}' has no iterator")
    items = spec.values if spec.kind == "collection" else None
    total = len(items) if items is not None else None
    completed = 0
    reason = "completed"
    failed = False
    stages = open_stages(run)
    body = run.spec.steps
    for index, value in enumerate(values(spec), start=1):
        run.loop = {
            "index": index,
            "iteration": index,
            "value": value,
            "loop_index": index,
            "loop_value": value,
            "iteration_value": value,
            "total_iterations": total,
        }
        if spec.kind == "while" and spec.condition is not None and not _check(spec.condition, run):
            reason = "condition_false"
            break
        run.check_time(f"iteration {index}")
        records = run_stage(
            stages, f"iteration {index}", "iteration", index, body, lambda: run.run_steps(body)
        )
        if records is None:
            continue
        completed += 1
        if any(not r.success for r in records):
            failed = True
        broke = next((c for c in spec.break_conditions if _check(c, run)), None)
        if broke is not None:
            message = broke.get("message") if isinstance(broke, dict) else None
            reason = message or "break_condition"
            break
    else:
        if spec.kind == "while":
            reason = "max_iterations"
    run.summary = f"{completed} iterations executed."
    run.extra.update(
        {
            "total_iterations": completed,
            "completed_iterations": completed,
            "break_reason": reason,
            "loop_metadata": {
                "iterator": spec.kind,
                "max_iterations": spec.max_iterations,
                "had_failures": failed,
            },
        }
    )
