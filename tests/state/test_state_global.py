"""`State` as spells see it: both APIs, helpers, TTL, atomic ops, migrations and backups in Lua."""

from __future__ import annotations

import time

import pytest

from llmspell import Runtime, ScriptError


def run(runtime: Runtime, code: str) -> object:
    values = runtime.run_code(code)
    if not values:
        return None
    return values[0] if len(values) == 1 else values


def error_of(runtime: Runtime, code: str) -> str:
    with pytest.raises(ScriptError) as info:
        runtime.run_code(code)
    return str(info.value)


def test_scoped_api_round_trips_every_kind_of_value(runtime):
    result = run(
        runtime,
        """
        State.save("global", "v", {int = 2, float = 2.0, s = "x", yes = true,
                                   list = {1, 2, 3}, nested = {deep = {deeper = "ok"}},
                                   [10] = "ten", bin = "\\255\\0"})
        local v = State.load("global", "v")
        return math.type(v.int), math.type(v.float), v.s, v.yes, #v.list, v.nested.deep.deeper,
               v[10], v.bin == "\\255\\0", State.load("global", "missing")
        """,
    )
    assert result == ["integer", "float", "x", True, 3, "ok", "ten", True, None]


def test_scoped_helpers_and_key_listing(runtime):
    result = run(
        runtime,
        """
        State.save("custom", "theme", "dark")
        State.save("global", "app_version", "1.0.0")
        State.save("global", "last_run", "today")
        State.delete("global", "last_run")
        State.agent_set("analyzer_001", "status", "ready")
        State.tool_set("file_processor", "count", 3)
        State.save("workflow", "pipeline:step1", {ok = true})
        return State.list_keys("global"), State.agent_get("analyzer_001", "status"),
               State.tool_get("file_processor", "count"),
               State.workflow_get("pipeline", "step1").ok,
               State.workflow_list("pipeline"), State.workflow_get("data_pipeline", "step1"),
               State.list_scopes()
        """,
    )
    assert result == [
        ["app_version"],
        "ready",
        3,
        True,
        ["step1"],
        None,
        ["agent", "custom", "global", "tool", "workflow"],
    ]


def test_global_api_and_legacy_scoped_forms(runtime):
    result = run(
        runtime,
        """
        State.set("counter", 1)
        State.set("user", "name", "Ada")          -- legacy (scope, key, value)
        local a = State.get("counter")
        local b = State.get("user", "name")
        local e1, e2 = State.exists("counter"), State.exists("user", "nobody")
        local listed = State.list()
        State.delete("counter")
        local gone = State.get("counter")
        State:set("colon", true)                  -- colon calls work too
        local n = State.clear()
        return a, b, e1, e2, listed, gone, n, State.list("user"), State.get_scoped("user", "name")
        """,
    )
    assert result == [1, "Ada", True, False, ["counter"], None, 1, ["name"], "Ada"]


def test_load_falls_back_to_the_raw_workflow_key(runtime):
    result = run(
        runtime,
        """
        State.save("workflow", "run1:agent:writer:output", "draft")
        return State.load("custom", ":workflow:run1:agent:writer:output"),
               State.load("Global", "workflow:run1:agent:writer:output")
        """,
    )
    assert result == ["draft", "draft"]


def test_ttl_from_lua(runtime):
    run(runtime, 'State.set("a", 1, {ttl = 0.2}); State.save("user", "b", 2, 0.2)')
    assert run(runtime, 'return State.get("a"), State.load("user", "b")') == [1, 2]
    time.sleep(0.25)
    assert run(runtime, 'return State.get("a"), State.load("user", "b")') == [None, None]


def test_atomic_operations_from_lua(runtime):
    result = run(
        runtime,
        """
        local a = State.increment("hits")
        local b = State.increment("hits", 10)
        local c = State.increment("user", "visits")
        local d = State.increment("user", "visits", 2)
        local n1 = State.append("log", {event = "login"})
        local n2 = State.append("log", "logout")
        local ok1 = State.compare_and_swap("status", nil, "pending")
        local ok2 = State.compare_and_swap("status", "active", "done")
        local ok3 = State.compare_and_swap("status", "pending", "active")
        return a, b, c, d, n1, n2, State.get("log")[1].event, ok1, ok2, ok3, State.get("status")
        """,
    )
    assert result == [1, 11, 1, 3, 1, 2, "login", True, False, True, "active"]


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ('State.set("a..b", 1)', "rule: no '..' in a key"),
        ('State.save("global", string.rep("k", 300), 1)', "at most 256 characters"),
        ('State.set("__x", 1)', "reserved"),
        ('State.set("s", "x"); State.increment("s")', "holds a string, not a number"),
        ('State.set("m", {k = 1}); State.append("m", 1)', "not a list"),
        ('State.set("f", {fn = print})', "a function cannot be stored"),
        ("State.set()", "State.set: expected (key, value"),
    ],
)
def test_refusals_are_catchable_errors_that_say_why(runtime, code, message):
    assert message in error_of(runtime, code)
    assert run(runtime, f"local ok, err = pcall(function() {code} end) return ok") is False


def test_oversized_value_from_lua(make_runtime):
    runtime = make_runtime(max_state_size_bytes=1000)
    message = error_of(runtime, 'State.set("big", string.rep("x", 2000))')
    assert "over the 1,000-byte limit" in message
    assert "runtime.state_persistence.max_state_size_bytes" in message


@pytest.mark.parametrize(
    ("call", "key"),
    [
        ("State.migrate(2)", "migration_enabled"),
        ("State.register_migration({version = 2, transforms = {}})", "migration_enabled"),
        ("State.get_migration_status()", "migration_enabled"),
        ("State.get_schema_versions()", "migration_enabled"),
        ("State.create_backup()", "backup_enabled"),
        ("State.list_backups()", "backup_enabled"),
        ('State.restore_backup("x")', "backup_enabled"),
        ('State.validate_backup("x")', "backup_enabled"),
        ("State.cleanup_backups()", "backup_enabled"),
        ("State.get_storage_usage()", "backup_enabled"),
    ],
)
def test_migration_and_backup_functions_name_the_key_that_enables_them(runtime, call, key):
    message = error_of(runtime, call)
    assert f"runtime.state_persistence.{key} = true" in message


def test_migrations_from_lua(make_runtime):
    runtime = make_runtime(migration_enabled=True, backup_on_migration=False)
    result = run(
        runtime,
        """
        State.save("user", "alice", {name = "Alice", tmp = 1})
        State.save("user", "bob", {name = "Bob"})
        State.register_migration{
            version = 2, scope = "user", description = "full names",
            transforms = {
                {op = "rename", from = "name", to = "full_name"},
                {op = "default", field = "age", value = 0},
                {op = "remove", field = "tmp"},
            },
            transform = function(key, value, scope)
                value.id = scope .. ":" .. key
                return value
            end,
        }
        local before = State.get_migration_status()
        local r = State.migrate(2)
        local again = State.migrate({to_version = 2})
        return before.current_version, before.migration_targets[1], r.success, r.from_version,
               r.to_version, r.items_migrated, State.load("user", "alice"), again.status,
               State.get_schema_versions(), State.get_migration_status().current_version
        """,
    )
    assert result == [
        0,
        2,
        True,
        0,
        2,
        2,
        {"full_name": "Alice", "age": 0, "id": "user:alice"},
        "already_current",
        [2],
        2,
    ]


def test_a_lua_error_inside_a_migration_rolls_back(make_runtime):
    runtime = make_runtime(migration_enabled=True, backup_on_migration=False)
    result = run(
        runtime,
        """
        State.save("user", "a", {n = 1})
        State.register_migration{version = 2, scope = "user",
            transforms = {{op = "set", field = "n", value = 2}},
            transform = function(key, value) error("no thanks") end}
        local r = State.migrate(2)
        return r.success, r.error, State.load("user", "a").n
        """,
    )
    assert result[0] is False and "no thanks" in result[1] and result[2] == 1


def test_backups_from_lua(make_runtime):
    runtime = make_runtime(backup_enabled=True)
    result = run(
        runtime,
        """
        State.save("global", "app_config", {version = "1.0.0"})
        local full = State.create_backup(false)
        State.save("global", "app_config", {version = "1.0.1"})
        State.delete("global", "gone")
        local inc = State.create_backup(true)
        local named = State.create_backup("before_upgrade")
        local backups = State.list_backups()
        local valid = State.validate_backup(full.backup_id)
        State.delete("global", "app_config")
        local restored = State.restore_backup(inc)
        local usage = State.get_storage_usage()
        local cleanup = State.cleanup_backups(true)
        return full.success, full.entry_count, inc.is_incremental, inc.parent_id == full.backup_id,
               named.label, #backups, backups[1].id == named.id, valid.is_valid,
               valid.checksum_valid, restored.success, State.load("global", "app_config").version,
               usage.entries_count, usage.backups.count, cleanup.dry_run
        """,
    )
    assert result == [
        True,
        1,
        True,
        True,
        "before_upgrade",
        3,
        True,
        True,
        True,
        True,
        "1.0.1",
        1,
        3,
        True,
    ]


def test_unknown_backup_id_is_a_catchable_error(make_runtime):
    runtime = make_runtime(backup_enabled=True)
    assert "Backup 'nope' not found" in error_of(runtime, 'State.restore_backup("nope")')


def test_with_persistence_off_state_still_works_in_memory(make_runtime):
    runtime = make_runtime(enabled=False)
    assert run(runtime, 'State.set("k", 5); return State.increment("k")') == 6
    assert runtime.state.backend.location == "memory"


def test_writing_state_from_inside_a_migration_step_is_refused_clearly(make_runtime):
    runtime = make_runtime(migration_enabled=True, backup_on_migration=False)
    result = run(
        runtime,
        """
        State.save("user", "a", {n = 1})
        State.register_migration{version = 2, scope = "user",
            transform = function(key, value) State.set("side", 1); return value end}
        local r = State.migrate(2)
        return r.success, r.error, State.get("side")
        """,
    )
    assert result[0] is False
    assert "while a State transaction is open" in result[1] and result[2] is None
