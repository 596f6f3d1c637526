"""database-connector against real databases: PostgreSQL and MariaDB on 127.0.0.1, SQLite files.

Every test works on its own table (a uuid in the name) and drops it afterwards. A server that is
not reachable skips its tests with the service named, except under CI=true, where it fails.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from llmspell.core.errors import (
    HostNotAllowed,
    PathNotAllowed,
    SecurityError,
    ToolExecutionError,
    ToolParameterError,
)
from llmspell.runtime import Runtime
from llmspell.tools.data.database import drivers
from llmspell.tools.data.database.sql_guard import prepare
from llmspell.tools.data.database.targets import resolve
from llmspell.tools.data.database.values import plain

TOOL = "database-connector"
PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
MY_URL = "mysql://root@127.0.0.1:3306/test"
SERVICES = {"postgresql": ("PostgreSQL", 5432), "mysql": ("MariaDB", 3306)}
ENGINES = ["sqlite", "postgresql", "mysql"]
ROWS = [(1, "alice", "9.50", "1990-01-02"), (2, "bob", "7.25", None), (3, "carol", "8.10", None)]


def _require(engine: str) -> None:
    if engine not in SERVICES:
        return
    service, port = SERVICES[engine]
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError as exc:
        message = f"{service} is not reachable on 127.0.0.1:{port} ({exc})"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


# The databases ---------------------------------------------------------------------------


@dataclass
class Db:
    """One engine with a fresh table `table` holding ROWS; `admin` runs SQL around the tool."""

    engine: str
    url: str
    table: str
    admin: Callable[..., list[tuple[Any, ...]]]

    def count(self) -> int:
        return int(self.admin(f"SELECT COUNT(*) FROM {self.table}")[0][0])


def _sqlite_admin(path: Path) -> Callable[..., list[tuple[Any, ...]]]:
    import sqlite3

    def admin(sql: str, values: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with sqlite3.connect(path) as conn:
            return conn.execute(sql.replace("%s", "?"), values).fetchall()

    return admin


def _pg_admin(sql: str, values: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(
        host="127.0.0.1", port=5432, user="postgres", dbname="test", autocommit=True
    ) as conn:
        cursor = conn.execute(sql, values)
        return cursor.fetchall() if cursor.description else []


def _my_admin(sql: str, values: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    import pymysql

    conn = pymysql.connect(
        host="127.0.0.1", port=3306, user="root", password="", database="test", autocommit=True
    )
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql, values or None)
            return list(cursor.fetchall())
    finally:
        conn.close()


@pytest.fixture(params=ENGINES)
def db(request: pytest.FixtureRequest, work: Path) -> Iterator[Db]:
    engine = request.param
    _require(engine)
    table = f"w4_{uuid.uuid4().hex[:12]}"
    if engine == "sqlite":
        path = work / f"{table}.db"
        admin, url = _sqlite_admin(path), f"sqlite:///{path}"
    elif engine == "postgresql":
        admin, url = _pg_admin, PG_URL
    else:
        admin, url = _my_admin, MY_URL
    key = "INTEGER AUTO_INCREMENT PRIMARY KEY" if engine == "mysql" else "INTEGER PRIMARY KEY"
    admin(
        f"CREATE TABLE {table} (id {key}, name VARCHAR(50) NOT NULL, score DECIMAL(10, 2), "
        "born DATE)"
    )
    marks = ", ".join(["(%s, %s, %s, %s)"] * len(ROWS))
    admin(f"INSERT INTO {table} VALUES {marks}", tuple(v for row in ROWS for v in row))
    try:
        yield Db(engine, url, table, admin)
    finally:
        admin(f"DROP TABLE IF EXISTS {table}")


# Runtimes ----------------------------------------------------------------------------------


def databases_toml(databases: dict[str, dict[str, Any]]) -> str:
    """`[tools.database.databases.<name>]` tables, as a user writes them in llmspell.toml."""
    return "".join(
        f"[tools.database.databases.{name}]\n"
        + "".join(f"{key} = {json.dumps(value)}\n" for key, value in entry.items())
        for name, entry in databases.items()
    )


@pytest.fixture
def runtime(make_rt: Callable[..., Runtime]) -> Callable[..., Runtime]:
    """`runtime(databases={...}, hosts=[...])`: loopback allowed through config by default."""

    def make(
        *,
        databases: dict[str, dict[str, Any]] | None = None,
        hosts: list[str] | None = None,
        **more: Any,
    ) -> Runtime:
        hosts = ["127.0.0.1"] if hosts is None else hosts
        return make_rt(
            {"tools.database.allowed_hosts": hosts, **more}, toml=databases_toml(databases or {})
        )

    return make


def call(rt: Runtime, **params: Any) -> Any:
    return rt.tools.invoke(TOOL, params)


# Reading -----------------------------------------------------------------------------------


def test_parameterised_select_returns_rows_as_tables(db: Db, runtime):
    rt = runtime()
    out = call(
        rt,
        url=db.url,
        query=f"SELECT id, name, score, born FROM {db.table} WHERE score > ? ORDER BY id",
        params=[8],
    )
    assert out.success and out.extra["operation"] == "query"
    result = out.result
    assert result["columns"] == ["id", "name", "score", "born"]
    assert result["rows"] == [
        {"id": 1, "name": "alice", "score": 9.5, "born": "1990-01-02"},
        {"id": 3, "name": "carol", "score": 8.1, "born": None},
    ]
    assert result["row_count"] == 2 and result["truncated"] is False
    assert result["statement"] == "SELECT" and result["read_only"] is True
    assert isinstance(result["elapsed_ms"], float)
    assert "alice" in out.text and "2 row(s)" in out.text
    named = call(
        rt,
        url=db.url,
        sql=f"SELECT name FROM {db.table} WHERE name = :who OR id = :id ORDER BY id",
        params={"who": "bob", "id": 3},
    )
    assert [row["name"] for row in named.result["rows"]] == ["bob", "carol"]


def test_schema_and_tables(db: Db, runtime):
    rt = runtime()
    schema = call(rt, url=db.url, operation="schema", table=db.table).result
    assert [t["name"] for t in schema["tables"]] == [db.table]
    table = schema["tables"][0]
    assert table["type"] == "table"
    columns = {c["name"]: c for c in table["columns"]}
    assert list(columns) == ["id", "name", "score", "born"]
    assert columns["id"]["primary_key"] is True and columns["name"]["primary_key"] is False
    assert columns["name"]["nullable"] is False and columns["born"]["nullable"] is True
    assert "char" in columns["name"]["type"].lower()
    listed = call(rt, url=db.url, operation="tables").result
    assert db.table in [t["name"] for t in listed["tables"]]
    assert all("columns" not in t for t in listed["tables"])


BIG = {
    "sqlite": (
        "WITH RECURSIVE r(n) AS (SELECT ? UNION ALL SELECT n + ? FROM r WHERE n < ?) "
        "SELECT n FROM r",
        [1, 1, 100_000],
    ),
    "postgresql": ("SELECT n FROM generate_series(?::int, ?::int) AS g(n)", [1, 100_000]),
    "mysql": (
        "WITH RECURSIVE r(n) AS (SELECT ? UNION ALL SELECT n + ? FROM r WHERE n < ?) "
        "SELECT n FROM r",
        [1, 1, 100_000],
    ),
}


def test_row_limit_truncates(db: Db, runtime):
    rt = runtime()
    small = call(rt, url=db.url, query=f"SELECT id FROM {db.table} ORDER BY id", max_rows=2)
    assert small.result["rows"] == [{"id": 1}, {"id": 2}]
    assert small.result["truncated"] is True and small.result["row_count"] == 2
    assert "truncated at max_rows = 2" in small.text
    sql, values = BIG[db.engine]
    started = time.monotonic()
    big = call(rt, url=db.url, query=sql, params=values, max_rows=5)
    assert [row["n"] for row in big.result["rows"]] == [1, 2, 3, 4, 5]
    assert big.result["truncated"] is True
    assert time.monotonic() - started < 5
    exact = call(rt, url=db.url, query=f"SELECT id FROM {db.table}", max_rows=3)
    assert exact.result["truncated"] is False
    with pytest.raises(ToolParameterError, match="max_rows"):
        call(rt, url=db.url, query=f"SELECT id FROM {db.table}", max_rows=10_001)


# Read-only -------------------------------------------------------------------------------


def _writes(table: str) -> list[tuple[str, list[Any]]]:
    return [
        (f"INSERT INTO {table} (id, name) VALUES (?, ?)", [9, "mallory"]),
        (f"UPDATE {table} SET name = ? WHERE id = ?", ["eve", 1]),
        (f"DELETE FROM {table} WHERE id = ?", [1]),
        (f"DROP TABLE {table}", []),
    ]


def test_writes_are_refused_by_the_parser_in_read_only_mode(db: Db, runtime):
    rt = runtime(databases={"ro": {"url": db.url}})
    for sql, values in _writes(db.table):
        with pytest.raises(SecurityError, match=r"writes, and 'ro' is read-only .*read_only"):
            call(rt, database="ro", query=sql, params=values)
        with pytest.raises(
            SecurityError, match=r"operation 'execute' writes, and 'ro' is read-only"
        ):
            call(rt, database="ro", operation="execute", query=sql, params=values)
        with pytest.raises(SecurityError, match=r"connections by `url` are always read-only"):
            call(rt, url=db.url, operation="execute", query=sql, params=values)
    assert db.count() == 3


def _lowlevel(rt: Runtime, db: Db, sql: str, values: list[Any]) -> drivers.Outcome:
    """The driver path with the SQL guard skipped: only the database's read-only mode is left."""
    context = rt.tools.context
    assert context is not None
    target = resolve(context, name=None, url=db.url, read_only=None)
    limits = drivers.Limits(max_rows=10, timeout=5, connect_timeout=5)
    return drivers.run(target, sql, values, write=False, limits=limits)


def test_the_database_refuses_writes_the_guard_never_saw(db: Db, runtime):
    rt = runtime()
    mark = "?" if db.engine == "sqlite" else "%s"
    for sql, values in [
        (f"INSERT INTO {db.table} (id, name) VALUES ({mark}, {mark})", [9, "mallory"]),
        (f"UPDATE {db.table} SET name = {mark}", ["eve"]),
        (f"DELETE FROM {db.table}", []),
        (f"DROP TABLE {db.table}", []),
        (f"CREATE TABLE {db.table}_x (a INTEGER)", []),
    ]:
        with pytest.raises(SecurityError, match="refused the write: it ran read-only"):
            _lowlevel(rt, db, sql, values)
    assert db.count() == 3
    assert _lowlevel(rt, db, f"SELECT COUNT(*) FROM {db.table}", []).rows == [(3,)]


def test_a_function_with_side_effects_cannot_write_in_read_only_mode(db: Db, runtime):
    if db.engine == "sqlite":
        rt = runtime()
        with pytest.raises(SecurityError, match="not authorized"):
            _lowlevel(
                rt, db, "ATTACH DATABASE ? AS other", [str(Path(db.url[10:]).parent / "x.db")]
            )
        return
    function = f"{db.table}_f"
    if db.engine == "postgresql":
        db.admin(
            f"CREATE FUNCTION {function}() RETURNS integer LANGUAGE sql AS "
            f"$$ INSERT INTO {db.table} (id, name) VALUES (99, 'sneaky') RETURNING id $$"
        )
        drop = f"DROP FUNCTION {function}()"
    else:
        db.admin(
            f"CREATE FUNCTION {function}() RETURNS INT MODIFIES SQL DATA "
            f"BEGIN INSERT INTO {db.table} (id, name) VALUES (99, 'sneaky'); RETURN 99; END"
        )
        drop = f"DROP FUNCTION {function}"
    try:
        rt = runtime(databases={"rw": {"url": db.url, "read_only": False}})
        with pytest.raises(SecurityError, match="refused the write: it ran read-only"):
            call(rt, database="rw", query=f"SELECT {function}()")
        assert db.count() == 3
    finally:
        db.admin(drop)


def test_writes_run_when_the_database_is_writable(db: Db, runtime):
    rt = runtime(databases={"rw": {"url": db.url, "read_only": False}})
    insert = call(
        rt,
        database="rw",
        operation="execute",
        query=f"INSERT INTO {db.table} (id, name, score) VALUES (?, ?, ?)",
        params=[4, "dave", 6.5],
    )
    assert insert.result["rows_affected"] == 1 and insert.result["statement"] == "INSERT"
    assert insert.result["read_only"] is False
    if db.engine == "postgresql":
        assert insert.result["last_insert_id"] is None
    else:
        assert insert.result["last_insert_id"] == 4
    update = call(
        rt,
        database="rw",
        operation="execute",
        query=f"UPDATE {db.table} SET score = :score WHERE id > :id",
        params={"score": 1, "id": 1},
    )
    assert update.result["rows_affected"] == 3
    delete = call(
        rt, database="rw", operation="execute", sql=f"DELETE FROM {db.table} WHERE id = ?", args=[4]
    )
    assert delete.result["rows_affected"] == 1 and db.count() == 3
    with pytest.raises(SecurityError, match="use operation 'execute'"):
        call(rt, database="rw", query=f"DELETE FROM {db.table} WHERE id = ?", params=[1])
    with pytest.raises(SecurityError, match="'rw' is read-only"):
        call(
            rt,
            database="rw",
            operation="execute",
            read_only=True,
            query=f"DELETE FROM {db.table} WHERE id = ?",
            params=[1],
        )
    with pytest.raises(SecurityError, match=r"changes the schema.*databases\.rw\.allow_ddl"):
        call(rt, database="rw", operation="execute", query=f"DROP TABLE {db.table}")
    assert db.count() == 3


def test_ddl_runs_only_with_allow_ddl(db: Db, runtime):
    rt = runtime(databases={"ddl": {"url": db.url, "read_only": False, "allow_ddl": True}})
    extra = f"{db.table}_new"
    try:
        made = call(
            rt,
            database="ddl",
            operation="execute",
            query=f"CREATE TABLE {extra} (id INTEGER PRIMARY KEY, label VARCHAR(20) DEFAULT 'x')",
        )
        assert made.result["statement"] == "CREATE"
        listed = call(rt, database="ddl", operation="tables", table=extra).result["tables"]
        assert [t["name"] for t in listed] == [extra]
        call(rt, database="ddl", operation="execute", query=f"DROP TABLE {extra}")
        assert call(rt, database="ddl", operation="tables", table=extra).result["tables"] == []
    finally:
        db.admin(f"DROP TABLE IF EXISTS {extra}")


# Refused SQL -------------------------------------------------------------------------------


def test_literal_values_are_refused(db: Db, runtime):
    rt = runtime()
    with pytest.raises(
        SecurityError,
        match=r"refused: the query has a literal value \('alice'\); pass it in `params` with a \?",
    ):
        call(rt, url=db.url, query=f"SELECT id FROM {db.table} WHERE name = 'alice'")
    with pytest.raises(SecurityError, match=r"literal value \(2\)"):
        call(rt, url=db.url, query=f"SELECT name FROM {db.table} WHERE id = 2")
    with pytest.raises(SecurityError, match="literal value"):
        call(
            rt,
            url=db.url,
            query=f"SELECT name FROM {db.table} WHERE name = 'x' OR ? = ?",
            params=[1, 1],
        )
    fine = call(rt, url=db.url, query=f"SELECT name FROM {db.table} ORDER BY 1 LIMIT 2 OFFSET 1")
    assert [r["name"] for r in fine.result["rows"]] == ["bob", "carol"]


def test_several_statements_are_refused(db: Db, runtime):
    rt = runtime()
    with pytest.raises(SecurityError, match="the query holds 2 statements"):
        call(rt, url=db.url, query=f"SELECT id FROM {db.table}; DELETE FROM {db.table}")
    ok = call(rt, url=db.url, query=f"SELECT id FROM {db.table} WHERE id = ?;", params=[1])
    assert ok.result["rows"] == [{"id": 1}]


SLOW = {
    "sqlite": (
        "WITH RECURSIVE c(x) AS (SELECT ? UNION ALL SELECT x + ? FROM c) SELECT COUNT(*) FROM c",
        [1, 1],
    ),
    "postgresql": ("SELECT pg_sleep(?)", [10]),
    "mysql": ("SELECT SLEEP(?)", [10]),
}


def test_a_slow_statement_is_cancelled(db: Db, runtime):
    rt = runtime()
    sql, values = SLOW[db.engine]
    started = time.monotonic()
    with pytest.raises(
        ToolExecutionError,
        match=r"ran longer than 0\.5 s and was cancelled \(the `timeout_seconds` parameter\)",
    ):
        call(rt, url=db.url, query=sql, params=values, timeout_seconds=0.5)
    assert time.monotonic() - started < 4
    assert call(rt, url=db.url, query="SELECT ? AS n", params=[1]).result["rows"] == [{"n": 1}]
    if db.engine == "postgresql":
        capped = runtime(**{"tools.database.query_timeout_seconds": 1})
        with pytest.raises(
            ToolExecutionError, match=r"longer than 1 s .*`tools\.database\.query_timeout_seconds`"
        ):
            call(capped, url=db.url, query=sql, params=values, timeout_seconds=30)


# Where it may connect --------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["postgresql", "mysql"])
def test_loopback_hosts_are_refused_unless_listed(engine: str, runtime):
    url = PG_URL if engine == "postgresql" else MY_URL
    closed = runtime(hosts=[])
    with pytest.raises(HostNotAllowed, match=r"127\.0\.0\.1.*`tools\.database\.allowed_hosts`"):
        call(closed, url=url, query="SELECT ?", params=[1])
    other = runtime(hosts=["127.0.0.1"])
    with pytest.raises(HostNotAllowed, match="'localhost'"):
        call(other, url=url.replace("127.0.0.1", "localhost"), query="SELECT ?", params=[1])
    web_only = runtime(hosts=[], **{"tools.http_request.allowed_hosts": ["*"]})
    with pytest.raises(HostNotAllowed):
        call(web_only, url=url, query="SELECT ?", params=[1])
    _require(engine)
    assert call(other, url=url, query="SELECT ? AS one", params=[1]).result["rows"] == [{"one": 1}]


def test_sqlite_files_outside_allowed_paths_are_refused(runtime, outside: Path, work: Path):
    import sqlite3

    secret = outside / "secret.db"
    with sqlite3.connect(secret) as conn:
        conn.execute("CREATE TABLE t (a INTEGER)")
    rt = runtime()
    with pytest.raises(PathNotAllowed):
        call(rt, url=f"sqlite:///{secret}", query="SELECT a FROM t")
    escape = work / ".." / "outside" / "secret.db"
    with pytest.raises(PathNotAllowed):
        call(rt, url=f"sqlite:///{escape}", query="SELECT a FROM t")
    (work / "link.db").symlink_to(secret)
    with pytest.raises(PathNotAllowed):
        call(rt, url=f"sqlite:///{work / 'link.db'}", query="SELECT a FROM t")
    with pytest.raises(ToolExecutionError, match="no SQLite database file"):
        call(rt, url=f"sqlite:///{work / 'missing.db'}", query="SELECT a FROM t")
    assert not (work / "missing.db").exists()


def test_sqlite_relative_paths_start_at_the_working_folder(runtime, work: Path):
    import sqlite3

    with sqlite3.connect(work / "rel.db") as conn:
        conn.execute("CREATE TABLE t (a INTEGER)")
        conn.execute("INSERT INTO t VALUES (7)")
    rt = runtime()
    assert call(rt, url="sqlite:///rel.db", query="SELECT a FROM t").result["rows"] == [{"a": 7}]


@pytest.mark.parametrize("engine", ["postgresql", "mysql"])
def test_passwords_are_masked(engine: str, runtime, monkeypatch: pytest.MonkeyPatch):
    _require(engine)
    rt = runtime()
    secret = "s3cret-Pa55"
    if engine == "postgresql":
        bad = f"postgresql://postgres:{secret}@127.0.0.1:5432/no_such_db_w4"
    else:
        bad = f"mysql://root:{secret}@127.0.0.1:3306/test"
    with pytest.raises(ToolExecutionError) as caught:
        call(rt, url=bad, query="SELECT ?", params=[1])
    message = str(caught.value)
    assert secret not in message and ":***@127.0.0.1" in message
    assert "cannot connect to" in message
    rw = runtime(databases={"main": {"url": bad}})
    with pytest.raises(ToolExecutionError) as caught:
        call(rw, database="main", query="SELECT ?", params=[1])
    assert secret not in str(caught.value)
    scheme = bad.split(":", 1)[0]
    for url in [f"oracle://scott:{secret}@h/db", bad.replace("127.0.0.1:", "127.0.0.1:99999")]:
        with pytest.raises(ToolParameterError) as caught:
            call(rt, url=url, query="SELECT ?", params=[1])
        assert secret not in str(caught.value) and ":***@" in str(caught.value)
    if engine == "mysql":
        monkeypatch.setenv("W4_DB_PASSWORD", secret)
        by_env = runtime(databases={"main": {"url": MY_URL, "password_env": "W4_DB_PASSWORD"}})
        with pytest.raises(ToolExecutionError, match=r"using password: YES") as caught:
            call(by_env, query="SELECT ?", params=[1])
        assert secret not in str(caught.value) and f"{scheme}://root@" in str(caught.value)
    if engine == "postgresql":  # trust authentication: any password gets in
        good = call(
            rt,
            url=f"postgresql://postgres:{secret}@127.0.0.1:5432/test",
            query="SELECT ?",
            params=[1],
        )
        assert secret not in repr(good.result) and good.result["database"].count("***") == 1


def test_configured_databases_by_name(runtime, work: Path):
    import sqlite3

    with sqlite3.connect(work / "a.db") as conn:
        conn.execute("CREATE TABLE t (a INTEGER)")
    only = runtime(databases={"a": {"url": "sqlite:///a.db"}})
    assert call(only, query="SELECT a FROM t").result["database"] == "a"
    with pytest.raises(ToolParameterError, match=r"no database named 'b' .*configured: a"):
        call(only, database="b", query="SELECT a FROM t")
    with pytest.raises(ToolParameterError, match="not both"):
        call(only, database="a", url="sqlite:///a.db", query="SELECT a FROM t")
    none = runtime()
    with pytest.raises(ToolParameterError, match=r"say which database.*none are"):
        call(none, query="SELECT a FROM t")
    with pytest.raises(ToolParameterError, match="use a postgresql://, mysql://"):
        call(none, url="oracle://x@h/db", query="SELECT a FROM t")
    with pytest.raises(ToolParameterError, match="URL option"):
        call(none, url="postgresql://u@127.0.0.1/db?host=/tmp", query="SELECT a FROM t")


# Parameters and values -------------------------------------------------------------------


def test_placeholder_styles_and_mismatches():
    pg = prepare(
        "SELECT a % 2 AS m FROM t WHERE b = $2 AND c = $1 LIMIT 3".replace("% 2", "% b"),
        ["x", "y"],
        dialect="postgres",
        paramstyle="format",
    )
    assert pg.sql == "SELECT a %% b AS m FROM t WHERE b = %s AND c = %s LIMIT 3"
    assert pg.values == ["y", "x"]
    named = prepare(
        "SELECT * FROM t WHERE a = :a OR b = %(b)s OR c = :a",
        {"a": 1, "b": 2},
        dialect="postgres",
        paramstyle="format",
    )
    assert named.values == [1, 2, 1]
    lite = prepare(
        "SELECT * FROM t WHERE a = %s AND b = ?", [1, 2], dialect="sqlite", paramstyle="qmark"
    )
    assert lite.sql == "SELECT * FROM t WHERE a = ? AND b = ?"
    cast = prepare(
        "SELECT x::int, arr[lo:hi] FROM t -- ? :c", None, dialect="postgres", paramstyle="format"
    )
    assert cast.values == []
    with pytest.raises(ToolParameterError, match=r"1 placeholder\(s\) but `params` has 2"):
        prepare("SELECT a FROM t WHERE b = ?", [1, 2], dialect="sqlite", paramstyle="qmark")
    with pytest.raises(ToolParameterError, match="missing: b; not in the query: c"):
        prepare("SELECT a FROM t WHERE b = :b", {"c": 1}, dialect="mysql", paramstyle="format")
    with pytest.raises(ToolParameterError, match="mixes placeholder styles"):
        prepare("SELECT a FROM t WHERE b = ? AND c = :c", [1], dialect="mysql", paramstyle="format")
    with pytest.raises(ToolParameterError, match=r"must be an object"):
        prepare("SELECT a FROM t WHERE b = :b", [1], dialect="mysql", paramstyle="format")
    with pytest.raises(SecurityError, match="executable comments"):
        prepare("SELECT /*! 1 */ a FROM t", None, dialect="mysql", paramstyle="format")
    with pytest.raises(SecurityError, match=r"SELECT \.\.\. INTO"):
        prepare("SELECT a INTO newt FROM t", None, dialect="postgres", paramstyle="format")
    for sql in ["PRAGMA query_only = OFF", "ATTACH DATABASE ? AS x", "VACUUM INTO ?"]:
        with pytest.raises(SecurityError, match="statements are not run by this tool"):
            prepare(sql, ["/tmp/x"] if "?" in sql else None, dialect="sqlite", paramstyle="qmark")
    with pytest.raises(SecurityError, match="statements are not run by this tool"):
        prepare("SET statement_timeout = DEFAULT", None, dialect="postgres", paramstyle="format")
    cte = prepare(
        "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
        None,
        dialect="postgres",
        paramstyle="format",
    )
    assert cte.kind == "write"
    explain = prepare(
        "EXPLAIN ANALYZE DELETE FROM t WHERE a = ?", [1], dialect="postgres", paramstyle="format"
    )
    assert (explain.kind, explain.verb) == ("write", "EXPLAIN")


def test_values_become_json_friendly(runtime):
    _require("postgresql")
    rt = runtime()
    out = call(
        rt,
        url=PG_URL,
        query="SELECT ?::numeric AS money, ?::numeric AS whole, ?::bytea AS raw, "
        "?::jsonb AS doc, ?::timestamptz AS at, ?::interval AS span, ?::uuid AS id, "
        "?::int[] AS arr, ?::float8 AS nan, ?::text AS same_name, ?::text AS same_name",
        params=[
            "12345678901234567890.12",
            "42",
            {"base64": "AAEC/w=="},
            '{"a": [1, 2]}',
            "2024-03-01T12:30:00+00:00",
            "90 minutes",
            "12345678-1234-5678-1234-567812345678",
            [1, 2],
            "NaN",
            "x",
            "y",
        ],
    )
    row = out.result["rows"][0]
    assert row["money"] == "12345678901234567890.12" and row["whole"] == 42
    assert row["raw"] == {"type": "bytes", "base64": "AAEC/w=="}
    assert row["doc"] == {"a": [1, 2]} and row["at"].startswith("2024-03-01T12:30:00")
    assert row["span"] == 5400.0 and row["id"] == "12345678-1234-5678-1234-567812345678"
    assert row["arr"] == [1, 2] and row["nan"] == "NaN"
    assert out.result["columns"][-2:] == ["same_name", "same_name_2"]
    assert plain({"s": {3, 1}}) == {"s": [1, 3]}


def test_a_spell_reads_rows_as_lua_tables(runtime, work: Path):
    import sqlite3

    with sqlite3.connect(work / "spell.db") as conn:
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
        conn.executemany("INSERT INTO t VALUES (?, ?)", [(1, "ada"), (2, "alan")])
    rt = runtime()
    code = """
    local url = "sqlite:///spell.db"
    local r = Tool.invoke("database-connector", {
      url = url, query = "SELECT id, name FROM t WHERE id >= :low ORDER BY id",
      params = {low = 1},
    })
    local empty = Tool.invoke("database-connector", {url = url, query = "SELECT id FROM t"})
    local ok, err = pcall(Tool.invoke, "database-connector", {
      url = url, query = "SELECT id FROM t WHERE name = 'ada'",
    })
    return r.result.rows[2].name, #r.result.rows, r.result.columns[1], #empty.result.rows, ok, err
    """
    name, count, column, total, ok, err = rt.engine().execute(code)
    assert (name, count, column, total, ok) == ("alan", 2, "id", 2, False)
    assert "Tool 'database-connector' refused: the query has a literal value ('ada')" in err
