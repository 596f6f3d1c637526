"""`llmspell state ...` and `llmspell backup ...` end to end, against the store spells use.

Each command runs in a subprocess (the `cli` fixture) on the test's own LLMSPELL_HOME; the test
seeds and inspects the same SQLite file in process, as a second process would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from llmspell.config import LLMSpellConfig, llmspell_home
from llmspell.state import StateStore, open_state_store


@pytest.fixture
def store() -> Iterator[StateStore]:
    opened = open_state_store(LLMSpellConfig.build({}), home=llmspell_home())
    yield opened
    opened.close()


def seed(store: StateStore) -> None:
    store.set("greeting", "hello")
    store.set("numbers", {"int": 1, "float": 1.0, "list": [1, None, 3], "bin": b"\xff"})
    store.save("user", "alice", {"age": 30})
    store.save("user", "bob", {"age": 41})


def snapshot(store: StateStore) -> dict[str, str]:
    return {e.key: e.value for e in store.entries()}


# state show / set / delete ------------------------------------------------------------------


def test_set_show_and_delete(cli, store):
    assert cli("state", "set", "greeting", "hello").code == 0
    assert cli("state", "set", "--json", "cfg", '{"a": [1, 2.0], "b": null}').code == 0
    assert cli("state", "set", "-s", "user", "alice", '{"age": 30}', "--json").code == 0
    assert store.get("greeting") == "hello"
    assert store.get("cfg") == {"a": [1, 2.0], "b": None}
    assert isinstance(store.get("cfg")["a"][1], float)

    shown = cli("state", "show", "greeting")
    assert (shown.code, shown.stdout) == (0, '"hello"\n')
    assert json.loads(cli("state", "show", "cfg").stdout) == {"a": [1, 2.0], "b": None}
    listing = cli("state", "show")
    assert listing.stdout == "global:cfg\nglobal:greeting\nuser:alice\n"
    as_json = json.loads(cli("--output", "json", "state", "show", "-s", "user").stdout)
    assert as_json == {"scopes": {"user": ["alice"]}}
    value = json.loads(cli("--output", "json", "state", "show", "alice", "--scope", "user").stdout)
    assert value == {"scope": "user", "key": "alice", "value": {"age": 30}}

    deleted = cli("state", "delete", "greeting")
    assert (deleted.code, deleted.stderr) == (0, "Deleted global:greeting\n")
    assert not store.exists("global", "greeting")
    missing = cli("state", "show", "greeting")
    assert missing.code == 1
    assert "No key 'greeting' in scope 'global'" in missing.stderr
    assert cli("state", "delete", "greeting").code == 1


def test_show_reads_spell_written_keys_and_ttl_from_the_cli(cli, store):
    store.save("workflow", "run1:step", {"output": "text"})
    shown = cli("state", "show", ":workflow:run1:step", "--scope", "custom")
    assert json.loads(shown.stdout) == {"output": "text"}
    assert cli("state", "set", "temp", "x", "--ttl", "60").code == 0
    assert store.backend.entries("global:temp")[0].expires_at is not None


@pytest.mark.parametrize(
    ("key", "rule"),
    [
        ("a..b", "no '..' in a key"),
        ("__x", "'__' and '$$' prefixes are reserved"),
        ("a//b", "no '//' in a key"),
    ],
)
def test_an_invalid_key_exits_1_naming_the_rule(cli, store, key, rule):
    result = cli("state", "set", key, "v")
    assert result.code == 1
    assert "Invalid State key" in result.stderr and f"(rule: {rule}" in result.stderr
    assert store.list_scopes() == []


def test_bad_json_value_is_a_usage_error(cli, store):
    result = cli("state", "set", "--json", "k", "{nope")
    assert result.code == 2
    assert "VALUE" in result.stderr and "not valid JSON" in result.stderr


def test_errors_in_json_mode_are_one_document(cli):
    result = cli("--output", "json", "state", "show", "nope")
    assert result.code == 1
    document = json.loads(result.stdout)
    assert document["status"] == "error" and "No key 'nope'" in document["error"]["message"]


# state clear ----------------------------------------------------------------------------------


def test_clear_refuses_without_yes_off_a_terminal(cli, store):
    seed(store)
    refused = cli("state", "clear")
    assert refused.code == 2
    assert "refusing to delete 4 keys in every scope without --yes" in refused.stderr
    assert len(snapshot(store)) == 4
    scoped = cli("state", "clear", "--scope", "user", "--yes")
    assert (scoped.code, scoped.stderr) == (0, "Cleared 2 keys in scope 'user'\n")
    assert store.list_scopes() == ["global"]
    one = cli("state", "clear", "greeting")  # the original's `state clear <key>`
    assert one.code == 0 and not store.exists("global", "greeting")
    assert cli("--output", "json", "state", "clear", "-y").stdout.startswith('{"status": "ok"')
    assert store.list_scopes() == []


# state export / import ------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["json", "toml"])
def test_export_then_import_restores_every_value_exactly(cli, store, tmp_path, suffix):
    seed(store)
    store.set("expiring", 1, ttl=3600)
    before = snapshot(store)
    exported = cli("state", "export", f"dump.{suffix}")
    assert exported.code == 0 and "Exported 5 entries" in exported.stderr
    store.clear()
    store.set("stray", "removed by a replacing import")
    imported = cli("state", "import", f"dump.{suffix}")
    assert imported.code == 0, imported.stderr
    assert snapshot(store) == before
    assert store.get("numbers")["bin"] == b"\xff"
    assert store.backend.entries("global:expiring")[0].expires_at is not None


def test_export_to_stdout_and_one_scope(cli, store):
    seed(store)
    document = json.loads(cli("state", "export", "-", "--scope", "user").stdout)
    assert document["scope"] == "user"
    assert [(e["scope"], e["key"], e["value"]) for e in document["entries"]] == [
        ("user", "alice", {"age": 30}),
        ("user", "bob", {"age": 41}),
    ]


def test_importing_a_scope_export_replaces_only_that_scope_and_merge_keeps_keys(
    cli, store, tmp_path
):
    seed(store)
    cli("state", "export", "users.json", "--scope", "user")
    store.save("user", "carol", {"age": 5})
    store.set("greeting", "changed")
    assert cli("state", "import", "users.json").code == 0
    assert store.list_keys("user") == ["alice", "bob"]
    assert store.get("greeting") == "changed"
    store.save("user", "carol", {"age": 5})
    merged = cli("state", "import", "users.json", "--merge")
    assert merged.code == 0 and "Merged 2 entries" in merged.stderr
    assert store.list_keys("user") == ["alice", "bob", "carol"]


def test_an_import_with_one_bad_entry_writes_nothing(cli, store, tmp_path):
    seed(store)
    before = snapshot(store)
    rows = [{"scope": "global", "key": f"k{i}", "value": i} for i in range(5)]
    rows.insert(3, {"scope": "global", "key": "bad..key", "value": 1})
    (tmp_path / "bad.json").write_text(json.dumps({"entries": rows}))
    result = cli("state", "import", "bad.json")
    assert result.code == 1
    assert "bad.json: entry 4" in result.stderr and "rule: no '..' in a key" in result.stderr
    assert "nothing was imported" in result.stderr
    assert snapshot(store) == before

    (tmp_path / "broken.json").write_text('{"entries": [')
    broken = cli("state", "import", "broken.json")
    assert broken.code == 1 and "broken.json is not valid JSON" in broken.stderr
    assert snapshot(store) == before


def test_import_takes_a_hand_written_scope_mapping(cli, store, tmp_path):
    (tmp_path / "hand.json").write_text(json.dumps({"global": {"a": 1}, "user": {"x": [1]}}))
    assert cli("state", "import", "hand.json", "--merge").code == 0
    assert store.get("a") == 1 and store.load("user", "x") == [1]


# backup ---------------------------------------------------------------------------------------


def test_backup_create_list_restore_delete(cli, store, tmp_path):
    seed(store)
    created = cli("--output", "json", "backup", "create", "--label", "first")
    assert created.code == 0, created.stderr
    full = json.loads(created.stdout)
    assert full["kind"] == "full" and full["entry_count"] == 4 and full["compression"] == "zstd"
    at_full = snapshot(store)

    store.set("greeting", "changed")
    store.delete("user", "bob")
    inc = json.loads(cli("--output", "json", "backup", "create", "--incremental").stdout)
    assert inc["parent_id"] == full["id"] and inc["deletions"] == 1
    at_inc = snapshot(store)

    listed = cli("backup", "list")
    assert listed.code == 0
    lines = listed.stdout.splitlines()
    assert [line.split()[0] for line in lines] == [full["id"], inc["id"]]
    assert "incremental" in lines[1] and f"parent {full['id']}" in lines[1]

    store.clear()
    restored = cli("backup", "restore", full["id"])
    assert restored.code == 0 and "Restored 4 entries" in restored.stdout
    assert snapshot(store) == at_full
    assert cli("backup", "restore", inc["id"]).code == 0
    assert snapshot(store) == at_inc

    refused = cli("backup", "delete", full["id"])
    assert refused.code == 1 and "--with-dependents" in refused.stderr
    gone = cli("backup", "delete", full["id"], "--with-dependents")
    assert gone.code == 0 and inc["id"] in gone.stderr
    empty = json.loads(cli("--output", "json", "backup", "list").stdout)
    assert empty["backups"] == []


def test_backup_to_a_file_and_restore_from_it(cli, store, tmp_path):
    seed(store)
    before = snapshot(store)
    assert cli("backup", "create", "-o", "saved.backup").code == 0
    assert (tmp_path / "saved.backup").is_file()
    assert cli("backup", "create", "--incremental", "-o", "x.backup").code == 2
    store.clear()
    assert cli("backup", "restore", str(tmp_path / "saved.backup")).code == 0
    assert snapshot(store) == before


def test_backup_validate_detects_damage_and_cleanup_applies_retention(cli, store, tmp_path):
    seed(store)
    ids = [json.loads(cli("--output", "json", "backup", "create").stdout)["id"] for _ in range(3)]
    assert cli("backup", "validate", ids[0]).stdout.startswith("valid:")
    path = llmspell_home() / "backups" / f"{ids[0]}.backup"
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 0xFF
    path.write_bytes(bytes(raw))
    bad = cli("backup", "validate", ids[0])
    assert bad.code == 1 and "checksum mismatch" in bad.stdout
    dry = cli("backup", "cleanup", "--dry-run", "--keep", "1")
    assert dry.stdout == f"Would remove 2 backups: {ids[0]}, {ids[1]}\n"
    assert len(list(path.parent.glob("*.backup"))) == 3
    done = json.loads(cli("--output", "json", "backup", "cleanup", "--keep", "2").stdout)
    assert done["removed"] == [ids[0]]


def test_unknown_backup_exits_1(cli, store):
    result = cli("backup", "restore", "nope")
    assert result.code == 1 and "Backup 'nope' not found" in result.stderr


# the store itself -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command", [("state", "show"), ("state", "set", "k", "v"), ("backup", "create")]
)
def test_a_corrupt_store_is_reported_and_left_byte_for_byte(cli, command):
    path = llmspell_home() / "state" / "state.db"
    path.parent.mkdir(parents=True)
    garbage = bytes(range(256)) * 64
    path.write_bytes(garbage)
    result = cli(*command)
    assert result.code == 1
    assert str(path) in result.stderr and "left untouched" in result.stderr
    assert path.read_bytes() == garbage
    assert sorted(p.name for p in path.parent.iterdir()) == ["state.db"]


def test_a_store_that_would_not_persist_is_a_configuration_error(cli):
    memory = cli("state", "show", env={"LLMSPELL_STATE_BACKEND": "memory"})
    assert memory.code == 2 and "runtime.state_persistence.backend_type" in memory.stderr
    off = cli("backup", "list", env={"LLMSPELL_STATE_ENABLED": "false"})
    assert off.code == 2 and "runtime.state_persistence.enabled" in off.stderr


def test_an_old_sled_config_uses_the_embedded_store_with_a_warning(cli, tmp_path, store):
    config = tmp_path / "conf" / "old.toml"
    config.parent.mkdir()
    config.write_text('[runtime.state_persistence]\nbackend_type = "sled"\n')
    result = cli("-c", str(config), "state", "set", "k", "v")
    assert result.code == 0
    assert "backend_type" in result.stderr and "sled" in result.stderr
    assert store.get("k") == "v"
    assert Path(store.backend.location).name == "state.db"
