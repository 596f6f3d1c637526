"""data_validation: check data against a JSON Schema (Draft 2020-12) or a list of field rules."""

from __future__ import annotations

import itertools
from typing import Any, Literal

from pydantic import AliasChoices, Field

from llmspell.tools.base import Tool, ToolParams, ToolResult
from llmspell.tools.context import ToolContext
from llmspell.tools.data._common import check_depth, json_value, read_text
from llmspell.tools.data._rules import Checker, lookup, normalise


class Params(ToolParams):
    operation: Literal["validate"] = Field("validate", description="the only operation")
    input: Any = Field(
        None,
        description="the data to check (also: data, value)",
        validation_alias=AliasChoices("input", "data", "value"),
    )
    path: str | None = Field(
        None,
        description="read the data (JSON or YAML) from this file (also: file)",
        validation_alias=AliasChoices("path", "file"),
    )
    schema_: Any = Field(None, description="a JSON Schema (table or JSON text)", alias="schema")
    rules: Any = Field(
        None,
        description="rules: a list of {field, type, required, min, max, min_length, max_length, "
        "pattern, enum, email, url, date, message}, a table field -> rule, or {rules = [...]}",
    )
    fail_fast: bool = Field(False, description="stop at the first error")
    max_errors: int = Field(100, ge=1, le=10_000, description="stop after this many errors")


def schema_errors(data: Any, schema: Any, limit: int) -> list[dict[str, Any]]:
    """Errors of `data` against `schema` (its `$schema`, else Draft 2020-12), formats checked."""
    from jsonschema import Draft202012Validator, FormatChecker, exceptions, validators
    from referencing.exceptions import Unresolvable

    if not isinstance(schema, dict | bool):
        raise ValueError("'schema' must be a JSON Schema object")
    cls = (
        validators.validator_for(schema, default=Draft202012Validator)
        if isinstance(schema, dict)
        else Draft202012Validator
    )
    try:
        cls.check_schema(schema)
    except exceptions.SchemaError as exc:
        where = _dotted(exc.absolute_path) or "the top"
        raise ValueError(
            f"'schema' is not a valid JSON Schema: {exc.message} (at {where})"
        ) from None
    validator = cls(schema, format_checker=FormatChecker())
    try:
        found = list(itertools.islice(validator.iter_errors(data), limit))
    except Unresolvable as exc:
        raise ValueError(
            f"'schema' has a $ref that cannot be resolved: {exc}; "
            "only references inside the schema work"
        ) from None
    out = []
    for error in sorted(found, key=lambda e: [str(p) for p in e.absolute_path]):
        field = _dotted(error.absolute_path)
        if error.validator == "required" and isinstance(error.instance, dict):
            missing = [k for k in error.validator_value if k not in error.instance]
            field = _dotted([*error.absolute_path, missing[0]]) if missing else field
        out.append(
            {
                "field": field or "input",
                "value": error.instance if error.validator != "required" else None,
                "rule": str(error.validator),
                "message": error.message,
            }
        )
    return out


def _dotted(parts: Any) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


class DataValidation(Tool[Params]):
    name = "data_validation"
    category = "utility"
    description = "Validate data against a JSON Schema (Draft 2020-12) or a list of field rules."
    tags = ("validation", "schema", "json", "rules", "data")
    Params = Params
    example = {
        "input": {"email": "ada@example.com"},
        "rules": [{"field": "email", "required": True, "email": True}],
    }
    result_keys = {"validate": "valid, errors[{field, value, rule, message}], error_count"}
    security_notes = (
        "Pure computation: no network ($ref only inside the schema). A file is read only inside "
        "`tools.file_operations.allowed_paths`; nesting is capped by `tools.data.max_json_depth`. "
        "Invalid data is an answer (success=true, valid=false), not an error."
    )

    def run(self, params: Params, ctx: ToolContext) -> ToolResult:
        depth = ctx.config.data.max_json_depth
        if params.schema_ is None and params.rules is None:
            raise ValueError("give 'schema' (a JSON Schema) or 'rules' to validate against")
        if params.path is not None:
            text = read_text(ctx, params.path)
            if params.path.lower().endswith((".yaml", ".yml")):
                import yaml

                data: Any = check_depth(yaml.safe_load(text), depth, repr(params.path))
            else:
                data = json_value(text, repr(params.path), depth, strict=True)
        else:
            data = params.input
            if isinstance(data, str) and (
                params.schema_ is not None or any(f for f, _ in normalise(params.rules or []))
            ):
                data = json_value(data, "input", depth)
            check_depth(data, depth, "input")
        checker = Checker(params.max_errors, params.fail_fast)
        if params.schema_ is not None:
            checker.errors.extend(
                schema_errors(
                    data, json_value(params.schema_, "schema", depth, strict=True), checker.limit
                )
            )
        for field, spec in normalise(params.rules) if params.rules is not None else ():
            if checker.full:
                break
            present, value = lookup(data, field) if field else (True, data)
            checker.check(field or "input", present, value, spec)
        errors = checker.errors[: checker.limit]
        result = {"valid": not errors, "errors": errors, "error_count": len(errors)}
        if not errors:
            return ToolResult.ok("valid", result, operation="validate")
        lines = [f"invalid: {len(errors)} error(s)"] + [
            f"- {e['field']}: {e['message']}" for e in errors
        ]
        return ToolResult.ok("\n".join(lines), result, operation="validate")
