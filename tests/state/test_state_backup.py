"""Backups copy the data: full and incremental chains, restore, validation, retention."""

from __future__ import annotations

import json
import time

import pytest

from llmspell.core.errors import StateError

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def fill(store):
    store.set("a", 1)
    store.set("b", {"nested": [1, 2.0, b"\x00\xff"]})
    store.save("user", "alice", {"age": 30})


def snapshot(store):
    return {e.key: e.value for e in store.entries()}


def payload(info) -> bytes:
    raw = info.path.read_bytes()
    return raw[raw.index(b"\n") + 1 :]


def test_full_backup_is_a_zstd_file_with_a_manifest(store, home):
    fill(store)
    info = store.backups.create(label="first")
    assert info.path.parent == home / "backups"
    assert info.kind == "full" and info.parent is None and info.entries == 3
    manifest = json.loads(info.path.read_bytes().split(b"\n", 1)[0])
    assert manifest["format"] == "llmspell-state-backup"
    assert manifest["id"] == info.id and manifest["label"] == "first"
    assert manifest["compression"] == "zstd"
    assert payload(info).startswith(ZSTD_MAGIC)
    assert store.backups.validate(info.id)["is_valid"] is True


def test_restore_brings_back_exactly_what_was_backed_up(store):
    fill(store)
    before = snapshot(store)
    info = store.backups.create()
    store.set("a", 99)
    store.delete("user", "alice")
    store.set("new", "after the backup")
    result = store.backups.restore(info.id)
    assert result == {
        "success": True,
        "backup_id": info.id,
        "entries_restored": 3,
        "chain": [info.id],
    }
    assert snapshot(store) == before
    assert store.get("b") == {"nested": [1, 2.0, b"\x00\xff"]}


def test_incremental_backups_carry_changes_and_deletions(store):
    fill(store)
    full = store.backups.create()
    store.set("a", 2)
    store.delete("user", "alice")
    inc1 = store.backups.create(incremental=True)
    assert (inc1.kind, inc1.parent, inc1.entries, inc1.deletions) == ("incremental", full.id, 1, 1)
    at_inc1 = snapshot(store)
    store.clear("global")
    store.set("c", 3)
    inc2 = store.backups.create(incremental=True)
    assert (inc2.parent, inc2.entries, inc2.deletions) == (inc1.id, 1, 2)
    at_inc2 = snapshot(store)

    store.clear()
    assert store.backups.restore(inc1.id)["chain"] == [full.id, inc1.id]
    assert snapshot(store) == at_inc1
    store.backups.restore(inc2.id)
    assert snapshot(store) == at_inc2
    store.backups.restore(full.id)
    assert store.get("a") == 1 and store.load("user", "alice") == {"age": 30}


def test_an_incremental_after_a_restore_continues_from_the_restored_backup(store):
    fill(store)
    full = store.backups.create()
    store.set("a", 2)
    store.backups.create(incremental=True)
    store.backups.restore(full.id)
    store.set("z", 26)
    branch = store.backups.create(incremental=True)
    assert branch.parent == full.id and branch.entries == 1
    expected = snapshot(store)
    store.clear()
    store.backups.restore(branch.id)
    assert snapshot(store) == expected


def test_incremental_without_a_usable_parent_is_full(store):
    fill(store)
    assert store.backups.create(incremental=True).kind == "full"
    store.backups.delete(store.backups.list()[0].id)
    assert store.backups.create(incremental=True).kind == "full"


def test_incremental_disabled_in_config_makes_full_backups(open_store):
    store = open_store(backup={"incremental_enabled": False})
    fill(store)
    store.backups.create()
    assert store.backups.create(incremental=True).kind == "full"


def test_schema_version_travels_with_the_backup(sqlite_store):
    from llmspell.state import MigrationStep

    store = sqlite_store
    fill(store)
    store.migrations.register(
        MigrationStep.from_spec({"version": 2, "transforms": [{"op": "remove", "field": "x"}]})
    )
    before = store.backups.create()
    store.migrations.migrate(2)
    assert store.migrations.current_version() == (2, 0, 0)
    store.backups.restore(before.id)
    assert store.migrations.current_version() == (0, 0, 0)


@pytest.mark.parametrize("compression", ["gzip", "none"])
def test_other_compressions_round_trip(open_store, compression):
    store = open_store(backup={"compression_type": compression})
    fill(store)
    info = store.backups.create()
    assert info.compression == compression
    if compression == "gzip":
        assert payload(info).startswith(b"\x1f\x8b")
    store.clear()
    store.backups.restore(info.id)
    assert store.get("a") == 1


def test_compression_enabled_false_stores_plain_json(open_store):
    store = open_store(backup={"compression_enabled": False})
    fill(store)
    assert b'"global:a"' in payload(store.backups.create())


def test_validate_detects_a_damaged_file_and_restore_refuses_it(store):
    fill(store)
    full = store.backups.create()
    store.set("a", 2)
    inc = store.backups.create(incremental=True)
    raw = bytearray(full.path.read_bytes())
    raw[-3] ^= 0xFF
    full.path.write_bytes(bytes(raw))

    report = store.backups.validate(full.id)
    assert report["is_valid"] is False and report["checksum_valid"] is False
    assert "checksum mismatch" in report["errors"][0]
    chained = store.backups.validate(inc.id)
    assert chained["is_valid"] is False and chained["chain"] == [full.id, inc.id]

    store.set("a", 3)
    with pytest.raises(StateError, match=r"checksum mismatch.*nothing was restored"):
        store.backups.restore(inc.id)
    assert store.get("a") == 3


def test_validate_decodes_every_entry(store):
    fill(store)
    info = store.backups.create(label="x")
    # a well-formed file (right checksum) whose data does not decode
    import hashlib

    import zstandard

    data = zstandard.ZstdCompressor().compress(b'{"entries": [["global:a", "{bad", null]]}')
    manifest = json.loads(info.path.read_bytes().split(b"\n", 1)[0])
    manifest.update(size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
    info.path.write_bytes(json.dumps(manifest).encode() + b"\n" + data)
    report = store.backups.validate(info.id)
    assert report["checksum_valid"] is True and report["integrity_valid"] is False
    assert "cannot be decoded" in report["errors"][0]


def test_a_missing_parent_breaks_the_chain_clearly(store):
    fill(store)
    full = store.backups.create()
    store.set("a", 2)
    inc = store.backups.create(incremental=True)
    full.path.unlink()
    assert "missing or unreadable" in store.backups.validate(inc.id)["errors"][0]
    with pytest.raises(StateError, match="missing or unreadable"):
        store.backups.restore(inc.id)


def test_unknown_backup(store):
    with pytest.raises(StateError, match="Backup 'nope' not found"):
        store.backups.restore("nope")


def test_standalone_backup_to_a_file(store, tmp_path):
    fill(store)
    target = tmp_path / "copy.backup"
    info = store.backups.create(output=target)
    assert target.is_file() and store.backups.list() == []
    store.clear()
    store.backups.restore(str(target))
    assert store.get("a") == 1
    assert info.kind == "full"


def _age(info, seconds):
    head, data = info.path.read_bytes().split(b"\n", 1)
    manifest = json.loads(head)
    manifest["created_at"] -= seconds
    info.path.write_bytes(json.dumps(manifest).encode() + b"\n" + data)


def test_cleanup_keeps_max_backups_and_the_parents_they_need(open_store):
    store = open_store(backup={"max_backups": 2})
    fill(store)
    old_full = store.backups.create()
    newer_full = store.backups.create()
    store.set("a", 2)
    inc = store.backups.create(incremental=True)
    store.set("a", 3)
    inc2 = store.backups.create(incremental=True)
    dry = store.backups.cleanup(dry_run=True)
    assert dry["removed"] == [old_full.id]
    assert {b.id for b in store.backups.list()} == {old_full.id, newer_full.id, inc.id, inc2.id}
    done = store.backups.cleanup()
    assert done["removed"] == [old_full.id]
    assert [b.id for b in store.backups.list()] == [newer_full.id, inc.id, inc2.id]
    store.clear()
    store.backups.restore(inc2.id)
    assert store.get("a") == 3
    assert store.backups.cleanup(keep=1)["removed"] == []  # inc2 still needs its chain


def test_cleanup_drops_old_backups_but_never_the_newest(open_store):
    store = open_store(backup={"max_backup_age": 3600})
    fill(store)
    first, second = store.backups.create(), store.backups.create()
    _age(first, 7200)
    _age(second, 7200)
    assert store.backups.cleanup()["removed"] == [first.id]
    assert [b.id for b in store.backups.list()] == [second.id]


def test_delete_refuses_to_orphan_incrementals(store):
    fill(store)
    full = store.backups.create()
    store.set("a", 2)
    inc = store.backups.create(incremental=True)
    with pytest.raises(StateError, match=f"base of {inc.id}.*--with-dependents"):
        store.backups.delete(full.id)
    assert store.backups.delete(full.id, with_dependents=True) == [full.id, inc.id]
    assert store.backups.list() == []


def test_lz4_without_the_package_names_the_fix(open_store):
    pytest.importorskip("llmspell")  # always present; lz4 is the optional one
    try:
        import lz4  # noqa: F401
    except ImportError:
        store = open_store(backup={"compression_type": "lz4"})
        with pytest.raises(StateError, match=r"`lz4` package.*compression_type"):
            store.backups.create()
    else:
        pytest.skip("lz4 is installed: lz4 backups work")


def test_tombstones_are_dropped_once_a_backup_holds_them(sqlite_store):
    store = sqlite_store
    fill(store)
    store.delete("global", "a")
    conn = store.backend._db.connection()
    assert conn.execute("SELECT COUNT(*) FROM kv WHERE value IS NULL").fetchone()[0] == 1
    store.backups.create()
    assert conn.execute("SELECT COUNT(*) FROM kv WHERE value IS NULL").fetchone()[0] == 0


def test_restore_skips_entries_that_expired_meanwhile(store):
    store.set("short", 1, ttl=0.2)
    store.set("long", 2)
    info = store.backups.create()
    time.sleep(0.25)
    assert store.backups.restore(info.id)["entries_restored"] == 1
    assert store.list_keys("global") == ["long"]
