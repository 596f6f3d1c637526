"""The store on both backends: scopes, the global API, key rules, sizes, TTL, atomic updates."""

from __future__ import annotations

import threading
import time

import pytest

from llmspell.core.errors import StateError


def test_scoped_save_load_round_trips_and_scopes_are_separate(store):
    store.save("user", "alice", {"age": 30, "tags": ["a", "b"], "score": 1.0})
    store.save("global", "alice", "someone else")
    assert store.load("user", "alice") == {"age": 30, "tags": ["a", "b"], "score": 1.0}
    assert isinstance(store.load("user", "alice")["score"], float)
    assert store.load("global", "alice") == "someone else"
    assert store.load("user", "bob") is None


def test_global_api_is_the_global_scope(store):
    store.set("theme", "dark")
    assert store.load("global", "theme") == "dark"
    store.save("global", "lang", "en")
    assert store.get("lang") == "en"


def test_list_keys_exists_delete_and_clear(store):
    for key in ("b", "a", "c"):
        store.save("s", key, key.upper())
    store.save("s2", "x", 1)  # a sibling scope sharing the prefix "s"
    store.save("s:sub", "y", 2)
    assert store.list_keys("s") == ["a", "b", "c", "sub:y"]
    assert store.exists("s", "a") and not store.exists("s", "zz")
    assert store.delete("s", "a") is True
    assert store.delete("s", "a") is False
    assert store.clear("s") == 3
    assert store.list_keys("s") == []
    assert store.list_keys("s2") == ["x"]
    assert store.clear() == 1
    assert store.list_scopes() == []


def test_list_scopes_walks_scopes_in_order(store):
    for scope in ("global", "user:alice", "user:bob", "global2", "agent", "Workflow"):
        store.save(scope, "k", 1)
    assert store.list_scopes() == ["agent", "global", "global2", "user", "workflow"]


def test_scope_kind_is_case_insensitive_but_ids_are_not(store):
    store.save("Global", "x", 1)
    assert store.load("global", "x") == 1
    store.save("User:Alice", "k", "v")
    assert store.list_keys("user:Alice") == ["k"]
    assert store.list_keys("user:alice") == []


def test_raw_key_fallback_reads_workflow_keys(store):
    store.save("workflow", "run1:agent:writer:output", "the text")
    assert store.load("custom", ":workflow:run1:agent:writer:output") == "the text"
    assert store.load("global", "workflow:run1:agent:writer:output") == "the text"
    assert store.exists("Global", "workflow:run1:agent:writer:output")
    # the scoped key wins when both exist
    store.save("custom", ":workflow:run1:agent:writer:output", "scoped")
    assert store.load("custom", ":workflow:run1:agent:writer:output") == "scoped"
    assert store.delete("global", "workflow:run1:agent:writer:output") is True
    assert store.load("workflow", "run1:agent:writer:output") is None


def test_saving_nil_deletes(store):
    store.set("k", 1)
    store.set("k", None)
    assert not store.exists("global", "k")


@pytest.mark.parametrize(
    ("key", "rule"),
    [
        ("", "a key is non-empty"),
        ("x" * 257, "at most 256 characters"),
        ("a..b", "no '..'"),
        ("a\\b", "no '\\' in a key"),
        ("a//b", "no '//'"),
        ("a\x00b", "no NUL, CR or LF"),
        ("a\nb", "no NUL, CR or LF"),
        ("a\rb", "no NUL, CR or LF"),
        ("__private", "reserved"),
        ("$$var", "reserved"),
    ],
)
def test_invalid_keys_are_refused_naming_the_rule(store, key, rule):
    with pytest.raises(StateError) as info:
        store.set(key, 1)
    message = str(info.value)
    assert message.startswith("Invalid State key")
    assert rule in message.partition("(rule: ")[2]
    assert store.list_scopes() == []


def test_a_key_of_exactly_256_characters_and_unicode_keys_are_fine(store):
    store.set("k" * 256, 1)
    store.set("cafe\u0301", "nfd")  # stored NFC: the same key as the composed form
    assert store.get("café") == "nfd"
    assert store.get("k" * 256) == 1


def test_bad_scope_and_non_string_key(store):
    with pytest.raises(StateError, match="Invalid State scope"):
        store.save("", "k", 1)
    with pytest.raises(StateError, match="must be a string, got nil"):
        store.save("global", None, 1)
    store.save("scores", 42, "int keys become strings")
    assert store.list_keys("scores") == ["42"]


def test_oversized_values_are_refused_with_the_size_and_the_config_key(open_store):
    small = open_store(max_state_size_bytes=100)
    small.set("fits", "x" * 50)
    with pytest.raises(StateError) as info:
        small.set("big", "x" * 200)
    message = str(info.value)
    assert "'global:big' is 202 bytes, over the 100-byte limit" in message
    assert "runtime.state_persistence.max_state_size_bytes" in message
    assert not small.exists("global", "big")
    with pytest.raises(StateError, match="over the 100-byte limit"):
        for _ in range(20):
            small.append("list", "x" * 10)
    assert len(small.get("list")) < 20


def test_ttl_expires_keys(store):
    store.set("short", "v", ttl=0.2)
    store.save("user", "long", "v", ttl=60)
    assert store.get("short") == "v"
    assert store.list_keys("global") == ["short"]
    time.sleep(0.25)
    assert store.get("short") is None
    assert not store.exists("global", "short")
    assert store.list_keys("global") == []
    assert store.load("user", "long") == "v"


@pytest.mark.parametrize("ttl", [0, -1, "60", True])
def test_ttl_must_be_positive_seconds(store, ttl):
    with pytest.raises(StateError, match="TTL must be a positive number"):
        store.set("k", 1, ttl=ttl)


def test_increment(store):
    assert store.increment("n") == 1
    assert store.increment("n", 5) == 6
    assert store.increment("n", -2) == 4
    assert store.increment("n", 0.5) == 4.5
    assert store.increment("hits", scope="user:alice") == 1
    store.set("s", "text")
    with pytest.raises(StateError, match="'global:s' holds a string, not a number"):
        store.increment("s")
    with pytest.raises(StateError, match="amount must be a number"):
        store.increment("n", "1")


def test_increment_keeps_an_existing_ttl(store):
    store.set("n", 1, ttl=0.2)
    assert store.increment("n") == 2
    time.sleep(0.25)
    assert store.get("n") is None


def test_append(store):
    assert store.append("log", "a") == 1
    assert store.append("log", {"b": 2}) == 2
    assert store.get("log") == ["a", {"b": 2}]
    store.set("empty", {})
    assert store.append("empty", 1) == 1
    store.set("map", {"k": 1})
    with pytest.raises(StateError, match="'global:map' holds a table, not a list"):
        store.append("map", 1)


def test_compare_and_swap(store):
    assert store.compare_and_swap("status", None, "pending") is True
    assert store.compare_and_swap("status", None, "other") is False
    assert store.compare_and_swap("status", "active", "done") is False
    assert store.compare_and_swap("status", "pending", "active") is True
    assert store.get("status") == "active"
    store.set("n", 1)
    assert store.compare_and_swap("n", 1.0, 2) is True  # numbers compare by value, as in Lua
    assert store.compare_and_swap("n", True, 3) is False
    store.set("t", {"a": [1, 2]})
    assert store.compare_and_swap("t", {"a": [1, 2]}, {"a": []}) is True
    assert store.compare_and_swap("t", {"a": {}}, None) is True  # an empty table is both
    assert not store.exists("global", "t")


def test_concurrent_increments_from_threads_lose_nothing(store):
    def work():
        for _ in range(50):
            store.increment("counter")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.get("counter") == 200


def test_usage_counts_entries_by_scope(store):
    store.set("a", 1)
    store.save("user", "b", 2)
    usage = store.usage()
    assert usage["entries_count"] == 2
    assert usage["scopes"] == {"global": 1, "user": 1}
    assert usage["bytes_used"] > 0


def test_sqlite_is_the_default_and_lives_in_the_home(sqlite_store, home):
    assert sqlite_store.backend.location == str(home / "state" / "state.db")


def test_schema_directory_moves_the_file(open_store, tmp_path):
    store = open_store(schema_directory=str(tmp_path / "elsewhere"))
    store.set("k", 1)
    assert (tmp_path / "elsewhere" / "state.db").is_file()


def test_disabled_persistence_uses_memory(open_store):
    assert open_store(enabled=False).backend.location == "memory"
    assert open_store(backend_type="memory").backend.location == "memory"


def test_two_stores_on_one_file_see_each_other(open_store):
    first, second = open_store(), open_store()
    first.set("shared", [1, 2])
    assert second.get("shared") == [1, 2]
    second.append("shared", 3)
    assert first.get("shared") == [1, 2, 3]


def test_a_cached_integer_key_does_not_let_a_boolean_key_through(store):
    store.save("scores", 1, "one")
    with pytest.raises(StateError, match="must be a string, got bool"):
        store.save("scores", True, "yes")


def test_save_many_writes_all_in_one_transaction(store):
    store.save("workflow", "old", "gone soon")
    store.save_many("workflow", [("a", 1), ("b", {"x": [1, 2]}), ("old", None)])
    assert store.load("workflow", "a") == 1
    assert store.load("workflow", "b") == {"x": [1, 2]}
    assert store.load("workflow", "old") is None


def test_save_many_refuses_everything_when_one_key_is_bad(store):
    from llmspell.core.errors import StateError

    with pytest.raises(StateError):
        store.save_many("workflow", [("fine", 1), ("bad..key", 2)])
    assert store.load("workflow", "fine") is None
