"""Tools written in a script (`Tool.register{...}`): a JSON Schema and a callback."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from llmspell.core.errors import ToolParameterError
from llmspell.tools.base import SecurityLevel, Tool, ToolResult
from llmspell.tools.context import ToolContext

_TYPES = {"string", "number", "integer", "boolean", "object", "array", "null"}


def normalise_schema(tool: str, parameters: Any) -> dict[str, Any]:
    """Accept a JSON Schema, a `{name = {type=...}}` map, or a list of `{name, type, required}`."""
    if parameters is None:
        return {"type": "object", "properties": {}}
    if isinstance(parameters, dict) and (
        parameters.get("type") == "object" or "properties" in parameters
    ):
        schema = dict(parameters)
        schema.setdefault("type", "object")
        return schema
    properties: dict[str, Any] = {}
    required: list[str] = []
    if isinstance(parameters, list):
        for entry in parameters:
            if not isinstance(entry, dict) or "name" not in entry:
                raise ToolParameterError(
                    f"Tool.register {tool!r}: each parameter needs a name, got {entry!r}"
                )
            spec = {k: v for k, v in entry.items() if k not in ("name", "required")}
            properties[entry["name"]] = spec
            if entry.get("required"):
                required.append(entry["name"])
    elif isinstance(parameters, dict):
        for key, spec in parameters.items():
            if isinstance(spec, str):
                spec = {"type": spec}
            if not isinstance(spec, dict):
                raise ToolParameterError(
                    f"Tool.register {tool!r}: parameter {key!r} must be a table or a type name"
                )
            spec = dict(spec)
            if spec.pop("required", False):
                required.append(str(key))
            properties[str(key)] = spec
    else:
        raise ToolParameterError(
            f"Tool.register {tool!r}: parameters must be a JSON Schema table, a map of "
            "parameter specs or a list of {name=, type=}"
        )
    for key, spec in properties.items():
        kind = spec.get("type")
        if kind is not None and kind not in _TYPES and not isinstance(kind, list):
            raise ToolParameterError(
                f"Tool.register {tool!r}: parameter {key!r} has unknown type {kind!r}; "
                f"use one of {', '.join(sorted(_TYPES))}"
            )
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


class ScriptTool(Tool[Any]):
    """A tool whose work is a script callback; usable by agents and workflows like a built-in."""

    Params = None  # type: ignore[assignment]  # validated with JSON Schema instead

    def __init__(
        self,
        *,
        name: str,
        description: str,
        parameters: dict[str, Any],
        execute: Callable[[dict[str, Any]], Any],
        category: str = "custom",
        security_level: SecurityLevel = "safe",
        tags: tuple[str, ...] = (),
        version: str = "1.0.0",
    ) -> None:
        from jsonschema import Draft202012Validator

        Draft202012Validator.check_schema(parameters)
        self.name = name  # type: ignore[misc]
        self.description = description  # type: ignore[misc]
        self.category = category  # type: ignore[misc]
        self.security_level = security_level  # type: ignore[misc]
        self.tags = tags  # type: ignore[misc]
        self.version = version  # type: ignore[misc]
        self._schema = parameters
        self._validator = Draft202012Validator(parameters)
        self._execute = execute

    def parameters_schema(self) -> dict[str, Any]:  # type: ignore[override]
        return self._schema

    def validate(self, params: dict[str, Any]) -> dict[str, Any]:
        errors = sorted(self._validator.iter_errors(params), key=lambda e: list(e.path))
        if errors:
            problems = []
            for error in errors:
                where = ".".join(str(p) for p in error.path)
                problems.append(f"parameter '{where}': {error.message}" if where else error.message)
            raise ToolParameterError(f"Tool '{self.name}': " + "; ".join(problems))
        return params

    def run(self, params: dict[str, Any], ctx: ToolContext) -> ToolResult:
        value = self._execute(params)
        if isinstance(value, ToolResult):
            return value
        if isinstance(value, str):
            return ToolResult.ok(value, value)
        if isinstance(value, dict) and ("success" in value or "text" in value):
            known = {"success", "text", "result", "error", "metadata"}
            result = ToolResult(
                success=bool(value.get("success", True)),
                text=str(value.get("text", "")),
                result=value.get("result"),
                error=value.get("error"),
                metadata=dict(value.get("metadata") or {}),
                extra={k: v for k, v in value.items() if k not in known},
            )
            if not result.text and result.result is not None:
                result.text = json.dumps(result.result, default=str)
            return result
        if value is None:
            return ToolResult.ok("", None)
        return ToolResult.ok(json.dumps(value, default=str, ensure_ascii=False), value)
