"""Parallel workflows: branches run concurrently, at most `max_concurrency` at a time.

Each branch runs its steps in order on a pool thread. The calling thread waits through
`ScriptThread.wait`, so script-function steps in branches (which must run on the script thread)
are served while it waits: no deadlock. Records come back in declared order. Each branch is a
stage (see `stages`); a hook's cancel stops every branch under any error policy.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

from llmspell.core.errors import WorkflowError
from llmspell.workflows.stages import HookStop, open_stages, run_stage
from llmspell.workflows.steps import StepTimeout, await_future

if TYPE_CHECKING:
    from llmspell.workflows.result import StepRecord
    from llmspell.workflows.run import Run
    from llmspell.workflows.workflow import Branch


def execute(run: Run) -> None:
    branches: list[Branch] = run.spec.branches
    if not branches:
        run.summary = "0 branches executed, 0 succeeded, 0 failed."
        return
    fail_fast = not run.spec.policy.continues
    workers = max(1, min(run.spec.max_concurrency, len(branches)))
    done_all: Future[None] = Future()
    remaining = [len(branches)]
    lock = threading.Lock()
    stop = threading.Event()
    per_branch: list[list[StepRecord]] = [[] for _ in branches]
    errors: list[tuple[int, BaseException]] = []
    skipped: set[int] = set()
    stages = open_stages(run)

    def run_steps(index: int, branch: Branch) -> list[StepRecord]:
        start = len(per_branch[index])
        for step in branch.steps:
            if stop.is_set():
                break
            try:
                per_branch[index].append(run.run_step(step, branch=branch.name))
            except BaseException:
                # run_step recorded the failed step; keep our own list in declared order too
                failed = run.latest(step.name)
                if failed is not None:
                    per_branch[index].append(failed)
                raise
        return per_branch[index][start:]

    def run_branch(index: int, branch: Branch) -> None:
        if stop.is_set():
            return
        done = run_stage(
            stages,
            branch.name,
            "branch",
            index + 1,
            branch.steps,
            lambda: run_steps(index, branch),
            chained=False,
        )
        if done is None:
            skipped.add(index)

    def finished(index: int, future: Future[None]) -> None:
        exc = future.exception() if not future.cancelled() else None
        if not branches[index].required:
            for record in per_branch[index]:
                record.required = False
        with lock:
            if exc is not None:
                errors.append((index, exc))
                if (fail_fast and branches[index].required) or isinstance(exc, HookStop):
                    stop.set()
            remaining[0] -= 1
            last = remaining[0] == 0
        if last and not done_all.done():
            done_all.set_result(None)

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="llmspell-wf")
    try:
        for i, branch in enumerate(branches):
            future = pool.submit(run_branch, i, branch)
            future.add_done_callback(lambda f, i=i: finished(i, f))
        try:
            await_future(done_all, run.deadline, run.engine.script_thread)
        except StepTimeout:
            stop.set()
            raise WorkflowError(
                f"Workflow '{run.workflow.name}' exceeded its time limit "
                f"({run.spec.timeout:g} s) with branches still running",
                workflow=run.workflow.name,
            ) from None
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    # declared order: branch by branch, step by step
    ordered = [r for records in per_branch for r in records]
    seen = {id(r) for r in ordered}
    ordered.extend(r for r in run.records if id(r) not in seen)
    run.records[:] = ordered
    failed = {i for i, _ in errors} | {
        i for i, recs in enumerate(per_branch) if any(not r.success for r in recs)
    }
    ok = len(branches) - len(failed) - len(skipped)
    run.summary = f"{len(branches)} branches executed, {ok} succeeded, {len(failed)} failed."
    if skipped:
        run.summary += f" {len(skipped)} skipped by a hook."
    run.extra.update(
        {
            "branch_count": len(branches),
            "total_branches": len(branches),
            "successful_branches": ok,
            "failed_branches": len(failed),
            "fail_fast": fail_fast,
            "max_concurrency": run.spec.max_concurrency,
            "stopped_early": stop.is_set(),
        }
    )
    stopped = [(i, e) for i, e in errors if isinstance(e, HookStop)]
    fatal = [(i, e) for i, e in errors if branches[i].required or not isinstance(e, Exception)]
    if fatal and fail_fast:
        raise min(fatal, key=lambda e: e[0])[1]
    if stopped:
        raise min(stopped, key=lambda e: e[0])[1]
