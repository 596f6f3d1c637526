"""The SQLite driver (stdlib sqlite3): read-only by URI mode, `query_only` and an authorizer."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from llmspell.core.errors import SecurityError
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
    from llmspell.tools.data.database.targets import Target

_READ = frozenset(
    {
        sqlite3.SQLITE_SELECT,
        sqlite3.SQLITE_READ,
        sqlite3.SQLITE_FUNCTION,
        getattr(sqlite3, "SQLITE_RECURSIVE", 33),
    }
)
_WRITE = _READ | {sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE}
_DDL = (
    _WRITE
    | {
        getattr(sqlite3, name)
        for name in dir(sqlite3)
        if name.startswith(("SQLITE_CREATE_", "SQLITE_DROP_")) and "VTABLE" not in name
    }
    | {sqlite3.SQLITE_ALTER_TABLE}
)
#: progress handler period, in SQLite virtual-machine instructions
_TICKS = 1000


def run(
    target: Target,
    sql: str,
    values: list[Any],
    *,
    write: bool,
    limits: Limits,
    streamable: bool = False,
) -> Outcome:
    deadline = time.monotonic() + limits.timeout
    conn = _connect(target, limits, write=write)
    try:
        conn.set_progress_handler(lambda: time.monotonic() > deadline, _TICKS)
        if write:
            conn.execute("BEGIN")
        allowed = (_DDL if target.allow_ddl else _WRITE) if write else _READ
        conn.set_authorizer(_authorizer(allowed))
        try:
            cursor = conn.execute(sql, values)
        finally:
            conn.set_authorizer(None)
        outcome = Outcome()
        if cursor.description is not None:
            outcome.columns = [d[0] for d in cursor.description]
            outcome.rows, outcome.truncated = fetch(cursor, limits.max_rows)
        if write:
            for _ in cursor:  # rows past max_rows (INSERT ... RETURNING): COMMIT needs them read
                pass
            outcome.rows_affected = cursor.rowcount if cursor.rowcount >= 0 else None
            is_insert = sql.lstrip().upper().startswith(("INSERT", "REPLACE"))
            outcome.last_insert_id = cursor.lastrowid if is_insert else None
            conn.execute("COMMIT")
        return outcome
    except sqlite3.Error as exc:
        raise _mapped(exc, target, limits, deadline, write=write) from exc
    finally:
        conn.close()


def catalog(
    target: Target, *, limits: Limits, table: str | None = None, columns: bool = True
) -> list[TableInfo]:
    deadline = time.monotonic() + limits.timeout
    conn = _connect(target, limits, write=False)
    try:
        conn.set_progress_handler(lambda: time.monotonic() > deadline, _TICKS)
        found = conn.execute(
            "SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') "
            "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND (? IS NULL OR name = ?) "
            "ORDER BY name",
            (table, table),
        ).fetchall()
        tables = [TableInfo(name=name, schema="main", type=kind) for name, kind in found]
        for info in tables if columns else []:
            for name, declared, notnull, default, pk in conn.execute(
                'SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?)',
                (info.name,),
            ):
                info.columns.append(
                    Column(
                        name=name,
                        type=declared or "",
                        nullable=not notnull,
                        default=default,
                        primary_key=bool(pk),
                    )
                )
        return tables
    except sqlite3.Error as exc:
        raise _mapped(exc, target, limits, deadline, write=False) from exc
    finally:
        conn.close()


def _connect(target: Target, limits: Limits, *, write: bool) -> sqlite3.Connection:
    assert target.path is not None
    uri = f"{target.path.as_uri()}?mode={'rwc' if write else 'ro'}"
    try:
        conn = sqlite3.connect(
            uri,
            uri=True,
            timeout=limits.connect_timeout,
            isolation_level=None,
            check_same_thread=False,
        )
        if not write:
            conn.execute("PRAGMA query_only = ON")
    except sqlite3.Error as exc:
        raise connect_error(target, str(exc)) from exc
    return conn


def _authorizer(allowed: frozenset[int] | set[int]) -> Callable[..., int]:
    def check(action: int, *_: Any) -> int:
        return sqlite3.SQLITE_OK if action in allowed else sqlite3.SQLITE_DENY

    return check


def _mapped(
    exc: sqlite3.Error, target: Target, limits: Limits, deadline: float, *, write: bool
) -> Exception:
    message = str(exc)
    if "interrupted" in message and time.monotonic() >= deadline:
        return timeout_error(target, limits)
    if "not authorized" in message and write:
        return SecurityError(
            f"SQLite refused the statement on {target.label} ({message}): writes allow INSERT, "
            "UPDATE and DELETE (CREATE, ALTER and DROP with allow_ddl = true); ATTACH, DETACH "
            "and PRAGMA are never allowed"
        )
    if "readonly" in message or "read-only" in message or "not authorized" in message:
        return read_only_error(
            target,
            f"SQLite: {message}; read-only mode allows only reads, and never ATTACH, DETACH "
            "or PRAGMA",
        )
    return statement_error(target, f"SQLite: {message}")
