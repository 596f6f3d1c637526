"""json_processor: jq queries, JSON Schema validation, formatting, merging and key listing."""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from pydantic import AliasChoices, Field

from llmspell.core.errors import SecurityError
from llmspell.tools.base import Tool, ToolParams, ToolResult
from llmspell.tools.context import ToolContext
from llmspell.tools.data._common import (
    SIZE_KEY,
    check_text_size,
    dumps,
    json_value,
    parse_json,
    read_text,
    run_isolated,
)

#: jq builtins that read the environment, other inputs or files
_BLOCKED = (
    "env",
    "import",
    "include",
    "modulemeta",
    "get_search_list",
    "input_filename",
    "input",
    "inputs",
    "halt",
    "halt_error",
    "get_prog_origin",
    "get_jq_origin",
)
_BLOCKED_RE = re.compile(
    r"\$(ENV|__loc__|__prog_args)\b|(?<![\w.$])(" + "|".join(_BLOCKED) + r")\b(?!\s*:)"
)


class Params(ToolParams):
    operation: Literal[
        "query",
        "jq",
        "transform",
        "validate",
        "format",
        "pretty",
        "minify",
        "merge",
        "keys",
        "stream",
    ] = Field(
        "query",
        description="query (jq), validate (JSON Schema), format, minify, merge, keys, "
        "stream (JSON lines)",
    )
    input: Any = Field(
        None,
        description="the JSON: a table or JSON text (also: content, data, json, json_data)",
        validation_alias=AliasChoices("input", "content", "data", "json", "json_data"),
    )
    path: str | None = Field(
        None,
        description="read the JSON from this file instead (also: file)",
        validation_alias=AliasChoices("path", "file"),
    )
    query: str = Field(
        ".",
        description="jq program (also: filter)",
        validation_alias=AliasChoices("query", "filter"),
    )
    schema_: Any = Field(None, description="JSON Schema for validate", alias="schema")
    other: Any = Field(
        None,
        description="for merge: the value merged into the input (also: with, merge_with)",
        validation_alias=AliasChoices("other", "with", "merge_with"),
    )
    deep: bool = Field(True, description="merge nested objects (false: top-level keys only)")
    recursive: bool = Field(False, description="keys: list every key path, not only the top level")
    indent: int = Field(2, ge=0, le=16, description="format: spaces per level")
    sort_keys: bool = Field(False, description="format/minify: sort object keys")
    raw_output: bool = Field(False, description="query: a string result is the text as is (jq -r)")


def check_query(query: str) -> None:
    """Refuse jq builtins that would reach outside the given input (env, files, other inputs)."""
    found = _BLOCKED_RE.search(_code_only(query))
    if found:
        name = found.group(0)
        raise SecurityError(
            f"Tool 'json_processor' refused the query: {name!r} reads the environment, files "
            "or other inputs, which jq queries may not do"
        )


def _code_only(query: str) -> str:
    """The query with string literals and comments blanked (interpolations `\\(...)` kept)."""
    out: list[str] = []
    stack: list[int] = []  # open-paren depth inside each string interpolation
    in_string, i = False, 0
    while i < len(query):
        c = query[i]
        if in_string:
            if c == "\\" and query[i + 1 : i + 2] == "(":
                stack.append(0)
                in_string = False
                out.append(" (")
            elif c == '"':
                in_string = False
                out.append(" ")
            i += 2 if c == "\\" else 1
            continue
        if c == '"':
            in_string = True
            out.append(" ")
        elif c == "#":
            while i < len(query) and query[i] != "\n":
                i += 1
            continue
        else:
            if stack and c == "(":
                stack[-1] += 1
            elif stack and c == ")":
                if stack[-1] == 0:
                    stack.pop()
                    in_string = True
                    out.append(") ")
                    i += 1
                    continue
                stack[-1] -= 1
            out.append(c)
        i += 1
    return "".join(out)


def merge(base: Any, other: Any, deep: bool) -> Any:
    if isinstance(base, dict) and isinstance(other, dict):
        merged = dict(base)
        for key, value in other.items():
            merged[key] = merge(merged[key], value, deep) if deep and key in merged else value
        return merged
    return other


def list_keys(value: Any, recursive: bool, prefix: str = "") -> list[str]:
    """Top-level keys of an object, or every key path (`a.b`, `a.list[0].c`) when recursive."""
    if not recursive:
        return list(value) if isinstance(value, dict) else []
    paths: list[str] = []
    if isinstance(value, dict):
        for key, child in value.items():
            here = f"{prefix}.{key}" if prefix else str(key)
            paths.append(here)
            paths.extend(list_keys(child, True, here))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            paths.extend(list_keys(child, True, f"{prefix}[{index}]"))
    return paths


class JsonProcessor(Tool[Params]):
    name = "json_processor"
    category = "data"
    description = (
        "Query JSON with jq, validate it against a JSON Schema, format, merge or list keys."
    )
    tags = ("json", "jq", "query", "schema", "data")
    Params = Params
    example = {
        "operation": "query",
        "input": {"users": [{"name": "Ada"}]},
        "query": ".users[0].name",
    }
    result_keys = {
        "query": "the jq output itself (several outputs: a list); text is that value as JSON",
        "validate": "valid, is_valid, errors[{path, message, keyword}]",
        "format/minify": "the formatted JSON text",
        "merge": "the merged value",
        "keys": "list of keys (key paths with recursive=true)",
        "stream": "list: the query applied to each JSON line",
    }
    security_notes = (
        "jq runs in a separate process with CPU, memory and time limits "
        "(`tools.data.processing_timeout_seconds`) and an output cap "
        "(`tools.file_operations.max_file_size`); builtins that read the environment, files or "
        "other inputs (env, $ENV, import, include, input, ...) are refused. Files are read "
        "only inside `tools.file_operations.allowed_paths`; nesting is capped by "
        "`tools.data.max_json_depth`."
    )

    def run(self, params: Params, ctx: ToolContext) -> ToolResult:
        depth = ctx.config.data.max_json_depth
        op = {"jq": "query", "transform": "query", "pretty": "format"}.get(
            params.operation, params.operation
        )
        if params.path is not None:
            text = read_text(ctx, params.path)
            data: Any = text if op == "stream" else parse_json(text, repr(params.path), depth)
        elif params.input is not None:
            if isinstance(params.input, str):
                check_text_size(
                    params.input, ctx.config.file_operations.max_file_size, SIZE_KEY, "the input"
                )
            data = params.input if op == "stream" else json_value(params.input, "input", depth)
        else:
            raise ValueError(f"{op} needs the JSON: give 'input' (a table or JSON text) or 'path'")
        result: Any
        if op == "query":
            result = self._query(ctx, [data], params.query)[0]
        elif op == "stream":
            lines = data if isinstance(data, list) else str(data).splitlines()
            values = [
                json_value(line, f"line {n}", depth, strict=True) if isinstance(line, str) else line
                for n, line in enumerate(lines, 1)
                if not isinstance(line, str) or line.strip()
            ]
            result = self._query(ctx, values, params.query)
        elif op == "validate":
            result = self._validate(data, params.schema_, depth)
        elif op in ("format", "minify"):
            indent = params.indent if op == "format" else None
            result = json.dumps(
                data,
                indent=indent,
                sort_keys=params.sort_keys,
                ensure_ascii=False,
                separators=None if indent is not None else (",", ":"),
            )
        elif op == "merge":
            result = self._merge(data, params, depth)
        else:
            result = list_keys(data, params.recursive)
        raw = isinstance(result, str) and (op in ("format", "minify") or params.raw_output)
        text = result if raw else dumps(result)
        return ToolResult.ok(text, result, operation=op)

    @staticmethod
    def _query(ctx: ToolContext, inputs: list[Any], query: str) -> list[Any]:
        """One answer per input: its single jq output, or the list of its outputs."""
        check_query(query)
        request = {"kind": "jq", "query": query, "inputs": inputs}
        answers = run_isolated(ctx, request, "jq query", "json_processor")
        return [outputs[0] if len(outputs) == 1 else outputs for outputs in answers]

    @staticmethod
    def _validate(data: Any, schema: Any, depth: int) -> dict[str, Any]:
        from llmspell.tools.data.data_validation import schema_errors

        if schema is None:
            raise ValueError("validate needs 'schema' (a JSON Schema table or JSON text)")
        errors = [
            {"path": e["field"], "message": e["message"], "keyword": e["rule"]}
            for e in schema_errors(data, json_value(schema, "schema", depth, strict=True), 1000)
        ]
        return {"valid": not errors, "is_valid": not errors, "errors": errors}

    @staticmethod
    def _merge(data: Any, params: Params, depth: int) -> Any:
        parts = (
            [data, json_value(params.other, "other", depth)] if params.other is not None else data
        )
        if not isinstance(parts, list) or not all(isinstance(p, dict) for p in parts):
            raise ValueError(
                "merge needs objects: 'input' and 'other', or 'input' as a list of objects"
            )
        merged: dict[str, Any] = {}
        for part in parts:
            merged = merge(merged, part, params.deep)
        return merged
