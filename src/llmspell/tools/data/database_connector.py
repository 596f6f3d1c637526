"""database-connector: parameterised SQL on SQLite, PostgreSQL and MySQL/MariaDB, read-only."""

from __future__ import annotations

import logging
import time
from typing import Any, Literal

from pydantic import AliasChoices, Field

from llmspell.core.errors import SecurityError, ToolParameterError
from llmspell.tools.base import Tool, ToolParams, ToolResult
from llmspell.tools.context import ToolContext
from llmspell.tools.data.database import drivers
from llmspell.tools.data.database.sql_guard import TOOL, Statement, prepare
from llmspell.tools.data.database.targets import Target, resolve
from llmspell.tools.data.database.values import plain, unique_columns

log = logging.getLogger("llmspell.tools.database")

HARD_MAX_ROWS = 10_000
_SHOWN_ROWS = 20
_SHOWN_CELL = 60


class Params(ToolParams):
    operation: Literal["query", "execute", "schema", "tables"] = Field(
        "query",
        description="query: run one read statement (SELECT, WITH, VALUES, EXPLAIN, SHOW, "
        "DESCRIBE) and return its rows; execute: run one INSERT, UPDATE, DELETE or MERGE "
        "(CREATE/ALTER/DROP/TRUNCATE with allow_ddl) on a database configured with "
        "read_only = false; schema: tables and views with their columns; tables: their names",
    )
    database: str | None = Field(
        None,
        validation_alias=AliasChoices("database", "db", "name"),
        description="a database configured in `[tools.database.databases.<name>]`; default: "
        "the only one configured",
    )
    url: str | None = Field(
        None,
        validation_alias=AliasChoices("url", "connection_string", "dsn"),
        description="instead of `database`: postgresql://user:pw@host:5432/db, "
        "mysql://user:pw@host:3306/db, sqlite:///relative.db or sqlite:////absolute.db; such "
        "connections are always read-only",
    )
    query: str | None = Field(
        None,
        validation_alias=AliasChoices("query", "sql", "statement", "input"),
        description="one SQL statement; values go in `params`, never in the SQL: placeholders "
        "? or %s (in order), $1, $2 (by number) or :name (by name)",
    )
    params: list[Any] | dict[str, Any] | None = Field(
        None,
        validation_alias=AliasChoices("params", "parameters", "args", "values"),
        description="the placeholder values: an array for ?, %s and $n, an object for :name; "
        'strings, numbers, booleans, null, {base64 = "..."} for bytes, arrays for PostgreSQL',
    )
    max_rows: int = Field(
        1000,
        ge=1,
        le=HARD_MAX_ROWS,
        description="rows returned at most (the rest is dropped "
        "and `truncated` is true); at most 10000",
    )
    timeout_seconds: float | None = Field(
        None,
        gt=0,
        description="time limit of the statement; capped by `tools.database.query_timeout_seconds`",
    )
    read_only: bool | None = Field(
        None,
        description="true: run read-only even on a writable database; false cannot loosen "
        "the configuration",
    )
    table: str | None = Field(None, description="for schema and tables: only this table")
    query_type: str | None = Field(
        None,
        description="accepted for compatibility and ignored: the statement itself decides",
    )


class DatabaseConnector(Tool[Params]):
    name = "database-connector"
    category = "data"
    description = (
        "Run parameterised SQL on SQLite, PostgreSQL or MySQL/MariaDB databases: read rows "
        "(read-only by default), write where the configuration allows it, list tables and "
        "columns. Values are passed as parameters, never inside the SQL."
    )
    security_level = "restricted"
    tags = ("database", "sql", "sqlite", "postgresql", "mysql", "mariadb", "query")
    Params = Params
    result_keys = {
        "query": "database, operation, statement (SELECT, WITH, ...), read_only, columns, rows "
        "(one object per row, column -> value), row_count, truncated, max_rows, elapsed_ms",
        "execute": "database, operation, statement, read_only, rows_affected, last_insert_id "
        "(SQLite and MySQL inserts; use RETURNING on PostgreSQL), elapsed_ms; plus columns, "
        "rows, row_count, truncated when the statement returns rows",
        "schema": "database, operation, tables [{name, schema, type ('table'|'view'), columns "
        "[{name, type, nullable, default, primary_key}]}], count, truncated, elapsed_ms",
        "tables": "the schema keys without columns",
        "values": "NUMERIC/DECIMAL: an integer when whole, a float when exact, else a string; "
        "dates and times: ISO 8601 strings; intervals: seconds; bytes: {type = 'bytes', "
        "base64 = ...}; JSON: objects and arrays",
    }
    security_notes = (
        "Parameterised queries only: the statement is parsed with sqlglot in the database's "
        "dialect and refused when it holds a string literal, a number outside LIMIT/OFFSET, "
        "ORDER BY/GROUP BY positions and type sizes (DDL excepted), more than one statement, "
        "MySQL executable comments, SELECT ... INTO, or a kind other than the read statements "
        "(operation query) and INSERT/UPDATE/DELETE/MERGE (operation execute; DDL with "
        "allow_ddl). Read-only is the default (`[tools.database.databases.<name>] read_only`, "
        "and always for `url` connections) and is enforced again by the database: SQLite opens "
        "the file read-only with query_only and an authorizer (ATTACH, DETACH and PRAGMA are "
        "never allowed), PostgreSQL runs READ ONLY transactions, MySQL/MariaDB a READ ONLY "
        "session and transaction; operation query is read-only even on a writable database. "
        "Server hosts and every address they resolve to pass the outbound rules: loopback and "
        "private hosts only when listed in `tools.database.allowed_hosts` (or `[tools.network] "
        "allow_private = true`); the connection goes to the checked address. A SQLite file "
        "must be inside `tools.file_operations.allowed_paths`. Each statement has a time limit "
        "(`tools.database.query_timeout_seconds`), connections time out after "
        "`tools.database.connection_timeout_seconds` and are closed after each call; at most "
        "10000 rows are returned. Passwords are masked (***) in results and errors. Use a "
        "database user with only the privileges the spell needs."
    )

    def run(self, params: Params, ctx: ToolContext) -> ToolResult:
        target = resolve(ctx, name=params.database, url=params.url, read_only=params.read_only)
        limits = _limits(params, ctx)
        started = time.perf_counter()
        if params.operation in ("schema", "tables"):
            return self._catalog(params, target, limits, started)
        if not params.query or not params.query.strip():
            raise ToolParameterError(
                f"Tool '{TOOL}': operation {params.operation!r} needs `query` (one SQL statement)"
            )
        if params.operation == "execute" and target.read_only:
            raise SecurityError(
                f"operation 'execute' writes, and {target.label} is read-only ({_why(target)})"
            )
        statement = prepare(
            params.query,
            params.params,
            dialect=target.dialect,
            paramstyle="qmark" if target.engine == "sqlite" else "format",
        )
        _check_kind(statement, params.operation, target)
        if ctx.config.database.enable_query_logging:
            log.info("%s %s on %s: %s", TOOL, params.operation, target.label, statement.sql)
        write = params.operation == "execute" and statement.kind != "read"
        outcome = drivers.run(
            target,
            statement.sql,
            statement.values,
            write=write,
            limits=limits,
            streamable=statement.streamable,
        )
        result: dict[str, Any] = {
            "database": target.name or target.url,
            "operation": params.operation,
            "statement": statement.verb,
            "read_only": not write,
        }
        if outcome.columns is not None:
            result |= _table(outcome, params.max_rows)
        if params.operation == "execute":
            result["rows_affected"] = outcome.rows_affected
            result["last_insert_id"] = outcome.last_insert_id
        result["elapsed_ms"] = _ms(started)
        return ToolResult.ok(_describe(result, target), result, operation=params.operation)

    @staticmethod
    def _catalog(
        params: Params, target: Target, limits: drivers.Limits, started: float
    ) -> ToolResult:
        with_columns = params.operation == "schema"
        found = drivers.catalog(target, limits=limits, table=params.table, columns=with_columns)
        shown = found[: params.max_rows]
        tables = []
        for info in shown:
            entry: dict[str, Any] = {"name": info.name, "schema": info.schema, "type": info.type}
            if with_columns:
                entry["columns"] = [
                    {
                        "name": c.name,
                        "type": c.type,
                        "nullable": c.nullable,
                        "default": plain(c.default),
                        "primary_key": c.primary_key,
                    }
                    for c in info.columns
                ]
            tables.append(entry)
        result = {
            "database": target.name or target.url,
            "operation": params.operation,
            "tables": tables,
            "count": len(tables),
            "truncated": len(found) > len(shown),
            "elapsed_ms": _ms(started),
        }
        lines = [
            f"{len(tables)} table(s) in {target.label}"
            + (" (truncated)" if result["truncated"] else "")
        ]
        for entry in tables:
            columns = entry.get("columns")
            detail = (
                f": {', '.join(c['name'] + ' ' + c['type'] for c in columns)}" if columns else ""
            )
            lines.append(f"- {entry['name']} ({entry['type']}){detail}")
        return ToolResult.ok("\n".join(lines), result, operation=params.operation)


def _limits(params: Params, ctx: ToolContext) -> drivers.Limits:
    config = ctx.config.database
    choices = [(float(config.query_timeout_seconds), "`tools.database.query_timeout_seconds`")]
    if params.timeout_seconds:
        choices.append((params.timeout_seconds, "the `timeout_seconds` parameter"))
    choices.append((ctx.timeout, "`tools.timeout_seconds`"))
    timeout, key = min(choices, key=lambda choice: choice[0])
    return drivers.Limits(
        max_rows=min(params.max_rows, HARD_MAX_ROWS),
        timeout=timeout,
        connect_timeout=min(float(config.connection_timeout_seconds), ctx.timeout),
        timeout_key=key,
    )


def _check_kind(statement: Statement, operation: str, target: Target) -> None:
    verb = statement.verb
    if operation == "query" and statement.kind != "read":
        if target.read_only:
            raise SecurityError(
                f"{verb!r} writes, and {target.label} is read-only ({_why(target)})"
            )
        raise SecurityError(
            f"{verb!r} writes; operation 'query' only reads: use operation 'execute'"
        )
    if statement.kind == "ddl" and not target.allow_ddl:
        raise SecurityError(
            f"{verb!r} changes the schema, which {target.label} does not allow; set "
            f"`{target.config_key or 'tools.database.databases.<name>'}.allow_ddl = true`"
        )


def _why(target: Target) -> str:
    if target.config_key:
        return f"`{target.config_key}.read_only = true` or the `read_only` parameter"
    return (
        "connections by `url` are always read-only; configure the database in "
        "`[tools.database.databases.<name>]` with read_only = false to write"
    )


def _table(outcome: drivers.Outcome, max_rows: int) -> dict[str, Any]:
    columns = unique_columns(outcome.columns or [])
    rows = [dict(zip(columns, (plain(v) for v in row), strict=False)) for row in outcome.rows]
    return {
        "columns": columns,
        "rows": rows,
        "row_count": len(rows),
        "truncated": outcome.truncated,
        "max_rows": max_rows,
    }


def _describe(result: dict[str, Any], target: Target) -> str:
    head = f"{result['statement']} on {target.label}"
    if "rows_affected" in result and result.get("rows_affected") is not None:
        head += f": {result['rows_affected']} row(s) affected"
    if "rows" not in result:
        return f"{head} in {result['elapsed_ms']} ms"
    rows = result["rows"]
    head += f": {len(rows)} row(s)"
    if result["truncated"]:
        head += f" (truncated at max_rows = {result['max_rows']})"
    lines = [f"{head} in {result['elapsed_ms']} ms"]
    if rows:
        lines.append(" | ".join(result["columns"]))
        lines.extend(
            " | ".join(_cell(row[c]) for c in result["columns"]) for row in rows[:_SHOWN_ROWS]
        )
        if len(rows) > _SHOWN_ROWS:
            lines.append(f"... {len(rows) - _SHOWN_ROWS} more row(s) in `result.rows`")
    return "\n".join(lines)


def _cell(value: Any) -> str:
    text = "NULL" if value is None else str(value)
    return text if len(text) <= _SHOWN_CELL else text[: _SHOWN_CELL - 3] + "..."


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
