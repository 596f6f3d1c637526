"""One statement on one fresh connection, per engine; nothing is pooled or kept between calls.

`run(target, sql, values, write=False, ...)` is the low level: it takes driver-ready SQL (the
tool passes only what `sql_guard.prepare` accepted) and enforces read-only mode at the database
itself, so even a statement the guard misjudged cannot write:

- SQLite: the file is opened `mode=ro`, `PRAGMA query_only = ON`, and an authorizer allows only
  reads (in write mode: reads and INSERT/UPDATE/DELETE, DDL only with `allow_ddl`; ATTACH,
  DETACH and PRAGMA never); a progress handler stops a statement at its deadline.
- PostgreSQL: `SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY`, then `BEGIN READ ONLY`;
  `statement_timeout`; rows read through a server-side cursor.
- MySQL/MariaDB: `SET SESSION TRANSACTION READ ONLY` (DDL commits implicitly, so the session
  setting matters), then `START TRANSACTION READ ONLY`; `max_statement_time` (MariaDB) or
  `max_execution_time` (MySQL, SELECT only); rows read unbuffered; LOCAL INFILE off.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING, Any

from llmspell.core.errors import SecurityError, ToolExecutionError

if TYPE_CHECKING:
    from types import ModuleType

    from llmspell.tools.data.database.targets import Target

_MODULES = {
    "sqlite": "llmspell.tools.data.database.sqlite",
    "postgresql": "llmspell.tools.data.database.postgres",
    "mysql": "llmspell.tools.data.database.mysql",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    max_rows: int
    #: seconds one statement may run
    timeout: float
    connect_timeout: float
    #: the setting that set `timeout`, named in the error
    timeout_key: str = "`tools.database.query_timeout_seconds`"


@dataclass(slots=True, kw_only=True)
class Outcome:
    """What a statement returned: rows (columns None: it returns none) and/or a row count."""

    columns: list[str] | None = None
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    truncated: bool = False
    rows_affected: int | None = None
    last_insert_id: int | None = None


@dataclass(slots=True, kw_only=True)
class Column:
    name: str
    type: str
    nullable: bool
    default: Any = None
    primary_key: bool = False


@dataclass(slots=True, kw_only=True)
class TableInfo:
    name: str
    schema: str | None
    type: str
    columns: list[Column] = field(default_factory=list)


def run(
    target: Target,
    sql: str,
    values: list[Any],
    *,
    write: bool = False,
    limits: Limits,
    streamable: bool = False,
) -> Outcome:
    """Run one driver-ready statement; read-only at the database unless `write`."""
    return _driver(target).run(
        target, sql, values, write=write, limits=limits, streamable=streamable
    )


def catalog(
    target: Target, *, limits: Limits, table: str | None = None, columns: bool = True
) -> list[TableInfo]:
    """Tables and views (with their columns when `columns`), read in a read-only session."""
    return _driver(target).catalog(target, limits=limits, table=table, columns=columns)


def _driver(target: Target) -> ModuleType:
    return import_module(_MODULES[target.engine])


def fetch(cursor: Any, max_rows: int) -> tuple[list[tuple[Any, ...]], bool]:
    """At most `max_rows` rows and whether more were there."""
    rows = [tuple(row) for row in cursor.fetchmany(max_rows + 1)]
    return rows[:max_rows], len(rows) > max_rows


def timeout_error(target: Target, limits: Limits) -> ToolExecutionError:
    return ToolExecutionError(
        f"the statement on {target.label} ran longer than {limits.timeout:g} s and was "
        f"cancelled ({limits.timeout_key}); narrow the query or raise the limit"
    )


def read_only_error(target: Target, detail: str) -> SecurityError:
    where = (
        f"`{target.config_key}.read_only = false`"
        if target.config_key
        else "a database configured in `[tools.database.databases]` with read_only = false "
        "(connections by `url` are always read-only)"
    )
    return SecurityError(
        f"{target.label} refused the write: it ran read-only ({target.mask(detail)}); writes "
        f"need operation 'execute' on {where}"
    )


def connect_error(target: Target, detail: str) -> ToolExecutionError:
    return ToolExecutionError(f"cannot connect to {target.url}: {target.mask(detail)}")


def statement_error(target: Target, detail: str) -> ToolExecutionError:
    return ToolExecutionError(f"{target.label} reported an error: {target.mask(detail)}")
