"""`Session` and `Artifact` as spells see them: real Lua through a Runtime, real stores."""

from __future__ import annotations

import random
import uuid

import pytest

from llmspell import ScriptError
from llmspell.runtime import Runtime


def error_of(runtime: Runtime, code: str) -> str:
    with pytest.raises(ScriptError) as info:
        runtime.run_code(code)
    return str(info.value)


# Session -------------------------------------------------------------------------------------


def test_create_get_and_list_from_lua(spell):
    sid, name, status, tag, count, meta = spell(
        """
        local id = Session.create({name = "chat", description = "d", tags = {"a", "b"},
                                   metadata = {user = "ann"}})
        local s = Session.get(id)
        return id, s.name, s.status, s.tags[2], s.artifact_count, s.custom_metadata.user
        """
    )
    assert str(uuid.UUID(sid)) == sid
    assert (name, status, tag, count, meta) == ("chat", "active", "b", 0, "ann")
    listed = spell(
        """
        Session.create({name = "other", tags = {"b"}})
        local all, tagged, limited = Session.list(), Session.list({tags = {"a"}}),
          Session.list({limit = 1})
        return #all, #tagged, tagged[1].name, #limited, #Session.list({status = "completed"})
        """
    )
    assert listed == [2, 1, "chat", 1, 0]


def test_lifecycle_and_errors_from_lua(spell, session_runtime):
    statuses = spell(
        """
        local id = Session.create()
        Session.suspend(id); local a = Session.get(id).status
        Session.resume(id); local b = Session.get(id).status
        Session.complete(id); local c = Session.get(id).status
        local ok, err = pcall(Session.suspend, id)
        Session.save(id)
        return a, b, c, ok, err, Session.load(id) == id
        """
    )
    assert statuses[:4] == ["suspended", "active", "completed", False]
    assert "Cannot suspend session" in statuses[4] and "it is completed" in statuses[4]
    assert statuses[5] is True
    assert "Invalid session ID: 'abc'" in error_of(session_runtime, 'Session.get("abc")')
    missing = str(uuid.uuid4())
    assert "not found" in error_of(session_runtime, f'Session.load("{missing}")')


def test_current_session_and_camel_case_aliases(spell):
    values = spell(
        """
        local id = Session.create()
        local before = Session.get_current()
        Session.set_current(id)
        local now = Session.get_current()
        Session.setCurrent(nil)
        local cleared = Session.getCurrent()
        Session.setCurrent(id)
        return before == nil, now == id, cleared == nil, Session.getCurrent() == id
        """
    )
    assert values == [True, True, True, True]


def test_builder_accepts_both_call_styles(spell):
    values = spell(
        """
        local parent = Session.create()
        local a = Session.builder():description("colon"):tag("x"):tags({"y"})
          :metadata({k = 1}):metadata("j", 2):parent(parent):build()
        local b = Session.builder().description("dot").tag("x").metadata({k = 3}).build()
        local sa, sb = Session.get(a), Session.get(b)
        return sa.description, sa.tags[1], sa.tags[2], sa.metadata.k, sa.metadata.j,
          sa.parent_session_id == parent, sb.description, sb.metadata.k
        """
    )
    assert values == ["colon", "x", "y", 1, 2, True, "dot", 3]


def test_builder_name(spell):
    assert spell('return Session.get(Session.builder():name("n"):build()).name') == "n"


def test_sessions_persist_across_runtimes(make_runtime):
    with make_runtime() as first:
        sid = first.run_code(
            """
            local id = Session.create({name = "kept"})
            Artifact.store(id, "agent_output", "a.txt", "persisted")
            Session.suspend(id)
            return id
            """
        )[0]
    with make_runtime() as second:
        values = second.run_code(
            f"""
            local s = Session.get("{sid}")
            return s.name, s.status, Artifact.get("{sid}", "a.txt").content
            """
        )
    assert values == ["kept", "suspended", "persisted"]


def test_disabled_sessions_name_the_key(runtime):
    for code in ("Session.create()", 'Artifact.list("")'):
        message = error_of(runtime, code)
        assert "disabled" in message and "`runtime.sessions.enabled = true`" in message


# Artifact ------------------------------------------------------------------------------------


def test_store_get_list_delete_from_lua(spell):
    values = spell(
        """
        local id = Session.create()
        local a = Artifact.store(id, "tool_result", "out.txt", "hello\\0world",
                                 {tags = {"t"}, description = "d", source = "calc"})
        local b = Artifact.store(id, "custom_kind", "out.txt", "second")
        local got = Artifact.get(id, a)
        local m = got.metadata
        local list = Artifact.list(id)
        local latest = Artifact.get(id, "out.txt")
        Artifact.delete(id, a)
        local ok, err = pcall(Artifact.get, id, a)
        return a.session_id == id, a.sequence, #a.content_hash, got.content == "hello\\0world",
          m.name, m.artifact_type, m.tags[1], m.description, m.custom.source, m.version,
          #list, list[2].version, list[2].id.sequence, latest.content, ok, err,
          #Artifact.list(id)
        """
    )
    assert values[:10] == [True, 1, 64, True, "out.txt", "tool_result", "t", "d", "calc", 1]
    assert values[10:15] == [2, 2, 2, "second", False]
    assert "not found" in values[15]
    assert values[16] == 1


def test_several_megabytes_of_binary_from_lua_are_byte_exact(spell, session_runtime):
    data = bytearray(random.Random(3).randbytes(4 * 1024 * 1024))
    data[::1013] = bytes(len(data[::1013]))
    data = bytes(data)
    session_runtime.engine().set_global("BLOB", data)
    same, size, compressed, back = spell(
        """
        local id = Session.create()
        local ref = Artifact.store(id, "user_input", "blob.bin", BLOB)
        local got = Artifact.get(id, ref)
        return got.content == BLOB, got.metadata.size, got.metadata.is_compressed, got.content
        """
    )
    assert (same, size, compressed) == (True, len(data), False)
    assert back == data


def test_current_session_serves_empty_session_ids(spell, session_runtime):
    assert "No current session set" in error_of(session_runtime, 'Artifact.list("")')
    values = spell(
        """
        local id = Session.create()
        Session.set_current(id)
        Artifact.store("", "user_input", "q", "question?")
        return #Artifact.list(""), #Artifact.list(), Artifact.get("", "q").content
        """
    )
    assert values == [1, 1, "question?"]


def test_store_file_and_query_from_lua(spell, session_runtime, tmp_path):
    notes = tmp_path / "notes.md"
    notes.write_text("# notes\n")
    values = spell(
        f"""
        local id = Session.create()
        local f = Artifact.store_file(id, "{notes}", "user_input", {{tags = {{"doc"}}}})
        local g = Artifact.storeFile(id, "{notes}", "user_input")
        Artifact.store(id, "agent_output", "answer.txt", string.rep("x", 100))
        local got = Artifact.get(id, f)
        local by_tag = Artifact.query({{session_id = id, tags = {{"doc"}}}})
        local by_type = Artifact.query({{type = "agent_output"}})
        local by_name = Artifact.query({{name_pattern = "*.md"}})
        local big = Artifact.query({{min_size = 50}})
        return got.content, got.metadata.name, got.metadata.mime_type, g.sequence,
          #by_tag, by_type[1].name, #by_name, #big, big[1].name
        """
    )
    assert values == [
        "# notes\n",
        "notes.md",
        "text/markdown",
        2,
        1,
        "answer.txt",
        2,
        1,
        "answer.txt",
    ]
    message = error_of(
        session_runtime,
        'Artifact.store_file(Session.create(), "/etc/hostname", "user_input")',
    )
    assert "not allowed" in message


def test_bad_artifact_calls_raise_catchable_errors(spell):
    errors = spell(
        """
        local id = Session.create()
        local function err(f, ...) local ok, e = pcall(f, ...); return ok and "ok" or e end
        return err(Artifact.store, id, "", "n", "c"),
          err(Artifact.store, id, "t", "n", {1, 2}),
          err(Artifact.store, "bad", "t", "n", "c"),
          err(Artifact.get, id, {sequence = 99, session_id = id}),
          err(Artifact.get, id, true),
          err(Artifact.query, {created_after = "later"})
        """
    )
    assert "non-empty string" in errors[0]
    assert "encode tables with JSON.stringify" in errors[1]
    assert "Invalid session ID: 'bad'" in errors[2]
    assert "#99 not found" in errors[3]
    assert "expected an artifact id table" in errors[4]
    assert "RFC 3339" in errors[5]
