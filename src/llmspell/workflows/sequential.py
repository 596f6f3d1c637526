"""Sequential workflows: steps in order, each seeing the outputs before it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmspell.workflows.run import Run


def execute(run: Run) -> None:
    records = run.run_steps(run.spec.steps)
    run.summary = f"{len(records)} steps executed."
