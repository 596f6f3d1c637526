"""The PostgreSQL driver (psycopg 3): read-only transactions, statement_timeout, pinned address."""

from __future__ import annotations

import contextlib
import math
import os
from typing import TYPE_CHECKING, Any

from llmspell.core.errors import ToolExecutionError
from llmspell.tools.data.database.drivers import (
    Column,
    Limits,
    Outcome,
    TableInfo,
    connect_error,
    fetch,
    read_only_error,
    statement_error,
    timeout_error,
)

if TYPE_CHECKING:
    import psycopg

    from llmspell.tools.data.database.targets import Target

#: a path that cannot exist (libpq warns about /dev/null itself, but skips a missing file)
_NO_PASSFILE = os.path.join(os.devnull, "no-pgpass")
_SYSTEM_SCHEMAS = ("pg_catalog", "information_schema")
_TABLES = (
    "SELECT table_schema, table_name, table_type FROM information_schema.tables "
    "WHERE table_schema <> ALL(%s) AND table_schema NOT LIKE 'pg\\_toast%%' "
    "AND (%s::text IS NULL OR table_name = %s) ORDER BY table_schema, table_name"
)
_COLUMNS = (
    "SELECT table_schema, table_name, column_name, data_type, is_nullable, column_default "
    "FROM information_schema.columns WHERE table_schema <> ALL(%s) "
    "AND (%s::text IS NULL OR table_name = %s) "
    "ORDER BY table_schema, table_name, ordinal_position"
)
_PRIMARY_KEYS = (
    "SELECT k.table_schema, k.table_name, k.column_name "
    "FROM information_schema.table_constraints c JOIN information_schema.key_column_usage k "
    "ON c.constraint_schema = k.constraint_schema AND c.constraint_name = k.constraint_name "
    "WHERE c.constraint_type = 'PRIMARY KEY' AND (%s::text IS NULL OR k.table_name = %s)"
)


def run(
    target: Target,
    sql: str,
    values: list[Any],
    *,
    write: bool,
    limits: Limits,
    streamable: bool = False,
) -> Outcome:
    import psycopg

    conn = _connect(target, limits, write=write)
    server_side = streamable and not write
    cursor: Any = conn.cursor(name="llmspell_query") if server_side else conn.cursor()
    try:
        if server_side:
            cursor.execute(sql, values)
        else:
            cursor.execute(sql, values, prepare=True)
        outcome = Outcome()
        if cursor.description is not None:
            outcome.columns = [column.name for column in cursor.description]
            outcome.rows, outcome.truncated = fetch(cursor, limits.max_rows)
        if write:
            outcome.rows_affected = cursor.rowcount if cursor.rowcount >= 0 else None
            conn.commit()
        return outcome
    except psycopg.Error as exc:
        raise _mapped(exc, target, limits) from exc
    finally:
        with contextlib.suppress(psycopg.Error):
            cursor.close()
        conn.close()


def catalog(
    target: Target, *, limits: Limits, table: str | None = None, columns: bool = True
) -> list[TableInfo]:
    import psycopg

    conn = _connect(target, limits, write=False)
    try:
        schemas = list(_SYSTEM_SCHEMAS)
        tables: dict[tuple[str, str], TableInfo] = {}
        for schema, name, kind in conn.execute(_TABLES, (schemas, table, table)):
            kind = "view" if "VIEW" in kind else "table"
            tables[(schema, name)] = TableInfo(name=name, schema=schema, type=kind)
        if columns:
            keys = {tuple(row) for row in conn.execute(_PRIMARY_KEYS, (table, table))}
            for schema, name, column, kind, nullable, default in conn.execute(
                _COLUMNS, (schemas, table, table)
            ):
                info = tables.get((schema, name))
                if info is not None:
                    info.columns.append(
                        Column(
                            name=column,
                            type=kind,
                            nullable=nullable == "YES",
                            default=default,
                            primary_key=(schema, name, column) in keys,
                        )
                    )
        return list(tables.values())
    except psycopg.Error as exc:
        raise _mapped(exc, target, limits) from exc
    finally:
        conn.close()


def _connect(target: Target, limits: Limits, *, write: bool) -> psycopg.Connection[Any]:
    try:
        import psycopg
    except ImportError:  # pragma: no cover - depends on the installation
        raise ToolExecutionError(
            "PostgreSQL needs the psycopg package: `pip install 'psycopg[binary]>=3.1'`"
        ) from None
    settings: dict[str, Any] = {
        "host": target.host,
        "hostaddr": target.address,
        "port": target.port,
        "dbname": target.database,
        "user": target.user,
        "password": target.password,
        "connect_timeout": max(2, math.ceil(limits.connect_timeout)),
        **target.options,
    }
    if target.config_key is None:
        # a URL from the caller: no password from ~/.pgpass or PGPASSWORD goes to its host
        settings["password"] = target.password or ""
        settings["passfile"] = _NO_PASSFILE
    try:
        conn = psycopg.connect(
            autocommit=True, **{k: v for k, v in settings.items() if v is not None}
        )
    except psycopg.Error as exc:
        raise connect_error(target, _message(exc)) from exc
    try:
        timeout_ms = str(max(1, round(limits.timeout * 1000)))
        conn.execute("SELECT set_config('statement_timeout', %s, false)", (timeout_ms,))
        if not write:
            conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        conn.autocommit = False
        conn.read_only = not write
    except psycopg.Error as exc:
        conn.close()
        raise _mapped(exc, target, limits) from exc
    return conn


def _mapped(exc: psycopg.Error, target: Target, limits: Limits) -> Exception:
    from psycopg import errors

    if isinstance(exc, errors.QueryCanceled):
        return timeout_error(target, limits)
    if isinstance(exc, errors.ReadOnlySqlTransaction):
        return read_only_error(target, f"PostgreSQL: {_message(exc)}")
    return statement_error(target, f"PostgreSQL: {_message(exc)}")


def _message(exc: psycopg.Error) -> str:
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    return " ".join(str(primary or exc).split())
