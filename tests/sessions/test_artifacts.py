"""ArtifactStore on real SQLite and real content files: round trips, de-duplication,
compression, versions, queries, limits, garbage collection and corruption."""

from __future__ import annotations

import random
import uuid

import pytest

from llmspell.core.errors import SessionError, StorageError, ValidationError
from llmspell.sessions import ArtifactRef, SessionLimits
from llmspell.sessions.content import DiskContent
from llmspell.sessions.lifecycle import SessionManager
from llmspell.sessions.sqlite import open_file_database


def blobs(home):
    """Content files on disk (temporary files excluded)."""
    root = home / "sessions" / "content"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def random_bytes(size: int, seed: int = 7) -> bytes:
    data = bytearray(random.Random(seed).randbytes(size))
    data[::997] = bytes(len(data[::997]))  # plenty of NULs
    return bytes(data)


def test_text_round_trips_with_metadata(manager):
    sid = manager.create()
    made = manager.artifacts.store(
        sid,
        "agent_output",
        "reply.md",
        "héllo\nwörld",
        description="the reply",
        tags=["final"],
        created_by="writer",
        custom={"turn": 2},
    )
    assert (made.session_id, made.sequence, len(made.content_hash)) == (sid, 1, 64)
    got = manager.artifacts.get(sid, ArtifactRef(sequence=1, content_hash=made.content_hash))
    assert got.content == "héllo\nwörld".encode()
    info = got.info
    assert (info.name, info.artifact_type, info.mime_type) == (
        "reply.md",
        "agent_output",
        "text/markdown",
    )
    assert (info.description, info.tags, info.created_by, info.custom) == (
        "the reply",
        ["final"],
        "writer",
        {"turn": 2},
    )
    assert (info.version, info.size, info.compressed) == (1, len("héllo\nwörld".encode()), False)
    assert manager.get(sid).artifact_count == 1


def test_several_megabytes_of_binary_round_trip_exactly(manager, home):
    sid = manager.create()
    data = random_bytes(6 * 1024 * 1024)
    made = manager.artifacts.store(sid, "tool_result", "blob.bin", data)
    got = manager.artifacts.get(sid, ArtifactRef(sequence=made.sequence))
    assert got.content == data
    assert got.info.mime_type == "application/octet-stream"
    assert got.info.compressed is False  # random bytes do not shrink, so they are kept raw
    assert [p.stat().st_size for p in blobs(home)] == [len(data)]


def test_compression_above_the_threshold(open_manager, home):
    manager = open_manager(artifact_compression_threshold=1000)
    sid = manager.create()
    small = manager.artifacts.store(sid, "user_input", "small.txt", "a" * 1000)
    large_text = "the same line again\n" * 50_000
    large = manager.artifacts.store(sid, "user_input", "large.txt", large_text)
    small_info = manager.artifacts.info(sid, ArtifactRef(sequence=small.sequence))
    large_info = manager.artifacts.info(sid, ArtifactRef(sequence=large.sequence))
    assert small_info.compressed is False
    assert large_info.compressed is True
    assert large_info.size == len(large_text)
    assert large_info.stored_size < large_info.size // 10
    zst = [p for p in blobs(home) if p.suffix == ".zst"]
    assert len(zst) == 1 and zst[0].stat().st_size == large_info.stored_size
    content = manager.artifacts.get(sid, ArtifactRef(name="large.txt")).content
    assert content == large_text.encode()


def test_identical_content_is_stored_once(manager, home):
    one, two = manager.create(), manager.create()
    data = random_bytes(200_000, seed=1)
    a = manager.artifacts.store(one, "tool_result", "a.bin", data)
    b = manager.artifacts.store(two, "tool_result", "b.bin", data)
    c = manager.artifacts.store(one, "tool_result", "c.bin", data + b"!")
    assert a.content_hash == b.content_hash != c.content_hash
    assert len(blobs(home)) == 2


def test_deleting_frees_content_only_when_unreferenced(manager, home):
    one, two = manager.create(), manager.create()
    shared = manager.artifacts.store(one, "user_input", "s", "shared text")
    manager.artifacts.store(two, "user_input", "s", "shared text")
    alone = manager.artifacts.store(one, "user_input", "x", "only here")
    assert len(blobs(home)) == 2
    manager.artifacts.delete(one, ArtifactRef(sequence=alone.sequence))
    assert len(blobs(home)) == 1
    manager.artifacts.delete(one, ArtifactRef(sequence=shared.sequence))
    assert len(blobs(home)) == 1  # session two still uses it
    manager.delete(two)
    assert blobs(home) == []
    with pytest.raises(SessionError, match="not found"):
        manager.artifacts.get(one, ArtifactRef(sequence=alone.sequence))


def test_versions_by_name_and_stable_sequences(manager):
    sid = manager.create()
    for text in ("v1", "v2", "v3"):
        manager.artifacts.store(sid, "agent_output", "draft.txt", text)
    manager.artifacts.store(sid, "agent_output", "other.txt", "o")
    listed = manager.artifacts.list(sid)
    assert [(a.name, a.version, a.sequence) for a in listed] == [
        ("draft.txt", 1, 1),
        ("draft.txt", 2, 2),
        ("draft.txt", 3, 3),
        ("other.txt", 1, 4),
    ]
    get = manager.artifacts.get
    assert get(sid, ArtifactRef(name="draft.txt")).content == b"v3"
    assert get(sid, ArtifactRef(name="draft.txt", version=1)).content == b"v1"
    manager.artifacts.delete(sid, ArtifactRef(sequence=4))
    again = manager.artifacts.store(sid, "agent_output", "new.txt", "n")
    assert again.sequence == 5  # a deleted id is never reused
    with pytest.raises(SessionError, match="#1 not found"):
        get(sid, ArtifactRef(sequence=1, content_hash="0" * 64))


def test_query_filters(manager):
    one, two = manager.create(), manager.create()
    store = manager.artifacts.store
    store(one, "agent_output", "report.md", "r" * 10, tags=["final", "en"])
    store(one, "tool_result", "data.json", "d" * 100, tags=["en"])
    store(two, "agent_output", "report-2.md", "x" * 1000, tags=["final"])
    store(two, "chart", "plot.png", b"\x89PNG" + bytes(50))
    names = lambda found: [a.name for a in found]  # noqa: E731
    query = manager.artifacts.query
    assert names(query()) == ["report.md", "data.json", "report-2.md", "plot.png"]
    assert names(query(session_id=two)) == ["report-2.md", "plot.png"]
    assert names(query(artifact_type="agent_output")) == ["report.md", "report-2.md"]
    assert names(query(artifact_type="chart")) == ["plot.png"]
    assert names(query(name_pattern="report*")) == ["report.md", "report-2.md"]
    assert names(query(name_pattern="*.json")) == ["data.json"]
    assert names(query(tags=["final"])) == ["report.md", "report-2.md"]
    assert names(query(tags=["final", "en"])) == ["report.md"]
    assert names(query(min_size=100)) == ["data.json", "report-2.md"]
    assert names(query(max_size=54)) == ["report.md", "plot.png"]
    assert names(query(min_size=55, max_size=100)) == ["data.json"]
    assert names(query(limit=1)) == ["report.md"]
    assert query(created_after="2999-01-01T00:00:00+02:00") == []
    assert len(query(created_before="2999-01-01")) == 4
    with pytest.raises(ValidationError, match="RFC 3339"):
        query(created_before="soon")
    with pytest.raises(ValidationError, match="min_size"):
        query(min_size=-1)


def test_per_session_artifact_limit(open_manager):
    manager = open_manager(max_artifacts_per_session=2)
    sid, other = manager.create(), manager.create()
    manager.artifacts.store(sid, "user_input", "a", "1")
    manager.artifacts.store(sid, "user_input", "b", "2")
    with pytest.raises(SessionError, match=r"`runtime.sessions.max_artifacts_per_session`"):
        manager.artifacts.store(sid, "user_input", "c", "3")
    manager.artifacts.store(other, "user_input", "c", "3")
    assert len(manager.artifacts.list(sid)) == 2


def test_size_limit_is_refused_before_anything_is_written(home):
    limits = SessionLimits(max_artifact_bytes=1000)
    db = open_file_database(home / "sessions" / "sessions.db")
    manager = SessionManager(db, DiskContent(home / "sessions" / "content"), limits)
    try:
        sid = manager.create()
        with pytest.raises(SessionError, match=r"1001 bytes.*largest artifact accepted is 1000"):
            manager.artifacts.store(sid, "user_input", "big", b"x" * 1001)
        assert manager.artifacts.list(sid) == []
        assert blobs(home) == []
    finally:
        manager.close()


def test_bad_artifact_input_is_named(manager):
    sid = manager.create()
    store = manager.artifacts.store
    with pytest.raises(ValidationError, match="type must be a non-empty string"):
        store(sid, "", "n", "c")
    with pytest.raises(ValidationError, match="name must be a non-empty string"):
        store(sid, "t", "", "c")
    with pytest.raises(ValidationError, match=r"must be a string .* got table"):
        store(sid, "t", "n", {"a": 1})
    with pytest.raises(SessionError, match="Invalid session ID"):
        store("nope", "t", "n", "c")
    with pytest.raises(SessionError, match="not found"):
        store(str(uuid.uuid4()), "t", "n", "c")
    with pytest.raises(SessionError, match="No current session set"):
        manager.artifacts.list("")
    manager.complete(sid)
    with pytest.raises(SessionError, match="is completed"):
        store(sid, "t", "n", "c")


def test_store_file_names_and_types_it(manager, tmp_path):
    sid = manager.create()
    path = tmp_path / "table.csv"
    path.write_bytes(b"a,b\n1,2\n")
    made = manager.artifacts.store_file(sid, path, "user_input", tags=["csv"])
    got = manager.artifacts.get(sid, ArtifactRef(sequence=made.sequence))
    assert got.content == b"a,b\n1,2\n"
    assert (got.info.name, got.info.mime_type, got.info.tags) == ("table.csv", "text/csv", ["csv"])
    with pytest.raises(SessionError, match=r"Cannot store file .*missing\.txt"):
        manager.artifacts.store_file(sid, tmp_path / "missing.txt", "user_input")


def test_corrupt_or_missing_content_is_reported_and_left_alone(manager, home):
    sid = manager.create()
    made = manager.artifacts.store(sid, "user_input", "a.txt", "precious")
    (blob,) = blobs(home)
    blob.write_bytes(b"tampered")
    with pytest.raises(StorageError, match="corrupt: its bytes no longer match"):
        manager.artifacts.get(sid, ArtifactRef(sequence=made.sequence))
    assert blob.read_bytes() == b"tampered"
    blob.unlink()
    with pytest.raises(StorageError, match="is missing"):
        manager.artifacts.get(sid, ArtifactRef(sequence=made.sequence))


def test_temporary_files_left_by_a_killed_writer_are_swept_on_open(open_manager, home):
    stray = home / "sessions" / "content" / "ab" / ".tmp-abcd-123-deadbeef"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"half a blob")
    manager = open_manager()
    assert not stray.exists()
    assert manager.list() == []
