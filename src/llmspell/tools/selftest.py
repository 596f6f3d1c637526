"""`llmspell tool test NAME`: load the tool, check its schema, run its example call.

The example call runs in a throwaway folder (its only allowed path and its llmspell home) with
network access off, so a self-test never reaches another host.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llmspell.core.errors import LLMSpellError
from llmspell.security import PathPolicy
from llmspell.tools.context import ToolContext
from llmspell.tools.registry import ToolRegistry


@dataclass(slots=True)
class Check:
    name: str
    ok: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


def _fill(value: Any, tmp: str) -> Any:
    if isinstance(value, str):
        return value.replace("{tmp}", tmp)
    if isinstance(value, dict):
        return {k: _fill(v, tmp) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, tmp) for v in value]
    return value


def run_selftest(registry: ToolRegistry, name: str) -> list[Check]:
    checks: list[Check] = []
    try:
        tool = registry.get(name)
    except LLMSpellError as exc:
        return [Check("load", False, str(exc))]
    checks.append(Check("load", True, f"{tool.name} ({type(tool).__module__})"))
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    schema = tool.parameters_schema()
    try:
        Draft202012Validator.check_schema(schema)
        count = len(schema.get("properties", {}))
        checks.append(Check("schema", True, f"valid JSON Schema, {count} parameters"))
    except SchemaError as exc:
        checks.append(Check("schema", False, f"invalid JSON Schema: {exc.message}"))
    example = getattr(tool, "example", None)
    if example is None:
        checks.append(Check("example call", True, "this tool defines no example call"))
        return checks
    with tempfile.TemporaryDirectory(prefix="llmspell-tool-test-") as tmp:
        params = _fill(example, tmp)
        sandbox = ToolRegistry(registry.config)
        if not sandbox.exists(tool.name):
            sandbox.register(tool)
        sandbox.context = ToolContext(
            registry.config,
            paths=PathPolicy.build(allowed_paths=[tmp], base=Path(tmp)),
            registry=sandbox,
            network_allowed=False,
            base=Path(tmp),
            home=Path(tmp),
        )
        try:
            result = sandbox.invoke(tool.name, params)
        except LLMSpellError as exc:
            checks.append(Check("example call", False, str(exc)))
        else:
            shown = result.text if len(result.text) < 120 else result.text[:117] + "..."
            checks.append(Check("example call", result.success, f"{params} -> {shown}"))
    return checks
