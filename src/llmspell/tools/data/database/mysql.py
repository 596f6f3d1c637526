"""The MySQL/MariaDB driver (PyMySQL): read-only session and transaction, statement time limit."""

from __future__ import annotations

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
    import pymysql

    from llmspell.tools.data.database.targets import Target

#: server error codes: statement time limit (MariaDB, MySQL), interrupted, read-only transaction
_TIMEOUT_CODES = frozenset({1969, 3024, 1317})
_READ_ONLY_CODES = frozenset({1792})
_LOST = 2013
#: seconds the client waits on the socket beyond the server's own statement limit
_SOCKET_GRACE = 5.0
_TABLES = (
    "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES "
    "WHERE TABLE_SCHEMA = DATABASE() AND (%s IS NULL OR TABLE_NAME = %s) ORDER BY TABLE_NAME"
)
_COLUMNS = (
    "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, COLUMN_KEY "
    "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
    "AND (%s IS NULL OR TABLE_NAME = %s) ORDER BY TABLE_NAME, ORDINAL_POSITION"
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
    import pymysql

    conn = _connect(target, limits, write=write)
    try:
        cursor = conn.cursor(pymysql.cursors.Cursor if write else pymysql.cursors.SSCursor)
        cursor.execute(sql, tuple(values))
        outcome = Outcome()
        if cursor.description is not None:
            outcome.columns = [d[0] for d in cursor.description]
            outcome.rows, outcome.truncated = fetch(cursor, limits.max_rows)
        if write:
            outcome.rows_affected = cursor.rowcount if cursor.rowcount >= 0 else None
            outcome.last_insert_id = cursor.lastrowid or None
            conn.commit()
        elif outcome.truncated:
            _abandon(cursor)
        return outcome
    except pymysql.Error as exc:
        raise _mapped(exc, target, limits) from exc
    finally:
        conn.close()


def catalog(
    target: Target, *, limits: Limits, table: str | None = None, columns: bool = True
) -> list[TableInfo]:
    import pymysql

    conn = _connect(target, limits, write=False)
    try:
        with conn.cursor() as cursor:
            cursor.execute(_TABLES, (table, table))
            tables = {
                name: TableInfo(
                    name=name, schema=schema, type="view" if "VIEW" in kind else "table"
                )
                for schema, name, kind in cursor.fetchall()
            }
            if columns:
                cursor.execute(_COLUMNS, (table, table))
                for name, column, kind, nullable, default, key in cursor.fetchall():
                    if name in tables:
                        tables[name].columns.append(
                            Column(
                                name=column,
                                type=kind,
                                nullable=nullable == "YES",
                                default=default,
                                primary_key=key == "PRI",
                            )
                        )
        return list(tables.values())
    except pymysql.Error as exc:
        raise _mapped(exc, target, limits) from exc
    finally:
        conn.close()


def _connect(target: Target, limits: Limits, *, write: bool) -> pymysql.Connection[Any]:
    try:
        import pymysql
    except ImportError:  # pragma: no cover - depends on the installation
        raise ToolExecutionError(
            "MySQL/MariaDB needs the PyMySQL package: `pip install 'PyMySQL>=1.1'`"
        ) from None
    try:
        conn = pymysql.connect(
            host=target.address,
            port=target.port,
            user=target.user,
            password=target.password or "",
            database=target.database,
            charset=target.options.get("charset", "utf8mb4"),
            connect_timeout=limits.connect_timeout,
            read_timeout=limits.timeout + _SOCKET_GRACE,
            write_timeout=limits.timeout + _SOCKET_GRACE,
            autocommit=False,
            local_infile=False,
            client_flag=0,
        )
    except pymysql.Error as exc:
        raise connect_error(target, _message(exc)) from exc
    try:
        with conn.cursor() as cursor:
            if "mariadb" in conn.get_server_info().lower():
                cursor.execute("SET SESSION max_statement_time = %s", (limits.timeout,))
            else:
                cursor.execute(
                    "SET SESSION max_execution_time = %s", (max(1, round(limits.timeout * 1000)),)
                )
            if write:
                cursor.execute("START TRANSACTION")
            else:
                cursor.execute("SET SESSION TRANSACTION READ ONLY")
                cursor.execute("START TRANSACTION READ ONLY")
    except pymysql.Error as exc:
        conn.close()
        raise _mapped(exc, target, limits) from exc
    return conn


def _abandon(cursor: Any) -> None:
    """Drop an unbuffered result without reading the rest (the connection is closed next).

    PyMySQL would otherwise read every remaining row when the cursor or result is released.
    """
    result = getattr(cursor, "_result", None)
    if result is not None:
        result.unbuffered_active = False
    connection = getattr(cursor, "connection", None)
    if connection is not None:
        connection._result = None


def _mapped(exc: pymysql.Error, target: Target, limits: Limits) -> Exception:
    code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
    if code in _TIMEOUT_CODES or (code == _LOST and "timed out" in str(exc)):
        return timeout_error(target, limits)
    if code in _READ_ONLY_CODES:
        return read_only_error(target, f"MySQL: {_message(exc)}")
    return statement_error(target, f"MySQL: {_message(exc)}")


def _message(exc: pymysql.Error) -> str:
    if len(exc.args) >= 2:
        return f"({exc.args[0]}) {exc.args[1]}"
    return str(exc)
