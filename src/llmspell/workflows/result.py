"""Step records, the workflow result table (SPEC §1.6) and the State keys of a run.

State keys (api-cli-config.md §2.3.6), written under the raw key `workflow:<execution_id>:...`:

- `workflow:<id>:<step_name>` = `{step_name, step_id, output, duration_ms, retry_count}`
- `workflow:<id>:agent:<agent_name>:output` (the text) and `:metadata`
- `workflow:<id>:step:<tool_name>:output` and `:metadata`
- `workflow:<id>:nested:<workflow_name>:output` and `:metadata`
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from llmspell.core.errors import LLMSpellError

if TYPE_CHECKING:
    from llmspell.state import StateStore

log = logging.getLogger("llmspell.workflows")

KIND_TITLES = {
    "sequential": "Sequential",
    "parallel": "Parallel",
    "conditional": "Conditional",
    "loop": "Loop",
}


@dataclass(slots=True, kw_only=True)
class StepRecord:
    name: str
    kind: str
    step_id: str
    success: bool = True
    status: str = "completed"  # completed | failed | skipped
    output: Any = None  # text for agents and tools; the value a function returned
    result: Any = None  # structured: tool result, agent result, nested result, function value
    raw: Any = None  # the full tool/agent table (fallback for `{{step.X.result.KEY}}`)
    error: str | None = None
    duration_ms: float = 0.0
    retry_count: int = 0
    branch: str | None = None
    iteration: int | None = None
    required: bool = True  # a failed optional step does not fail the workflow

    def as_mapping(self) -> dict[str, Any]:
        """What templates see."""
        return {
            "output": self.output,
            "result": self.result,
            "raw": self.raw,
            "success": self.success,
            "error": self.error,
            "status": self.status,
            "duration_ms": self.duration_ms,
        }

    def as_table(self) -> dict[str, Any]:
        table: dict[str, Any] = {
            "name": self.name,
            "step_name": self.name,
            "step_id": self.step_id,
            "type": self.kind,
            "status": self.status,
            "success": self.success,
            "output": self.output,
            "result": self.result,
            "duration_ms": self.duration_ms,
            "retry_count": self.retry_count,
        }
        if self.error is not None:
            table["error"] = self.error
        if self.branch is not None:
            table["branch"] = self.branch
        if self.iteration is not None:
            table["iteration"] = self.iteration
        return table


@dataclass(slots=True, kw_only=True)
class WorkflowResult:
    workflow_id: str
    name: str
    kind: str
    execution_id: str
    records: list[StepRecord]
    duration_ms: float
    agent_outputs: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    summary: str = ""  # the kind's own sentence after "completed successfully."
    usage: dict[str, int] = field(default_factory=dict)
    cost_usd: float = 0.0

    @property
    def failed(self) -> list[StepRecord]:
        return [r for r in self.records if r.status == "failed"]

    @property
    def success(self) -> bool:
        return not any(r.status == "failed" and r.required for r in self.records)

    def outputs(self) -> dict[str, Any]:
        """The last output of each step that succeeded."""
        return {r.name: r.output for r in self.records if r.success and r.status != "skipped"}

    def text(self) -> str:
        title = KIND_TITLES.get(self.kind, self.kind.title())
        seconds = self.duration_ms / 1000
        if self.success:
            return (
                f"{title} workflow '{self.name}' completed successfully. {self.summary} "
                f"Duration: {seconds:.3f}s"
            )
        names = ", ".join(f"'{r.name}'" for r in self.failed)
        return (
            f"{title} workflow '{self.name}' completed with errors: {len(self.failed)} step(s) "
            f"failed ({names}). {self.summary} Duration: {seconds:.3f}s"
        )

    def as_table(self) -> dict[str, Any]:
        """SPEC §1.6: success, text, outputs, steps, errors, metadata.extra.{execution_id, ...}."""
        done = [r for r in self.records if r.status != "skipped"]
        ok = sum(1 for r in done if r.success)
        failed = len(done) - ok
        extra = {
            "execution_id": self.execution_id,
            "workflow_id": self.workflow_id,
            "workflow_type": self.kind,
            "workflow_name": self.name,
            "total_steps": len(done),
            "successful_steps": ok,
            "failed_steps": failed,
            "success_rate": (ok / len(done) * 100.0) if done else 100.0,
            "agent_outputs": dict(self.agent_outputs),
            **self.extra,
        }
        steps: dict[str, Any] = {}
        for record in self.records:
            steps[record.name] = record.as_table()
        table: dict[str, Any] = {
            "success": self.success,
            "text": self.text(),
            "outputs": self.outputs(),
            "steps": steps,
            "step_results": [r.as_table() for r in self.records],
            "execution_id": self.execution_id,
            "workflow_id": self.workflow_id,
            "duration_ms": self.duration_ms,
            "media": [],
            "tool_calls": [],
            "metadata": {
                "execution_time_ms": self.duration_ms,
                "usage": dict(self.usage),
                "cost_usd": self.cost_usd,
                "extra": extra,
            },
        }
        if self.failed:
            table["errors"] = [{"step": r.name, "error": r.error} for r in self.failed]
            table["failed_steps"] = [r.name for r in self.failed]
            table["error"] = "; ".join(f"Step '{r.name}' failed: {r.error}" for r in self.failed)
        return table


class OutputWriter:
    """Collects a run's step outputs and writes them to State in one transaction per run.

    One transaction per step cost more than the steps themselves; the outputs are flushed when
    the run ends (success or failure) and before any read. A State failure is logged, never
    fatal.
    """

    def __init__(self, state: Callable[[], StateStore | None] | None, execution_id: str) -> None:
        self._state = state
        self.execution_id = execution_id
        self._pending: list[tuple[str, Any]] = []
        self._lock = threading.Lock()

    def _store(self) -> StateStore | None:
        if self._state is None:
            return None
        try:
            return self._state()
        except LLMSpellError as exc:
            log.warning("workflow outputs not saved: %s", exc)
            self._state = None
            return None

    def put(self, key: str, value: Any) -> None:
        if self._state is None:
            return
        with self._lock:
            self._pending.append((f"{self.execution_id}:{key}", value))

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, []
        if not pending:
            return
        store = self._store()
        if store is None:
            return
        try:
            store.save_many("workflow", pending)
        except LLMSpellError as exc:
            log.warning("workflow outputs of %s not saved: %s", self.execution_id, exc)

    def step(self, record: StepRecord) -> None:
        self.put(
            record.name,
            {
                "step_name": record.name,
                "step_id": record.step_id,
                "output": record.output,
                "duration_ms": record.duration_ms,
                "retry_count": record.retry_count,
                "success": record.success,
            },
        )

    def load(self, key: str) -> Any:
        self.flush()
        store = self._store()
        return None if store is None else store.load("workflow", f"{self.execution_id}:{key}")
