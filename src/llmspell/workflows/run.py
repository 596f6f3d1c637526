"""One execution of a workflow (`Run`): input, step records, templates, State writes, deadline.

The kind modules (`sequential`, `parallel`, `conditional`, `loop`) drive a `Run`; script
functions receive a `StepContext` as `ctx`.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any

from llmspell.core.errors import WorkflowError
from llmspell.core.scripting import ScriptObject
from llmspell.workflows.result import OutputWriter, StepRecord, WorkflowResult
from llmspell.workflows.stages import CHECKPOINT, checkpoint
from llmspell.workflows.steps import (
    AgentStep,
    FunctionStep,
    Step,
    ToolStep,
    WorkflowStep,
    attempt_with_policy,
    step_kind,
)
from llmspell.workflows.template import TemplateContext, render

if TYPE_CHECKING:
    from llmspell.workflows.workflow import Workflow


def _input_table(value: Any) -> tuple[dict[str, Any], str]:
    """The workflow input as a table and its text (`input.input`/`input.text`, else JSON)."""
    if value is None:
        return {}, "{}"
    if isinstance(value, str):
        return {"input": value, "text": value}, value
    if isinstance(value, list) and not value:
        return {}, "{}"
    if not isinstance(value, dict):
        raise WorkflowError("a workflow input must be a table or a string")
    for key in ("input", "text", "prompt"):
        if isinstance(value.get(key), str):
            return value, value[key]
    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    except (TypeError, ValueError):
        text = str(value)
    return value, text


class Run:
    """One execution: records, templates, State writes, the deadline."""

    def __init__(self, workflow: Workflow, input: Any) -> None:
        self.workflow = workflow
        self.engine = workflow.engine
        self.spec = workflow.spec
        self.execution_id = str(uuid.uuid4())
        self.input, self.input_text = _input_table(input)
        self.started = time.perf_counter()
        self.deadline = time.monotonic() + self.spec.timeout if self.spec.timeout else None
        self.records: list[StepRecord] = []
        self._latest: dict[str, StepRecord] = {}
        self._lock = threading.Lock()
        self.writer = OutputWriter(self.engine.state, self.execution_id)
        self.agent_outputs: dict[str, str] = {}
        self.usage = {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0}
        self.cost_usd = 0.0
        self.loop: dict[str, Any] | None = None
        self.summary = ""
        self.extra: dict[str, Any] = {}
        self.step_names = frozenset(s.name for s in self.spec.all_steps())

    # Reading -----------------------------------------------------------------------------------

    def latest(self, name: str) -> StepRecord | None:
        return self._latest.get(name)

    def outputs(self) -> dict[str, Any]:
        with self._lock:
            return {n: r.output for n, r in self._latest.items() if r.success}

    def template_context(self) -> TemplateContext:
        def step(name: str) -> dict[str, Any] | None:
            record = self._latest.get(name)
            return None if record is None else record.as_mapping()

        return TemplateContext(
            input=self.input,
            input_text=self.input_text,
            step=step,
            step_names=self.step_names,
            loop=self.loop,
        )

    def hook_context(self) -> dict[str, Any]:
        return {
            "workflow_id": self.workflow.id,
            "workflow_name": self.workflow.name,
            "workflow_type": self.workflow.kind,
            "execution_id": self.execution_id,
            "input": self.input,
        }

    def latest_all(self) -> dict[str, StepRecord]:
        with self._lock:
            return dict(self._latest)

    def function_context_base(self) -> StepContext:
        """What script functions (steps, predicates, loop conditions) receive as `ctx`."""
        return StepContext(self, None)

    def function_context(self, step: Step) -> StepContext:
        return StepContext(self, step.name)

    def check_time(self, where: str) -> None:
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise WorkflowError(
                f"Workflow '{self.workflow.name}' exceeded its time limit "
                f"({self.spec.timeout:g} s) before {where}",
                workflow=self.workflow.name,
            )

    # Running steps -----------------------------------------------------------------------------

    def run_steps(self, steps: list[Step], *, branch: str | None = None) -> list[StepRecord]:
        """Steps in order; under `continue` a failure is recorded and the next step runs."""
        done = []
        for step in steps:
            self.check_time(f"step '{step.name}'")
            done.append(self.run_step(step, branch=branch))
        return done

    def run_step(self, step: Step, *, branch: str | None = None) -> StepRecord:
        """One step under the error policy; raises WorkflowError when it fails fast."""
        policy = self.spec.policy
        record = StepRecord(
            name=step.name,
            kind=step_kind(step),
            step_id=f"{self.execution_id}:{step.name}",
            branch=branch,
            iteration=None if self.loop is None else self.loop.get("index"),
            required=step.required,
        )
        started = time.perf_counter()
        try:
            value, retries = attempt_with_policy(
                step,
                policy,
                lambda: self._invoke_step(step, record),
                deadline=self.deadline,
                script_thread=self.engine.script_thread,
            )
            record.retry_count = retries
        except BaseException as exc:
            record.success = False
            record.status = "failed"
            record.error = str(exc) or type(exc).__name__
            record.duration_ms = round((time.perf_counter() - started) * 1000, 3)
            self._record(record)
            if not isinstance(exc, Exception):
                raise
            if policy.continues or not step.required:
                return record
            raise WorkflowError(
                f"Workflow '{self.workflow.name}': Step '{step.name}' failed: {record.error}",
                workflow=self.workflow.name,
                step=step.name,
            ) from exc
        record.output = value
        record.duration_ms = round((time.perf_counter() - started) * 1000, 3)
        self._record(record)
        self.writer.step(record)
        hooks = self.engine.hooks
        if hooks is not None and record.status != "skipped" and hooks.has(CHECKPOINT):
            checkpoint(self, hooks, record)
        return record

    def _record(self, record: StepRecord) -> None:
        with self._lock:
            self.records.append(record)
            self._latest[record.name] = record

    def _invoke_step(self, step: Step, record: StepRecord) -> Any:
        """One attempt, between BeforeStepExecution and AfterStepExecution when hooked.

        Before: modified changes the step's rendered input, cancel fails the step, replace
        makes the value its output without running it, skipped leaves it skipped. After:
        modified or replace changes the output, cancel fails the step, retry runs it again.
        """
        hooks = self.engine.hooks
        if hooks is None or not hooks.any(BEFORE_STEP, AFTER_STEP):
            return self._invoke(step, record)
        from llmspell.hooks import HookContext

        data = render(step.input, self.template_context(), step=step.name)

        def context(point: str, subject: str, **more: Any) -> HookContext:
            return HookContext(
                point=point,
                component_type="step",
                component_name=step.name,
                data={
                    "workflow": self.workflow.name,
                    "step": step.name,
                    "step_type": step_kind(step),
                    "branch": record.branch,
                    "input": data,
                    **more,
                },
                metadata={"workflow_type": self.workflow.kind},
                subject=subject,
                correlation_id=self.execution_id,
            )

        before = hooks.fire(BEFORE_STEP, context(BEFORE_STEP, "input"))
        if before.kind == "cancel":
            raise WorkflowError(
                f"Step '{step.name}' cancelled by a hook: {before.result.reason}", step=step.name
            )
        if before.kind == "replace":
            record.result = before.result.data
            return before.result.data
        if before.kind == "skipped":
            record.status = "skipped"
            return None
        if before.modified:
            data = before.data
        value = self._invoke(step, record, data)
        if hooks.has(AFTER_STEP):
            after = hooks.fire(AFTER_STEP, context(AFTER_STEP, "output", output=value))
            if after.kind == "cancel":
                raise WorkflowError(
                    f"Step '{step.name}' cancelled by a hook: {after.result.reason}",
                    step=step.name,
                )
            if after.kind == "retry":
                pause(after.result.delay)
                return self._invoke(step, record, data)
            if after.kind == "replace":
                value = after.result.data
            elif after.modified:
                value = after.data
        return value

    def _invoke(self, step: Step, record: StepRecord, data: Any = None, /) -> Any:
        if data is None:
            data = render(step.input, self.template_context(), step=step.name)
        if isinstance(step, ToolStep):
            return self._tool(step, data, record)
        if isinstance(step, AgentStep):
            return self._agent(step, data, record)
        if isinstance(step, WorkflowStep):
            return self._nested(step, data, record)
        return self._function(step, data, record)

    def _tool(self, step: ToolStep, data: Any, record: StepRecord) -> Any:
        if data is None or data == []:
            params: dict[str, Any] = {}
        elif isinstance(data, dict):
            params = data
        else:
            params = {"input": data}
        result = self.engine.invoke_tool(step.tool, params)
        table = result.to_dict()
        record.result = result.result if result.result is not None else table
        record.raw = table
        self.writer.put(f"step:{step.tool}:output", result.text)
        self.writer.put(f"step:{step.tool}:metadata", table.get("metadata") or {})
        return result.text

    def _agent(self, step: AgentStep, data: Any, record: StepRecord) -> Any:
        from llmspell.agents import AgentInput

        agent = self.engine.resolve_agent(step.agent)
        options: dict[str, Any] = {}
        if data is None:
            text = self.input_text if self.input_text not in ("", "{}") else ""
        elif isinstance(data, dict):
            text = next(
                (
                    data[k]
                    for k in ("text", "prompt", "input", "message")
                    if isinstance(data.get(k), str)
                ),
                "",
            )
            options = {k: data[k] for k in ("system", "temperature", "max_tokens") if k in data}
        else:
            text = data if isinstance(data, str) else json.dumps(data, default=str)
        if not text.strip():
            raise WorkflowError(f"Agent input cannot be empty (step '{step.name}')", step=step.name)
        out = agent.execute(AgentInput(text=text, **options))
        usage = {
            "input_tokens": out.usage.input_tokens,
            "output_tokens": out.usage.output_tokens,
            "total_tokens": out.usage.total_tokens,
        }
        meta = {
            "agent": out.agent,
            "provider": out.provider,
            "model": out.model,
            "usage": usage,
            "cost_usd": out.cost_usd,
            "duration_ms": out.duration_ms,
            "finish_reason": out.finish_reason,
        }
        if out.tool_calls:
            meta["tool_calls"] = [
                {"name": c.name, "arguments": c.arguments, "output": c.output, "success": c.success}
                for c in out.tool_calls
            ]
        record.result = {"text": out.text, "metadata": meta}
        record.raw = record.result
        with self._lock:
            self.agent_outputs[agent.name] = out.text
            for key, n in usage.items():
                self.usage[key] += n
            self.cost_usd += out.cost_usd
        self.writer.put(f"agent:{agent.name}:output", out.text)
        self.writer.put(f"agent:{agent.name}:metadata", meta)
        return out.text

    def _nested(self, step: WorkflowStep, data: Any, record: StepRecord) -> Any:
        child = self.engine.resolve_workflow(step.workflow)
        if child is self.workflow:
            raise WorkflowError(f"step '{step.name}': a workflow cannot run itself")
        result = child.execute(self.input if data is None else data)
        table = result.as_table()
        record.result = table
        record.raw = table
        with self._lock:
            self.agent_outputs.update(result.agent_outputs)
            for key, n in result.usage.items():
                self.usage[key] = self.usage.get(key, 0) + n
            self.cost_usd += result.cost_usd
        final = next((r.output for r in reversed(result.records) if r.success), None)
        self.writer.put(f"nested:{child.name}:output", final)
        self.writer.put(f"nested:{child.name}:metadata", table["metadata"])
        if not result.success:
            raise WorkflowError(table.get("error") or f"nested workflow '{child.name}' failed")
        return final

    def _function(self, step: FunctionStep, data: Any, record: StepRecord) -> Any:
        value_in = self.input if data is None else data
        if step.fn is None:
            value = builtin_function(step.function or "", value_in)
        else:
            value = step.fn(value_in, self.function_context(step))
        if isinstance(value, tuple):  # several return values: the first is the output
            value = value[0] if value else None
        record.result = value
        return value

    # Finishing ---------------------------------------------------------------------------------

    def result(self) -> WorkflowResult:
        self.writer.flush()
        return WorkflowResult(
            workflow_id=self.workflow.id,
            name=self.workflow.name,
            kind=self.workflow.kind,
            execution_id=self.execution_id,
            records=list(self.records),
            duration_ms=round((time.perf_counter() - self.started) * 1000, 3),
            agent_outputs=dict(self.agent_outputs),
            extra=dict(self.extra),
            summary=self.summary,
            usage=dict(self.usage),
            cost_usd=self.cost_usd,
        )


BEFORE_STEP = "BeforeStepExecution"
AFTER_STEP = "AfterStepExecution"


def pause(delay: float) -> None:
    """Wait a hook's retry delay."""
    if delay > 0:
        time.sleep(delay)


def builtin_function(name: str, params: Any) -> Any:
    """The original's named custom steps: `delay`/`sleep` really wait; others echo."""
    params = params if isinstance(params, dict) else {}
    if name in ("delay", "sleep", "quick_operation"):
        ms = params.get("ms", params.get("delay_ms", params.get("duration_ms", 0)))
        if isinstance(ms, int | float) and ms > 0:
            time.sleep(min(float(ms), 60_000) / 1000)
        return f"Delayed for {ms}ms"
    if name == "success":
        return "Success"
    text = json.dumps(params, ensure_ascii=False, sort_keys=True, default=str)
    return f"Custom function '{name}' executed with parameters: {text}"


class StepContext(ScriptObject):
    """`ctx` for script functions: cheap fields now; outputs, steps, shared data on demand.

    Building every earlier output into every call made long workflows quadratic.
    """

    _LAZY = ("outputs", "shared_data", "steps")

    def __init__(self, run: Any, step: str | None) -> None:
        self._run = run
        self._step = step

    def script_fields(self) -> dict[str, Any]:
        fields = dict(self._run.hook_context())
        if self._step is not None:
            fields["step"] = self._step
            fields["step_name"] = self._step
        loop = self._run.loop
        if loop is not None:
            fields["loop"] = dict(loop)
            fields.update({k: v for k, v in loop.items() if k not in fields})
        return fields

    def script_index(self, key: str) -> Any:
        run = self._run
        if key == "outputs":
            return run.outputs()
        if key == "shared_data":
            return dict(run.workflow.shared_data)
        if key == "steps":
            return {n: r.as_table() for n, r in run.latest_all().items()}
        return None

    def __getitem__(self, key: str) -> Any:
        if key in self._LAZY:
            return self.script_index(key)
        return self.script_fields()[key]

    def get(self, key: str, default: Any = None) -> Any:
        try:
            value = self[key]
        except KeyError:
            return default
        return default if value is None else value
