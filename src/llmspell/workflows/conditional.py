"""Conditional workflows: the first branch whose condition holds runs (or every matching one
with `execute_all_matching`); otherwise the default branch. Each chosen branch is a stage (see
`stages`); the steps before the branches are not.

Conditions: `always`, `never`, `shared_data_equals{key, value}`, `shared_data_exists{key}`,
`step_succeeded{step}`, `step_failed{step}`, `step_output_contains{step, text}`,
`step_output_equals{step, value}`, `and{conditions}`, `or{conditions}`, `not{condition}`,
`expression{expression}` (the mini-language of `evaluate_expression`), and a script predicate
(`{type="function", fn=f}` or the function itself) called as `f(ctx)`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from llmspell.core.errors import ValidationError, WorkflowError
from llmspell.workflows.stages import open_stages

if TYPE_CHECKING:
    from llmspell.workflows.run import Run

_SIMPLE = ("always", "never")


@dataclass(slots=True, frozen=True)
class Condition:
    kind: str
    key: str | None = None
    value: Any = None
    parts: tuple[Condition, ...] = field(default_factory=tuple)
    fn: Callable[..., Any] | None = None


def parse_condition(value: Any, *, where: str = "condition") -> Condition:
    if isinstance(value, Condition):
        return value
    if callable(value):
        return Condition("function", fn=value)
    if isinstance(value, bool):
        return Condition("always" if value else "never")
    if isinstance(value, str):
        if value in _SIMPLE:
            return Condition(value)
        return Condition("expression", value=value)
    if not isinstance(value, dict):
        raise ValidationError(f"{where}: a condition is a table {{type=...}} or a function")
    kind = str(value.get("type", "")).lower()
    if kind in _SIMPLE:
        return Condition(kind)
    if kind in ("shared_data_equals", "shared_data_exists"):
        key = value.get("key")
        if not isinstance(key, str) or not key:
            raise ValidationError(f"{where}: {kind} needs `key`")
        return Condition(kind, key=key, value=value.get("value"))
    if kind in ("step_succeeded", "step_failed", "step_output_contains", "step_output_equals"):
        step = value.get("step") or value.get("step_name") or value.get("key")
        if not isinstance(step, str) or not step:
            raise ValidationError(f"{where}: {kind} needs `step`")
        wanted = value.get("text", value.get("value", value.get("substring")))
        return Condition(kind, key=step, value=wanted)
    if kind in ("and", "or"):
        parts = value.get("conditions")
        if not isinstance(parts, list) or not parts:
            raise ValidationError(f"{where}: {kind} needs `conditions`, a list")
        return Condition(kind, parts=tuple(parse_condition(p, where=where) for p in parts))
    if kind == "not":
        return Condition("not", parts=(parse_condition(value.get("condition"), where=where),))
    if kind in ("expression", "custom"):
        expr = value.get("expression") or value.get("expr")
        if not isinstance(expr, str):
            raise ValidationError(f"{where}: {kind} needs `expression`, a string")
        return Condition("expression", value=expr)
    if kind in ("function", "lua", "predicate"):
        fn = value.get("fn") or value.get("predicate") or value.get("function")
        if not callable(fn):
            raise ValidationError(f"{where}: a function condition needs `fn`")
        return Condition("function", fn=fn)
    raise ValidationError(f"{where}: Unknown condition type: {value.get('type')!r}")


def holds(cond: Condition, run: Run) -> bool:
    kind = cond.kind
    if kind == "always":
        return True
    if kind == "never":
        return False
    if kind == "shared_data_equals":
        return _equal(_shared(run, cond.key), cond.value)
    if kind == "shared_data_exists":
        return _shared(run, cond.key) is not None
    if kind in ("step_succeeded", "step_failed", "step_output_contains", "step_output_equals"):
        record = run.latest(cond.key or "")
        if kind == "step_succeeded":
            return record is not None and record.success
        if kind == "step_failed":
            return record is not None and not record.success
        if record is None or not record.success:
            return False
        if kind == "step_output_equals":
            return _equal(record.output, cond.value)
        return str(cond.value) in str(record.output)
    if kind == "and":
        return all(holds(p, run) for p in cond.parts)
    if kind == "or":
        return any(holds(p, run) for p in cond.parts)
    if kind == "not":
        return not holds(cond.parts[0], run)
    if kind == "expression":
        return evaluate_expression(str(cond.value), expression_scope(run))
    if kind == "function" and cond.fn is not None:
        answer = cond.fn(run.function_context_base())
        if isinstance(answer, tuple):
            answer = answer[0] if answer else None
        return answer is not None and answer is not False
    raise WorkflowError(f"cannot evaluate condition {kind!r}")


def _shared(run: Run, key: str | None) -> Any:
    if key is None:
        return None
    found = run.workflow.shared_data.get(key)
    if found is None and run.loop is not None:
        found = run.loop.get(key)
    return found


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or (a == b and type(a) is type(b))
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    return a == b


def execute(run: Run) -> None:
    spec = run.spec
    if spec.steps:
        run.run_steps(spec.steps)
    matched = []
    for branch in spec.branches:
        if branch.default:
            continue
        if branch.condition is None or holds(branch.condition, run):
            matched.append(branch)
            if not spec.execute_all_matching:
                break
    chosen = matched or [b for b in spec.branches if b.default][:1]
    stages = open_stages(run)
    names: list[str] = []
    for branch in chosen:
        run.check_time(f"branch '{branch.name}'")
        if stages is None:
            run.run_steps(branch.steps, branch=branch.name)
            names.append(branch.name)
            continue
        index = next(i for i, b in enumerate(spec.branches, start=1) if b is branch)
        done = stages.enter(
            branch.name,
            "branch",
            index,
            branch.steps,
            lambda b=branch: run.run_steps(b.steps, branch=b.name),
        )
        if done is not None:
            names.append(branch.name)
    run.summary = f"{len(matched)} branch(es) matched; executed: {', '.join(names) or 'none'}."
    run.extra.update(
        {
            "matched_branches": len(matched),
            "executed_branches": len(names),
            "executed_branch_names": names,
            "used_default": not matched and bool(chosen),
        }
    )


# Expressions -----------------------------------------------------------------------------------

_COMPARE = re.compile(r"^\s*(.+?)\s*(==|~=|!=|>=|<=|>|<)\s*(.+?)\s*$")


def expression_scope(run: Run) -> dict[str, Any]:
    """Names an expression may use: loop values, shared data, step outputs and results."""
    scope: dict[str, Any] = dict(run.workflow.shared_data)
    if run.loop is not None:
        scope.update(run.loop)
        scope.setdefault("loop_value", run.loop.get("value"))
        scope.setdefault("loop_index", run.loop.get("index"))
    scope["shared_data"] = dict(run.workflow.shared_data)
    scope["input"] = run.input
    steps = {
        name: {"output": r.output, "success": r.success, "result": r.result}
        for name, r in run.latest_all().items()
    }
    scope["step"] = steps
    scope["steps"] = steps
    scope["step_result"] = steps
    return scope


def evaluate_expression(expr: str, scope: Mapping[str, Any]) -> bool:
    """`true`, `false`, `NAME OP literal` joined by `and`/`or`, `not X`; `$name` = `name`."""
    text = expr.strip()
    if not text:
        raise WorkflowError("empty condition expression")
    for word in (" or ", " and "):
        if word in text:
            parts = text.split(word)
            results = (evaluate_expression(p, scope) for p in parts)
            return any(results) if word == " or " else all(results)
    if text.startswith("not "):
        return not evaluate_expression(text[4:], scope)
    match = _COMPARE.match(text)
    if match is None:
        return _truthy(_operand(text, scope, expr))
    left = _operand(match.group(1), scope, expr)
    right = _operand(match.group(3), scope, expr)
    op = match.group(2)
    if op == "==":
        return _equal(left, right)
    if op in ("~=", "!="):
        return not _equal(left, right)
    try:
        return {
            ">": lambda: left > right,
            "<": lambda: left < right,
            ">=": lambda: left >= right,
            "<=": lambda: left <= right,
        }[op]()
    except TypeError:
        raise WorkflowError(f"condition {expr!r}: cannot compare {left!r} {op} {right!r}") from None


def _truthy(value: Any) -> bool:
    return value is not None and value is not False


def _operand(token: str, scope: Mapping[str, Any], expr: str) -> Any:
    token = token.strip()
    if token in ("true", "false"):
        return token == "true"
    if token in ("nil", "null"):
        return None
    if len(token) >= 2 and token[0] == token[-1] and token[0] in "\"'":
        return token[1:-1]
    try:
        return int(token)
    except ValueError:
        pass
    try:
        return float(token)
    except ValueError:
        pass
    name = token.lstrip("$")
    if not re.fullmatch(r"[A-Za-z_][\w]*(\.[\w-]+)*", name):
        raise WorkflowError(f"Unsupported condition expression {expr!r} (at {token!r})")
    value: Any = scope
    for part in name.split("."):
        if isinstance(value, Mapping):
            value = value.get(part)
        else:
            return None
    return value
