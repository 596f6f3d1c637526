"""Workflow steps (a closed union), error policies, and running one step with timeout and retry.

```python
step = parse_step({"name": "fetch", "type": "tool", "tool": "web_fetch", "input": {...}})
```

Kinds: `ToolStep`, `AgentStep` (agent object or instance name), `WorkflowStep` (a nested
workflow) and `FunctionStep` (a script function `f(input, ctx)`, or a named built-in function).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from llmspell.core.errors import LLMSpellError, ValidationError, WorkflowError

if TYPE_CHECKING:
    from llmspell.runtime.script_thread import ScriptThread

StrategyName = Literal["fail_fast", "continue", "retry"]


@dataclass(slots=True, kw_only=True)
class _StepBase:
    name: str
    input: Any = None
    timeout: float | None = None  # seconds
    retries: int = 0  # extra attempts beyond the first (`retry_count`)
    required: bool = True


@dataclass(slots=True, kw_only=True)
class ToolStep(_StepBase):
    tool: str


@dataclass(slots=True, kw_only=True)
class AgentStep(_StepBase):
    agent: Any  # an instance name (str) or an agent object with `execute` and `name`


@dataclass(slots=True, kw_only=True)
class WorkflowStep(_StepBase):
    workflow: Any  # a Workflow, or its id / name (looked up when run)


@dataclass(slots=True, kw_only=True)
class FunctionStep(_StepBase):
    fn: Callable[..., Any] | None = None
    function: str | None = None  # a named built-in when `fn` is None


Step = ToolStep | AgentStep | WorkflowStep | FunctionStep
STEP_KINDS = {
    ToolStep: "tool",
    AgentStep: "agent",
    WorkflowStep: "workflow",
    FunctionStep: "function",
}


def step_kind(step: Step) -> str:
    return STEP_KINDS[type(step)]


@dataclass(slots=True, frozen=True)
class ErrorPolicy:
    """fail_fast (default), continue, or retry (`attempts` in all, `backoff_ms` between)."""

    strategy: StrategyName = "fail_fast"
    attempts: int = 1
    backoff_ms: float = 1000.0
    exponential: bool = False

    @property
    def continues(self) -> bool:
        return self.strategy == "continue"

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number `attempt` (1-based)."""
        base = self.backoff_ms / 1000
        return base * (2 ** (attempt - 1)) if self.exponential else base


def error_policy(value: Any, *, where: str = "error_strategy") -> ErrorPolicy:
    """`"fail_fast"|"continue"|"retry"` or `{type="retry", max_attempts=, backoff_ms=}`."""
    if value is None:
        return ErrorPolicy()
    if isinstance(value, ErrorPolicy):
        return value
    if isinstance(value, dict):
        kind = str(value.get("type") or value.get("strategy") or "retry")
        base = error_policy(kind, where=where)
        if base.strategy != "retry":
            return base
        attempts = value.get("max_attempts", value.get("attempts", 3))
        backoff = value.get("backoff_ms", value.get("delay_ms", 1000))
        if not isinstance(attempts, int) or attempts < 1:
            raise ValidationError(f"{where}: max_attempts must be a positive integer")
        if not isinstance(backoff, int | float) or backoff < 0:
            raise ValidationError(f"{where}: backoff_ms must be a number >= 0")
        return ErrorPolicy("retry", attempts, float(backoff), bool(value.get("exponential", False)))
    if not isinstance(value, str):
        raise ValidationError(f"{where}: expected 'fail_fast', 'continue' or 'retry'")
    name = value.strip().lower().replace("-", "_")
    if name in ("continue", "continue_on_error", "skip"):
        return ErrorPolicy("continue")
    if name == "retry":
        return ErrorPolicy("retry", 3, 1000.0)
    return ErrorPolicy("fail_fast")  # the original: anything else is fail-fast


# Parsing ------------------------------------------------------------------------------------


def _seconds_from_ms(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValidationError(f"{where}: timeout_ms must be a positive number of milliseconds")
    return float(value) / 1000


def parse_step(table: Any, *, default_name: str | None = None, where: str = "add_step") -> Step:
    """A step from its table; ValidationError naming what is wrong."""
    if isinstance(table, _StepBase):
        return table  # type: ignore[return-value]
    if not isinstance(table, dict):
        raise ValidationError(f"{where}: a step must be a table {{name=, type=, ...}}")
    name = table.get("name", default_name)
    if not isinstance(name, str) or not name:
        raise ValidationError(f"{where}: the step needs a non-empty `name`")
    kind = table.get("type")
    if kind is None:
        kind = next(
            (k for k in ("tool", "agent", "workflow") if table.get(k) is not None),
            "function" if callable(table.get("fn") or table.get("function")) else None,
        )
    if not isinstance(kind, str):
        raise ValidationError(
            f"{where}: step '{name}' needs `type` (tool, agent, workflow or function)"
        )
    kind = kind.lower()
    common: dict[str, Any] = {
        "name": name,
        "timeout": _seconds_from_ms(table.get("timeout_ms"), f"{where} '{name}'"),
        "retries": _retries(table.get("retry_count", table.get("retries", 0)), where, name),
        "required": table.get("required", True) is not False,
    }
    if kind == "tool":
        tool = table.get("tool") or table.get("tool_name")
        if not isinstance(tool, str) or not tool:
            raise ValidationError(f"{where}: tool step '{name}' needs `tool` (a tool name)")
        params = table.get("input", table.get("parameters", table.get("params")))
        return ToolStep(tool=tool, input=params, **common)
    if kind == "agent":
        agent = table.get("agent") or table.get("agent_name")
        if agent is None or (isinstance(agent, str) and not agent):
            raise ValidationError(f"{where}: agent step '{name}' needs `agent` (agent or name)")
        return AgentStep(agent=agent, input=table.get("input", table.get("prompt")), **common)
    if kind == "workflow":
        wf = table.get("workflow")
        if wf is None:
            raise ValidationError(f"{where}: workflow step '{name}' needs `workflow`")
        return WorkflowStep(workflow=wf, input=table.get("input"), **common)
    if kind in ("function", "custom", "fn", "lua"):
        fn = table.get("fn", table.get("function", table.get("handler")))
        params = table.get("input", table.get("parameters"))
        if callable(fn):
            return FunctionStep(fn=fn, input=params, **common)
        if isinstance(fn, str) and fn:
            return FunctionStep(function=fn, input=params, **common)
        raise ValidationError(
            f"{where}: function step '{name}' needs `fn` (a function) or `function`"
        )
    raise ValidationError(f"{where}: Unknown step type: {kind} (step '{name}')")


def _retries(value: Any, where: str, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValidationError(f"{where}: step '{name}': retry_count must be an integer >= 0")
    return int(value)


# Running one step ----------------------------------------------------------------------------


class StepTimeout(WorkflowError, TimeoutError):
    """A step or a workflow ran past its time limit."""


def await_future(
    future: Future[Any], deadline: float | None, script_thread: ScriptThread | None
) -> Any:
    """The future's result, serving script calls meanwhile; StepTimeout past `deadline`."""
    while True:
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0 and not future.done():
            raise StepTimeout("timed out")
        try:
            if script_thread is not None:
                return script_thread.wait(future, remaining)
            return future.result(remaining)
        except TimeoutError:
            if future.done():
                raise  # the work itself raised a TimeoutError
            continue


def run_in_thread(work: Callable[[], Any], name: str) -> Future[Any]:
    """Run `work` on a daemon thread (a step with a time limit); its future."""
    future: Future[Any] = Future()

    def target() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(work())
        except BaseException as exc:  # handed to the waiter
            future.set_exception(exc)

    threading.Thread(target=target, name=f"llmspell-step-{name}", daemon=True).start()
    return future


def attempt_with_policy(
    step: Step,
    policy: ErrorPolicy,
    work: Callable[[], Any],
    *,
    deadline: float | None,
    script_thread: ScriptThread | None,
) -> tuple[Any, int]:
    """Run `work` with the step's timeout and retries; `(value, retries_used)` or raise."""
    attempts = max(step.retries + 1, policy.attempts if policy.strategy == "retry" else 1)
    retry = 0
    while True:
        step_deadline = deadline
        if step.timeout is not None:
            mine = time.monotonic() + step.timeout
            step_deadline = mine if deadline is None else min(deadline, mine)
        try:
            if step_deadline is None:
                return work(), retry
            if step_deadline <= time.monotonic():
                raise StepTimeout("timed out before it started")
            return await_future(run_in_thread(work, step.name), step_deadline, script_thread), retry
        except StepTimeout as exc:
            limit = step.timeout if step.timeout is not None else None
            error: BaseException = StepTimeout(
                f"Step timed out after {limit:g} s" if limit else "Workflow time limit reached",
                step=step.name,
            )
            error.__cause__ = exc
        except LLMSpellError as exc:
            error = exc
        except Exception as exc:
            error = exc
        retry += 1
        if retry >= attempts or (deadline is not None and time.monotonic() >= deadline):
            raise error
        pause = policy.delay(retry) if policy.strategy == "retry" else min(0.1 * retry, 1.0)
        if deadline is not None:
            pause = min(pause, max(0.0, deadline - time.monotonic()))
        time.sleep(pause)
