"""SessionManager on real SQLite: create, get, list, transitions, limits, current, delete."""

from __future__ import annotations

import uuid

import pytest

from llmspell.core.errors import SessionError, StorageError, ValidationError
from llmspell.sessions import ArtifactRef


def test_create_and_get_round_trip_every_field(manager):
    parent = manager.create(name="parent")
    sid = manager.create(
        name="research",
        description="notes on llamas",
        tags=["a", "b"],
        metadata={"user": "ann", "turns": 3, "nested": {"ok": True}},
        parent_session_id=parent,
    )
    assert str(uuid.UUID(sid)) == sid
    info = manager.get(sid)
    assert (info.name, info.description, info.status) == ("research", "notes on llamas", "active")
    assert info.tags == ["a", "b"]
    assert info.metadata == {"user": "ann", "turns": 3, "nested": {"ok": True}}
    assert info.parent_session_id == parent
    assert info.artifact_count == 0
    assert info.created_at == info.updated_at
    assert info.created_at.endswith("Z")


def test_bad_ids_and_values_are_named(manager):
    with pytest.raises(SessionError, match=r"Invalid session ID: 'not-a-uuid'"):
        manager.get("not-a-uuid")
    missing = str(uuid.uuid4())
    with pytest.raises(SessionError, match=f"Session '{missing}' not found"):
        manager.get(missing)
    with pytest.raises(SessionError, match="not found"):
        manager.create(parent_session_id=missing)
    with pytest.raises(ValidationError, match="session tags"):
        manager.create(tags=[1, 2])
    with pytest.raises(ValidationError, match="binary string cannot be stored"):
        manager.create(metadata={"blob": b"\xff"})


def test_lifecycle_transitions_and_illegal_moves(manager):
    sid = manager.create(name="s")
    assert manager.suspend(sid).status == "suspended"
    with pytest.raises(SessionError, match=r"Cannot suspend .* it is suspended"):
        manager.suspend(sid)
    assert manager.resume(sid).status == "active"
    with pytest.raises(SessionError, match=r"Cannot resume .* it is active"):
        manager.resume(sid)
    assert manager.complete(sid).status == "completed"
    for action in (manager.suspend, manager.resume, manager.complete, manager.fail):
        with pytest.raises(SessionError, match="it is completed"):
            action(sid)
    other = manager.create()
    manager.suspend(other)
    assert manager.complete(other).status == "completed"
    third = manager.create()
    assert manager.fail(third).status == "failed"


def test_status_changes_move_updated_at(manager):
    sid = manager.create()
    before = manager.get(sid)
    after = manager.suspend(sid)
    assert after.updated_at > before.updated_at
    assert after.created_at == before.created_at


def test_list_filters_sorting_and_paging(manager):
    a = manager.create(name="b-second", tags=["x", "y"])
    b = manager.create(name="a-first", tags=["x"])
    c = manager.create(name="c-third", tags=["y"], parent_session_id=a)
    manager.suspend(b)
    ids = lambda found: [s.id for s in found]  # noqa: E731
    assert ids(manager.list()) == [a, b, c]
    assert ids(manager.list(status="suspended")) == [b]
    assert ids(manager.list(status=["active", "suspended"])) == [a, b, c]
    assert ids(manager.list(tags=["x"])) == [a, b]
    assert ids(manager.list(tags=["x", "y"])) == [a]
    assert ids(manager.list(tags="y")) == [a, c]
    assert ids(manager.list(parent_session_id=a)) == [c]
    assert ids(manager.list(sort_by="name")) == [b, a, c]
    assert ids(manager.list(descending=True)) == [c, b, a]
    assert ids(manager.list(limit=2)) == [a, b]
    assert ids(manager.list(limit=2, offset=2)) == [c]
    created = manager.get(b).created_at
    assert ids(manager.list(created_after=created)) == [b, c]
    assert ids(manager.list(created_before=created)) == [a, b]
    assert manager.list(created_after="2999-01-01T00:00:00Z") == []
    assert ids(manager.list(created_after="2000-01-01")) == [a, b, c]
    with pytest.raises(ValidationError, match="not an RFC 3339"):
        manager.list(created_after="yesterday")
    with pytest.raises(ValidationError, match="status"):
        manager.list(status="sleeping")
    with pytest.raises(ValidationError, match="sort_by"):
        manager.list(sort_by="size")


def test_max_sessions_limits_active_sessions(open_manager):
    manager = open_manager(max_sessions=2)
    first = manager.create()
    manager.create()
    with pytest.raises(SessionError, match=r"`runtime.sessions.max_sessions`"):
        manager.create()
    manager.suspend(first)
    third = manager.create()
    with pytest.raises(SessionError, match="max_sessions"):
        manager.resume(first)
    manager.complete(third)
    assert manager.resume(first).status == "active"


def test_current_session_is_per_manager_and_cleared_on_delete(open_manager):
    one, two = open_manager(), open_manager()
    sid = one.create()
    assert one.get_current() is None
    one.set_current(sid)
    assert one.get_current() == sid
    assert two.get_current() is None
    one.set_current(None)
    assert one.get_current() is None
    with pytest.raises(SessionError, match="not found"):
        one.set_current(str(uuid.uuid4()))
    one.set_current(sid)
    one.delete(sid)
    assert one.get_current() is None


def test_save_validates_and_load_returns_the_id(manager):
    sid = manager.create()
    assert manager.save(sid) is None
    assert manager.load(sid.upper()) == sid
    with pytest.raises(SessionError, match="not found"):
        manager.load(str(uuid.uuid4()))


def test_delete_removes_the_session_its_artifacts_and_orphans_children(manager):
    parent = manager.create()
    child = manager.create(parent_session_id=parent)
    manager.artifacts.store(parent, "user_input", "a", "one")
    manager.artifacts.store(parent, "user_input", "b", "two")
    assert manager.delete(parent) == 2
    with pytest.raises(SessionError, match="not found"):
        manager.get(parent)
    assert manager.get(child).parent_session_id is None
    assert manager.artifacts.query() == []
    with pytest.raises(SessionError, match="not found"):
        manager.delete(parent)


def test_everything_persists_across_managers(open_manager):
    first = open_manager()
    sid = first.create(name="kept", tags=["t"], metadata={"k": [1, 2]})
    first.suspend(sid)
    first.artifacts.store(sid, "agent_output", "answer.md", "# hi")
    first.close()
    second = open_manager()
    info = second.get(sid)
    assert (info.name, info.status, info.tags, info.metadata) == (
        "kept",
        "suspended",
        ["t"],
        {"k": [1, 2]},
    )
    assert info.artifact_count == 1
    assert second.artifacts.get(sid, ArtifactRef(name="answer.md")).content == b"# hi"


def test_memory_backend_keeps_nothing_on_disk(open_manager, home):
    manager = open_manager(storage_backend="memory")
    sid = manager.create(name="m")
    manager.artifacts.store(sid, "user_input", "x", "y" * 50_000)
    assert manager.get(sid).artifact_count == 1
    assert manager.artifacts.get(sid, ArtifactRef(name="x")).content == b"y" * 50_000
    assert manager.location is None
    assert not (home / "sessions").exists()
    assert open_manager(storage_backend="memory").list() == []


def test_a_corrupt_database_is_reported_and_left_untouched(open_manager, home):
    db = home / "sessions" / "sessions.db"
    db.parent.mkdir(parents=True)
    garbage = b"this is not a database\x00" * 200
    db.write_bytes(garbage)
    with pytest.raises(StorageError, match=r"sessions\.db cannot be read.*left untouched"):
        open_manager()
    assert db.read_bytes() == garbage
