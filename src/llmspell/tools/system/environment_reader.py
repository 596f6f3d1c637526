"""environment_reader: read allowed environment variables (get, list, exists); never set them."""

from __future__ import annotations

import fnmatch
from typing import Any, Literal

from pydantic import AliasChoices, Field, field_validator

from llmspell.core.errors import ToolExecutionError
from llmspell.tools.base import Tool, ToolParams, ToolResult
from llmspell.tools.context import ToolContext

_KEY = "`tools.system.allowed_env_vars`"


class Params(ToolParams):
    operation: Literal["get", "list", "pattern", "exists", "check"] = Field(
        "get",
        description=(
            "get: one variable's value; list: the allowed variables that are set (optionally "
            "filtered by `pattern`); pattern: list with a required glob; exists/check: whether "
            "one variable is set. There is no `set`: tools never change the environment."
        ),
    )
    variable_name: str | None = Field(
        None,
        validation_alias=AliasChoices("variable_name", "name", "variable", "var", "key"),
        description="for get/exists: the variable's name, e.g. 'HOME'",
    )
    pattern: str | None = Field(
        None, description="for list/pattern: a glob over names, e.g. 'LC_*' or 'H*'"
    )
    default: str | None = Field(None, description="for get: the value reported when unset")

    @field_validator("operation", mode="before")
    @classmethod
    def _no_set(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() in {"set", "unset", "delete"}:
            raise ValueError(
                f"'{value}' is not offered: a tool may not change the process environment; "
                "use get, list, pattern or exists"
            )
        return value


class EnvironmentReader(Tool[Params]):
    name = "environment_reader"
    category = "system"
    description = (
        "Read environment variables that the configuration allows: get one, list them, "
        "check whether one is set."
    )
    security_level = "restricted"
    tags = ("environment", "env", "variables", "system")
    Params = Params
    example = {"operation": "list"}
    result_keys = {
        "get": "variable_name, value (null when unset and no default), exists",
        "list/pattern": "variables (name -> value), count, pattern",
        "exists/check": "variable_name, exists",
    }
    security_notes = (
        f"Only variables named in {_KEY} can be read; asking for any other is refused with the "
        "variable's name. `list` shows only allowed variables. Variables cannot be set."
    )

    def run(self, params: Params, ctx: ToolContext) -> ToolResult:
        op = params.operation
        if op in ("list", "pattern"):
            return self._list(params, ctx)
        name = (params.variable_name or "").strip()
        if not name:
            raise ToolExecutionError(
                f"environment_reader {op} needs 'variable_name' (e.g. variable_name='HOME')"
            )
        value = ctx.getenv(name)  # refuses names outside the allow-list
        exists = value is not None
        if op in ("exists", "check"):
            text = f"{name} is {'set' if exists else 'not set'}"
            return ToolResult.ok(text, {"variable_name": name, "exists": exists}, operation=op)
        shown = value if exists else params.default
        text = shown if shown is not None else f"environment variable {name!r} is not set"
        return ToolResult.ok(
            text, {"variable_name": name, "value": shown, "exists": exists}, operation=op
        )

    @staticmethod
    def _list(params: Params, ctx: ToolContext) -> ToolResult:
        pattern = params.pattern
        if params.operation == "pattern" and not pattern:
            raise ToolExecutionError(
                "environment_reader pattern needs 'pattern', a glob such as 'LC_*'"
            )
        found: dict[str, str] = {}
        for name in ctx.config.system.allowed_env_vars:
            if pattern and not fnmatch.fnmatchcase(name, pattern):
                continue
            value = ctx.getenv(name)
            if value is not None:
                found[name] = value
        text = "\n".join(f"{k}={v}" for k, v in found.items()) or "no allowed variable is set"
        result = {"variables": found, "count": len(found), "pattern": pattern}
        return ToolResult.ok(text, result, operation=params.operation)
