"""csv_analyzer: profile CSV data, and filter, sort, select, aggregate, transform, convert or
validate it. Table operations answer with the resulting CSV as text and its rows as `result`."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BeforeValidator, Field

from llmspell.tools.base import Tool, ToolParams, ToolResult
from llmspell.tools.context import ToolContext
from llmspell.tools.data._common import check_text_size, dumps, empty_to_list, read_text
from llmspell.tools.data._table import (
    Table,
    aggregate,
    column_stats,
    parse_table,
    sort_rows,
    transform,
)
from llmspell.tools.data._table_checks import row_filter, validate

CSV_KEY = "tools.data.max_csv_size"
Names = Annotated[list[str] | str | None, BeforeValidator(empty_to_list)]


class Params(ToolParams):
    operation: Literal[
        "analyze",
        "filter",
        "sort",
        "select",
        "aggregate",
        "group_by",
        "convert",
        "to_json",
        "sample",
        "transform",
        "validate",
    ] = Field("analyze", description="what to do with the CSV")
    input: str | None = Field(
        None,
        description="the CSV text (also: content, csv, csv_data, data, text)",
        validation_alias=AliasChoices("input", "content", "csv", "csv_data", "data", "text"),
    )
    path: str | None = Field(
        None,
        description="read the CSV from this file (also: file, file_path)",
        validation_alias=AliasChoices("path", "file", "file_path"),
    )
    options: dict[str, Any] = Field(
        default_factory=dict,
        description="the original's option table (filter, format, size, rules, rename_columns, "
        "add_columns, ...); parameters given directly win",
    )
    delimiter: str | None = Field(
        None, description="field separator (default: detected; 'tab' for tabs)"
    )
    has_header: bool = Field(
        True,
        description="the first row names the columns (also: has_headers)",
        validation_alias=AliasChoices("has_header", "has_headers"),
    )
    filter: Any = Field(
        None,
        description="filter: 'age > 30 and city == Paris' (==, !=, >, >=, <, <=, contains, "
        "startswith, endswith, ~ regex, in; and/or), {column = value}, or a list of "
        "{column, op, value} (also: where, condition)",
        validation_alias=AliasChoices("filter", "where", "condition"),
    )
    columns: Names = Field(
        None,
        description="select: the columns to keep, in order (also: select)",
        validation_alias=AliasChoices("columns", "select"),
    )
    sort_by: Names = Field(
        None,
        description="sort: column(s) to sort by (also: order_by, by)",
        validation_alias=AliasChoices("sort_by", "order_by", "by"),
    )
    descending: bool | None = Field(
        None,
        description="sort: largest first (also: desc, reverse)",
        validation_alias=AliasChoices("descending", "desc", "reverse"),
    )
    group_by: Names = Field(None, description="aggregate: column(s) to group rows by")
    aggregations: dict[str, Any] | None = Field(
        None,
        description="aggregate: column -> function(s) (count, sum, mean, min, max, median, "
        "unique); default: count, plus sum and mean of numeric columns (also: agg, aggregate)",
        validation_alias=AliasChoices("aggregations", "agg", "aggregate"),
    )
    format: Literal["json", "jsonl", "jsonlines", "tsv", "csv"] | None = Field(
        None, description="convert: output format"
    )
    limit: int | None = Field(
        None,
        ge=0,
        description="rows to return (sample: default 10) (also: size, n)",
        validation_alias=AliasChoices("limit", "size", "n"),
    )
    expected_columns: Names = Field(None, description="validate: columns that must be present")
    column_types: dict[str, str] | None = Field(
        None,
        description="validate: column -> integer, float, number, boolean, date, datetime, "
        "string (also: types)",
        validation_alias=AliasChoices("column_types", "types"),
    )
    rules: dict[str, Any] | None = Field(
        None,
        description="validate: column -> rule ('email', 'required', 'unique', 'range:0-120', "
        "'pattern:<regex>', a type name, or {type, required, min, max, pattern, unique, values})",
    )
    rename_columns: dict[str, str] | None = Field(
        None, description="transform: old name -> new name"
    )
    add_columns: dict[str, Any] | None = Field(
        None, description="transform: name -> value or 'col * col' (+ - * /)"
    )
    drop_columns: Names = Field(None, description="transform: columns to remove")
    top: int = Field(5, ge=0, le=100, description="analyze: most common values listed per column")


class CsvAnalyzer(Tool[Params]):
    name = "csv_analyzer"
    category = "data"
    description = (
        "Analyze CSV data (types, nulls, statistics) and filter, sort, select, aggregate, "
        "convert or validate it."
    )
    tags = ("csv", "table", "statistics", "data")
    Params = Params
    example = {"operation": "analyze", "input": "name,age\nAda,36\nAlan,41\n"}
    result_keys = {
        "analyze": "row_count, column_count, delimiter, has_headers, encoding, file_size_bytes, "
        "parse_errors, columns[{name, data_type, null_count, non_null_count, unique_count, "
        "min_value, max_value, mean, median, std_dev, top_values[{value, count}], sample_values}]",
        "filter/sort/select/sample/transform": "columns, rows (typed values), row_count; "
        "text is the CSV",
        "aggregate": "group_by, columns, rows (one per group), row_count; text is the CSV",
        "convert": "json: the rows; jsonl/tsv/csv: the converted text",
        "validate": "valid, errors[{row, column, value, error, rule}], error_count, total_rows, "
        "missing_columns, extra_columns",
    }
    security_notes = (
        "Input text or a file inside `tools.file_operations.allowed_paths`, at most "
        "`tools.data.max_csv_size` bytes. Filters are parsed, never evaluated as code."
    )

    def run(self, params: Params, ctx: ToolContext) -> ToolResult:
        opts = params.options

        def pick(name: str, *aliases: str) -> Any:
            value = getattr(params, name)
            for key in (name, *aliases):
                if value is None:
                    value = opts.get(key)
            return value

        limit = ctx.config.data.max_csv_size
        if params.path is not None:
            text = read_text(ctx, params.path, limit=limit, key=CSV_KEY)
        elif params.input is not None:
            text = params.input
            check_text_size(text, limit, CSV_KEY, "the CSV input")
        else:
            raise ValueError("give the CSV as 'input' (text) or 'path' (a file)")
        delimiter = pick("delimiter")
        if delimiter is None and (params.path or "").lower().endswith(".tsv"):
            delimiter = "\t"
        table = parse_table(text, delimiter, params.has_header)
        op = {"group_by": "aggregate", "to_json": "convert"}.get(params.operation, params.operation)
        if op == "analyze":
            result = {
                "row_count": len(table.rows),
                "column_count": len(table.columns),
                "delimiter": table.delimiter,
                "has_headers": params.has_header,
                "encoding": "utf-8",
                "file_size_bytes": len(text.encode()),
                "parse_errors": table.errors,
                "columns": [
                    column_stats(name, [r[i] for r in table.rows], params.top)
                    for i, name in enumerate(table.columns)
                ],
            }
            return ToolResult.ok(dumps(result), result, operation=op)
        if op == "validate":
            result = validate(
                table, pick("expected_columns"), pick("column_types", "types"), pick("rules")
            )
            return ToolResult.ok(dumps(result), result, operation=op)
        if op == "convert":
            fmt = pick("format") or ("json" if params.operation == "to_json" else None)
            if fmt is None:
                raise ValueError("convert needs 'format': json, jsonl, tsv or csv")
            return self._convert(table, str(fmt))
        if op == "filter":
            spec = pick("filter")
            if spec is None:
                raise ValueError("filter needs 'filter', e.g. \"age > 30 and city == 'Paris'\"")
            table = table.with_rows([r for r in table.rows if row_filter(table, spec)(r)])
        elif op == "sort":
            table = table.with_rows(
                sort_rows(table, _names(pick("sort_by"), "sort_by"), bool(pick("descending")))
            )
        elif op == "select":
            wanted = _names(pick("columns", "select"), "columns")
            indexes = [table.index(name) for name in wanted]
            table = Table(
                wanted, [[r[i] for i in indexes] for r in table.rows], table.delimiter, table.errors
            )
        elif op == "aggregate":
            table = aggregate(table, _names(pick("group_by"), None), pick("aggregations"))
        elif op == "transform":
            table = transform(
                table,
                pick("rename_columns") or {},
                pick("add_columns") or {},
                _names(pick("drop_columns"), None),
            )
        count = pick("limit", "size")
        if count is not None or op == "sample":
            table = table.with_rows(table.rows[: 10 if count is None else int(count)])
        rows = table.records()
        result = {"columns": table.columns, "rows": rows, "row_count": len(rows)}
        if op == "aggregate":
            result["group_by"] = _names(pick("group_by"), None)
        return ToolResult.ok(table.to_csv(), result, operation=op)

    @staticmethod
    def _convert(table: Table, fmt: str) -> ToolResult:
        rows = table.records()
        if fmt == "json":
            return ToolResult.ok(dumps(rows), rows, operation="convert", format="json")
        if fmt in ("jsonl", "jsonlines"):
            text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        else:
            text = table.to_csv("\t" if fmt == "tsv" else ",")
        return ToolResult.ok(text, text, operation="convert", format=fmt)


def _names(value: Any, what: str | None) -> list[str]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not value:
        if what is None:
            return []
        raise ValueError(f"{what} needs at least one column name")
    return [str(v) for v in value]
