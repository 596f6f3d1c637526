"""Versioned migrations: real steps over stored values, applied once, recorded in the store."""

from __future__ import annotations

import pytest

from llmspell.core.errors import StateError
from llmspell.state import MigrationStep
from llmspell.state.migrations import parse_version, version_value


def step(**spec):
    return MigrationStep.from_spec(spec)


def seed(store):
    store.save("user", "alice", {"name": "Alice", "tmp": 1, "profile": {"city": "Oslo"}})
    store.save("user", "bob", {"name": "Bob", "age": "41"})
    store.save("user", "count", 7)  # not a table: field ops leave it alone
    store.save("global", "other", {"name": "untouched"})


def test_declarative_steps_rewrite_the_scope_and_nothing_else(sqlite_store):
    store = sqlite_store
    seed(store)
    store.migrations.register(
        step(
            version=2,
            scope="user",
            description="full names",
            transforms=[
                {"op": "rename", "from": "name", "to": "full_name"},
                {"op": "default", "field": "age", "value": 0},
                {"op": "remove", "field": "tmp"},
                {"op": "copy", "from": "profile.city", "to": "city"},
                {"op": "set", "field": "profile.country", "value": "NO"},
            ],
        )
    )
    store.migrations.register(
        step(
            version="3.0.0",
            scope="user",
            transforms=[{"op": "convert", "field": "age", "to": "integer"}],
        )
    )
    result = store.migrations.migrate(3).as_dict()
    assert result["success"] is True
    assert (result["from_version"], result["to_version"], result["status"]) == (0, 3, "completed")
    assert result["items_migrated"] == 2
    assert result["steps_applied"] == 2
    assert any("user:count is not a table" in w for w in result["warnings"])
    assert store.load("user", "alice") == {
        "full_name": "Alice",
        "age": 0,
        "profile": {"city": "Oslo", "country": "NO"},
        "city": "Oslo",
    }
    assert store.load("user", "bob") == {
        "full_name": "Bob",
        "age": 41,
        "profile": {"country": "NO"},
    }
    assert store.load("global", "other") == {"name": "untouched"}
    assert store.load("user", "count") == 7


def test_a_function_step_sees_key_value_scope_and_nil_keeps_the_value(sqlite_store):
    store = sqlite_store
    seed(store)
    seen = []

    def upper(key, value, scope):
        seen.append((scope, key))
        if isinstance(value, dict) and "name" in value:
            return {**value, "name": value["name"].upper()}
        return None

    store.migrations.register(step(version=2, transform=upper))
    result = store.migrations.migrate().as_dict()
    assert result["items_migrated"] == 3
    assert sorted(seen) == [
        ("global", "other"),
        ("user", "alice"),
        ("user", "bob"),
        ("user", "count"),
    ]
    assert store.load("user", "bob")["name"] == "BOB"
    assert store.load("user", "count") == 7


def test_versions_are_recorded_in_the_store_and_steps_apply_once(open_store):
    first = open_store()
    seed(first)
    calls = []
    first.migrations.register(
        step(version=2, scope="user", transform=lambda k, v, s: calls.append(k))
    )
    first.migrations.migrate(2)
    assert len(calls) == 3

    second = open_store()  # another process would see the same
    second.migrations.register(
        step(version=2, scope="user", transform=lambda k, v, s: calls.append(k))
    )
    assert second.migrations.current_version() == (2, 0, 0)
    again = second.migrations.migrate(2).as_dict()
    assert again["status"] == "already_current" and again["items_migrated"] == 0
    assert len(calls) == 3
    status = second.migrations.status()
    assert status["current_version"] == 2 and status["is_latest"] is True
    assert status["applied"][0]["version"] == "2.0.0"
    assert status["applied"][0]["items_migrated"] == 0
    assert second.migrations.versions() == [2]


def test_status_lists_pending_targets(sqlite_store):
    migrations = sqlite_store.migrations
    migrations.register(
        step(version=2, description="two", transforms=[{"op": "remove", "field": "x"}])
    )
    migrations.register(step(version="2.1", transforms=[{"op": "remove", "field": "y"}]))
    status = migrations.status()
    assert status["current_version"] == 0
    assert status["latest_version"] == "2.1"
    assert status["migration_targets"] == [2, "2.1"]
    assert status["needs_migration"] is True
    assert [p["description"] for p in status["pending"]] == ["two", ""]
    assert migrations.versions() == [2, "2.1"]


def test_a_failing_step_rolls_everything_back(sqlite_store):
    store = sqlite_store
    seed(store)
    store.migrations.register(
        step(version=2, scope="user", transforms=[{"op": "set", "field": "v", "value": 2}])
    )
    store.migrations.register(
        step(
            version=3, scope="user", transforms=[{"op": "convert", "field": "name", "to": "number"}]
        )
    )
    result = store.migrations.migrate(3).as_dict()
    assert result["success"] is False and result["status"] == "failed"
    assert "cannot convert 'Alice'" in result["error"]
    assert result["to_version"] == 0
    assert "v" not in store.load("user", "alice")  # step 2 was rolled back too
    assert store.migrations.current_version() == (0, 0, 0)


def test_migrate_backs_up_first_when_configured(open_store):
    store = open_store()
    seed(store)
    store.migrations.register(step(version=2, transforms=[{"op": "remove", "field": "name"}]))
    result = store.migrations.migrate(2).as_dict()
    assert result["backup_id"]
    [backup] = store.backups.list()
    assert backup.id == result["backup_id"] and backup.entries == 4

    quiet = open_store(backup_on_migration=False)
    quiet.migrations.register(step(version=3, transforms=[{"op": "remove", "field": "x"}]))
    assert quiet.migrations.migrate(3).backup_id is None


def test_bad_requests_are_errors(sqlite_store):
    migrations = sqlite_store.migrations
    migrations.register(step(version=2, transforms=[{"op": "remove", "field": "x"}]))
    with pytest.raises(StateError, match="no migration is registered for version 5"):
        migrations.migrate(5)
    migrations.migrate(2)
    with pytest.raises(StateError, match="migrations only go forward"):
        migrations.migrate(1)
    with pytest.raises(StateError, match="already registered"):
        migrations.register(step(version=2, transforms=[{"op": "remove", "field": "x"}]))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"scope": "user"}, "needs a version"),
        ({"version": "two", "transform": print}, "Invalid schema version"),
        ({"version": 2}, "give transforms"),
        ({"version": 2, "transforms": [{"op": "explode"}]}, "unknown op 'explode'"),
        ({"version": 2, "transforms": [{"op": "rename", "from": "a"}]}, "needs from and to"),
        (
            {"version": 2, "transforms": [{"op": "convert", "field": "a", "to": "date"}]},
            "convert needs",
        ),
        ({"version": 2, "transform": "not a function"}, "must be a function"),
    ],
)
def test_malformed_steps_are_refused(spec, message):
    with pytest.raises(StateError, match=message):
        MigrationStep.from_spec(spec)


@pytest.mark.parametrize(
    ("text", "version", "shown"),
    [
        (2, (2, 0, 0), 2),
        ("2", (2, 0, 0), 2),
        ("v2.1", (2, 1, 0), "2.1"),
        ("2.1.3", (2, 1, 3), "2.1.3"),
        (3.0, (3, 0, 0), 3),
    ],
)
def test_versions(text, version, shown):
    assert parse_version(text) == version
    assert version_value(version) == shown
