"""A workflow definition (`Workflow`): its spec, hooks around a run, validation and metrics.

One execution of it is a `Run` (`workflows/run.py`).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from llmspell.core.errors import LLMSpellError, WorkflowError
from llmspell.workflows.result import WorkflowResult
from llmspell.workflows.run import Run, pause
from llmspell.workflows.stages import rollback
from llmspell.workflows.steps import (
    AgentStep,
    ErrorPolicy,
    Step,
    ToolStep,
)

if TYPE_CHECKING:
    from llmspell.hooks import HookRegistry, Outcome
    from llmspell.workflows.engine import WorkflowEngine

log = logging.getLogger("llmspell.workflows")
_WORKFLOW_POINTS = ("BeforeWorkflowStart", "AfterWorkflowComplete", "WorkflowError")
KINDS = ("sequential", "parallel", "conditional", "loop")


@dataclass(slots=True, kw_only=True)
class Branch:
    name: str
    steps: list[Step]
    condition: Any = None  # a Condition (conditional workflows); None: always
    default: bool = False
    required: bool = True


@dataclass(slots=True, kw_only=True)
class LoopSpec:
    kind: str = "range"  # range | collection | while
    start: int | float = 1
    end: int | float = 10  # exclusive
    step: int | float = 1
    values: list[Any] = field(default_factory=list)
    condition: Any = None  # while: an expression string or a function(ctx) -> bool
    max_iterations: int | None = None
    break_conditions: list[Any] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class WorkflowSpec:
    name: str
    kind: str
    description: str = ""
    steps: list[Step] = field(default_factory=list)  # sequential, loop body, conditional preamble
    branches: list[Branch] = field(default_factory=list)  # parallel and conditional
    policy: ErrorPolicy = field(default_factory=ErrorPolicy)
    timeout: float | None = None  # seconds for the whole run
    max_concurrency: int = 4
    loop: LoopSpec | None = None
    execute_all_matching: bool = False

    def all_steps(self) -> list[Step]:
        return [*self.steps, *(s for b in self.branches for s in b.steps)]


@dataclass(slots=True)
class Metrics:
    executions: int = 0
    successes: int = 0
    failures: int = 0
    steps_executed: int = 0
    total_duration_ms: float = 0.0
    last_duration_ms: float = 0.0

    def as_table(self, last_execution_id: str | None) -> dict[str, Any]:
        avg = self.total_duration_ms / self.executions if self.executions else 0.0
        table: dict[str, Any] = {
            "executions": self.executions,
            "execution_count": self.executions,
            "successes": self.successes,
            "failures": self.failures,
            "steps_executed": self.steps_executed,
            "total_duration_ms": self.total_duration_ms,
            "average_duration_ms": avg,
            "last_duration_ms": self.last_duration_ms,
        }
        if last_execution_id:
            table["last_execution_id"] = last_execution_id
        return table


class Workflow:
    """A built workflow: run it with `execute(input)`; thread-safe to run more than once."""

    def __init__(self, spec: WorkflowSpec, engine: WorkflowEngine) -> None:
        if spec.kind not in KINDS:
            raise WorkflowError(f"Unknown workflow type '{spec.kind}' (use {', '.join(KINDS)})")
        self.id = f"workflow_{uuid.uuid4().hex}"
        self.spec = spec
        self.engine = engine
        self.shared_data: dict[str, Any] = {}
        self.before: list[Callable[..., Any]] = []
        self.after: list[Callable[..., Any]] = []
        self.on_error: list[Callable[..., Any]] = []
        self.metrics = Metrics()
        self.last_execution_id: str | None = None
        self.last_result: WorkflowResult | None = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def kind(self) -> str:
        return self.spec.kind

    def __repr__(self) -> str:
        return f"<Workflow {self.spec.kind} {self.name!r}>"

    def emit(self, event_type: str, data: Any = None) -> None:
        """Publish an event from this workflow (correlated with its last execution)."""
        bus = self.engine.events() if self.engine.events is not None else None
        if bus is None or not bus.enabled:
            from llmspell.core.errors import FeatureDisabled

            raise FeatureDisabled("Events", "events.enabled")
        bus.publish(
            event_type,
            data,
            correlation_id=self.last_execution_id,
            source=f"workflow:{self.name}",
            metadata={"workflow_id": self.id},
        )

    def info(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "type": self.kind,
            "description": self.spec.description,
        }

    def execute(self, input: Any = None) -> WorkflowResult:
        """Run once. Fail-fast failures raise WorkflowError naming the step.

        With hooks: BeforeWorkflowStart may change the input, cancel, skip (an empty success)
        or replace (an empty run whose `metadata.extra.output` is the value);
        AfterWorkflowComplete may cancel, retry once, or set `metadata.extra.output` (modified,
        replace); WorkflowError may retry once, replace or skip.
        """
        hooks = self.engine.hooks
        if hooks is None or not hooks.any(*_WORKFLOW_POINTS):
            return self._execute(input)
        return self._execute_hooked(hooks, input)

    def _execute_hooked(self, hooks: HookRegistry, input: Any) -> WorkflowResult:
        from llmspell.hooks import points as hp
        from llmspell.hooks.registry import HookContext, new_correlation_id

        correlation = new_correlation_id()

        def context(point: str, subject: str, **data: Any) -> HookContext:
            return HookContext(
                point=point,
                component_type="workflow",
                component_name=self.name,
                data={"workflow": self.name, "workflow_id": self.id, "input": input, **data},
                metadata={"workflow_type": self.kind},
                subject=subject,
                correlation_id=correlation,
            )

        if hooks.has(hp.BEFORE_WORKFLOW):
            before = hooks.fire(hp.BEFORE_WORKFLOW, context(hp.BEFORE_WORKFLOW, "input"))
            if before.modified:
                input = before.data
            early = self._early(before, input)
            if early is not None:
                return early
        started = time.perf_counter()
        try:
            result = self._execute(input)
        except LLMSpellError as exc:
            if not hooks.has(hp.WORKFLOW_ERROR):
                raise
            elapsed = round((time.perf_counter() - started) * 1000, 3)
            failed = hooks.fire(
                hp.WORKFLOW_ERROR,
                context(hp.WORKFLOW_ERROR, "error", error=str(exc), duration_ms=elapsed),
            )
            if failed.kind == "retry":
                pause(failed.result.delay)
                result = self._execute(input)
            else:
                early = self._early(failed, input)
                if early is None:
                    raise
                return early
        elapsed = round((time.perf_counter() - started) * 1000, 3)
        if not result.success and hooks.has(hp.WORKFLOW_ERROR):
            error = result.as_table().get("error", "")
            hooks.fire(
                hp.WORKFLOW_ERROR,
                context(hp.WORKFLOW_ERROR, "error", error=error, duration_ms=elapsed),
            )
        if hooks.has(hp.AFTER_WORKFLOW):
            after = hooks.fire(
                hp.AFTER_WORKFLOW,
                context(
                    hp.AFTER_WORKFLOW,
                    "output",
                    output=result.as_table(),
                    duration_ms=elapsed,
                    success=result.success,
                ),
            )
            if after.kind == "retry":
                pause(after.result.delay)
                return self._execute(input)
            if after.kind == "cancel":
                raise WorkflowError(
                    f"Workflow '{self.name}' cancelled by a hook: {after.result.reason}",
                    workflow=self.name,
                )
            if after.kind == "replace":
                result.extra["output"] = after.result.data
            elif after.modified:
                result.extra["output"] = after.data
        return result

    def _early(self, outcome: Outcome, input: Any) -> WorkflowResult | None:
        kind = outcome.kind
        if kind == "cancel":
            raise WorkflowError(
                f"Workflow '{self.name}' cancelled by a hook: {outcome.result.reason}",
                workflow=self.name,
            )
        if kind not in ("replace", "skipped"):
            return None
        run = Run(self, input)
        self.last_execution_id = run.execution_id
        run.summary = f"{'Replaced' if kind == 'replace' else 'Skipped'} by a hook."
        run.extra["hook"] = kind
        if kind == "replace":
            run.extra["output"] = outcome.result.data
        result = run.result()
        self._account(result)
        return result

    def _execute(self, input: Any) -> WorkflowResult:
        from llmspell.workflows import conditional, loop, parallel, sequential

        runners = {
            "sequential": sequential.execute,
            "parallel": parallel.execute,
            "conditional": conditional.execute,
            "loop": loop.execute,
        }
        run = Run(self, input)
        self.last_execution_id = run.execution_id
        for hook in self.before:
            hook(run.hook_context())
        try:
            runners[self.kind](run)
        except BaseException as exc:
            result = run.result()
            self._account(result)
            message = str(exc)
            if isinstance(exc, Exception):
                rollback(run, exc)
            if isinstance(exc, LLMSpellError):
                for hook in self.on_error:
                    hook(message, run.hook_context())
            raise
        result = run.result()
        self._account(result)
        if not result.success:
            for hook in self.on_error:
                hook(result.as_table().get("error", ""), run.hook_context())
        for hook in self.after:
            hook(result.as_table())
        return result

    def _account(self, result: WorkflowResult) -> None:
        with self._lock:
            m = self.metrics
            m.executions += 1
            if result.success:
                m.successes += 1
            else:
                m.failures += 1
            m.steps_executed += sum(1 for r in result.records if r.status != "skipped")
            m.total_duration_ms += result.duration_ms
            m.last_duration_ms = result.duration_ms
            self.last_result = result

    def validate(self) -> dict[str, Any]:
        from llmspell.workflows.template import references

        errors: list[str] = []
        warnings: list[str] = []
        spec = self.spec
        steps = spec.all_steps()
        names = {s.name for s in steps}
        if not steps:
            errors.append("the workflow has no steps")
        seen: set[str] = set()
        for step in steps:
            if step.name in seen and spec.kind != "conditional":
                warnings.append(f"step name '{step.name}' is used more than once")
            seen.add(step.name)
            if isinstance(step, ToolStep) and not self.engine.tool_exists(step.tool):
                errors.append(f"step '{step.name}': Tool '{step.tool}' not found")
            if (
                isinstance(step, AgentStep)
                and isinstance(step.agent, str)
                and not self.engine.agent_exists(step.agent)
            ):
                errors.append(f"step '{step.name}': Agent instance '{step.agent}' not found")
            for ref in references(step.input):
                parts = ref.split(".")
                if parts[0] in ("step", "steps") and len(parts) > 1 and parts[1] not in names:
                    errors.append(f"step '{step.name}': {{{{{ref}}}}} names no step")
        if spec.kind == "conditional" and not spec.branches:
            errors.append("a conditional workflow needs a condition and branch steps")
        return {
            "valid": not errors,
            "workflow_id": self.id,
            "errors": errors,
            "warnings": warnings,
        }
