"""Step-input templating: pure functions over a `TemplateContext`.

References:

- `{{input.KEY}}` (nested: `{{input.a.b}}`), `{{input}}` (the input text), `$$`, `$$.KEY`;
- `{{step.NAME.output}}`, `{{step.NAME}}` (the same), `{{step.NAME.result}}`,
  `{{step.NAME.result.KEY}}`, `{{step.NAME.success}}`, `{{step.NAME.error}}` (`steps.` too);
- `{{loop.value}}` / `{{loop_value}}`, `{{loop.index}}` / `{{loop_index}}`, `{{loop.iteration}}`;
- `$NAME` and `$NAME.KEY` for a step named NAME (other `$words` are left alone: prose has them).

Other `{{...}}` text (`{{plan_content}}`, a template tool's own `{{id}}`) is left verbatim. A string
that is exactly one reference gets the referenced value itself (a table stays a table); inside a
longer string a value is formatted (tables as JSON). A reference that cannot be resolved raises
WorkflowError naming the step and the reference.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from llmspell.core.errors import WorkflowError

_BRACES = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_DOLLAR = re.compile(r"\$(\$|[A-Za-z_][\w-]*)((?:\.[A-Za-z_][\w-]*)*)")
_ROOTS = ("input", "step", "steps", "loop", "loop_value", "loop_index", "iteration")
_MISSING: Any = object()


@dataclass(slots=True)
class TemplateContext:
    """What references can see; `step` answers a step name with its record mapping or None."""

    input: Mapping[str, Any] = field(default_factory=dict)
    input_text: str = ""
    step: Callable[[str], Mapping[str, Any] | None] = lambda _name: None
    step_names: frozenset[str] | set[str] = frozenset()
    loop: Mapping[str, Any] | None = None


def render(value: Any, ctx: TemplateContext, *, step: str = "?") -> Any:
    """`value` with every reference in its strings replaced (tables walked, never mutated)."""
    kind = type(value)
    if kind is str:
        if "{{" not in value and "$" not in value:
            return value
        return render_text(value, ctx, step=step)
    if kind is dict:
        return {k: render(v, ctx, step=step) for k, v in value.items()}
    if kind is list:
        return [render(v, ctx, step=step) for v in value]
    return value


def render_text(text: str, ctx: TemplateContext, *, step: str = "?") -> Any:
    whole = _BRACES.fullmatch(text.strip()) if text.strip().startswith("{{") else None
    if whole and _is_ours(whole.group(1)):
        return resolve(whole.group(1), ctx, step=step)
    dollar = _DOLLAR.fullmatch(text.strip()) if text.strip().startswith("$") else None
    if dollar and _dollar_is_ours(dollar, ctx):
        return _resolve_dollar(dollar, ctx, step)

    def braces(m: re.Match[str]) -> str:
        if not _is_ours(m.group(1)):
            return m.group(0)
        return format_value(resolve(m.group(1), ctx, step=step))

    def dollars(m: re.Match[str]) -> str:
        if not _dollar_is_ours(m, ctx):
            return m.group(0)
        return format_value(_resolve_dollar(m, ctx, step))

    out = _BRACES.sub(braces, text) if "{{" in text else text
    return _DOLLAR.sub(dollars, out) if "$" in out else out


def references(value: Any) -> list[str]:
    """Every `{{...}}` reference of ours in `value` (for validation)."""
    found: list[str] = []
    if isinstance(value, str):
        found.extend(m.group(1) for m in _BRACES.finditer(value) if _is_ours(m.group(1)))
    elif isinstance(value, dict):
        for v in value.values():
            found.extend(references(v))
    elif isinstance(value, list):
        for v in value:
            found.extend(references(v))
    return found


def _is_ours(ref: str) -> bool:
    root = ref.split(".", 1)[0].strip()
    return root in _ROOTS


def _dollar_is_ours(m: re.Match[str], ctx: TemplateContext) -> bool:
    name = m.group(1)
    return name == "$" or name in ctx.step_names


def _resolve_dollar(m: re.Match[str], ctx: TemplateContext, step: str) -> Any:
    name, path = m.group(1), m.group(2)
    ref = ("input" if name == "$" else f"step.{name}") + path
    if name != "$" and not path:
        ref += ".output"
    return resolve(ref, ctx, step=step, shown=m.group(0))


def resolve(ref: str, ctx: TemplateContext, *, step: str = "?", shown: str | None = None) -> Any:
    """The value of one reference such as `step.fetch.result.url`."""
    shown = shown or "{{" + ref + "}}"
    parts = [p.strip() for p in ref.split(".")]
    root, rest = parts[0], parts[1:]

    def missing(why: str) -> WorkflowError:
        return WorkflowError(f"Step '{step}': cannot resolve {shown}: {why}", step=step, hint=None)

    if root == "input":
        if not rest:
            return ctx.input_text
        return _walk(ctx.input, rest, missing, "the workflow input")
    if root in ("loop_value", "loop_index", "iteration"):
        if ctx.loop is None:
            raise missing("it is only available inside a loop workflow")
        key = {"loop_value": "value", "loop_index": "index", "iteration": "iteration"}[root]
        return _walk(ctx.loop, [key, *rest], missing, "the loop")
    if root == "loop":
        if ctx.loop is None:
            raise missing("it is only available inside a loop workflow")
        if not rest:
            raise missing("say which loop value: loop.value or loop.index")
        return _walk(ctx.loop, rest, missing, "the loop")
    # step / steps
    if not rest:
        raise missing("name a step: {{step.NAME.output}}")
    name, path = rest[0], rest[1:]
    record = ctx.step(name)
    if record is None:
        if name in ctx.step_names:
            raise missing(f"step '{name}' has not run yet (or did not produce an output)")
        raise missing(f"there is no step named '{name}'")
    if not record.get("success", True):
        raise missing(f"step '{name}' failed: {record.get('error')}")
    if not path:
        return record.get("output")
    head, tail = path[0], path[1:]
    if head == "result":
        value = record.get("result")
        if not tail:
            return value
        try:
            return _walk(value, tail, missing, f"step '{name}' result")
        except WorkflowError:
            full = record.get("raw")
            if isinstance(full, Mapping):
                return _walk(full, tail, missing, f"step '{name}' result")
            raise
    if head in record:
        return _walk(record, path, missing, f"step '{name}'")
    raise missing(f"step '{name}' has no '{head}' (use output, result, success or error)")


def _walk(value: Any, path: list[str], missing: Callable[[str], WorkflowError], what: str) -> Any:
    seen: list[str] = []
    for key in path:
        seen.append(key)
        found = _MISSING
        if isinstance(value, Mapping):
            found = value.get(key, _MISSING)
        elif isinstance(value, list) and key.isdigit() and 1 <= int(key) <= len(value):
            found = value[int(key) - 1]
        if found is _MISSING or found is None:
            raise missing(f"{what} has no key '{'.'.join(seen)}'")
        value = found
    return value


def format_value(value: Any) -> str:
    """A value as text inside a longer string."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return str(value)
