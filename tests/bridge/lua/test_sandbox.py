"""Security levels decide what of the Lua standard library a spell gets."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmspell.core.errors import ScriptError
from llmspell.security import PathPolicy


def _policy(tmp_path: Path, *, read_anywhere: bool = False) -> PathPolicy:
    allowed = tmp_path / "allowed"
    spell_dir = tmp_path / "spells"
    allowed.mkdir(exist_ok=True)
    spell_dir.mkdir(exist_ok=True)
    return PathPolicy.build(
        allowed_paths=[str(allowed)],
        extra_read_roots=[spell_dir],
        read_anywhere=read_anywhere,
        base=tmp_path,
    )


def test_safe_level_keeps_harmless_os_functions(lua):
    date, time_ok, home = lua.execute(
        "return os.date('%Y') ~= nil, os.time() > 0, os.getenv('HOME')"
    )
    assert date is True and time_ok is True and home


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ("os.execute('echo hi')", "os.execute is not available: the security level is 'safe'"),
        ("io.popen('echo hi')", "io.popen is not available"),
    ],
)
def test_safe_level_refuses_process_spawning(lua, call, message):
    with pytest.raises(ScriptError, match=message) as info:
        lua.execute(call, chunk_name="@spell.lua")
    assert info.value.chunk == "spell.lua" and info.value.line == 1
    assert "allow_process_spawn" in str(info.value)


def test_safe_level_removes_debug_dump_and_binary_chunks(lua):
    assert lua.execute("return debug, string.dump, package.loadlib") == [None, None, None]
    fn, message = lua.execute("return load(string.char(27) .. 'Lua')")
    assert fn is None
    assert "binary" in message


def test_unrestricted_level_has_debug_but_not_sethook(make_engine):
    engine = make_engine(security_level="unrestricted")
    assert engine.execute("return type(debug.getinfo), type(string.dump)") == [
        "function",
        "function",
    ]
    with pytest.raises(ScriptError, match=r"debug\.sethook is not available"):
        engine.execute("debug.sethook()")


def test_privileged_spawn_needs_allow_process_spawn(make_engine):
    refused = make_engine(security_level="privileged")
    with pytest.raises(ScriptError, match="allow_process_spawn"):
        refused.execute("os.execute('true')")
    allowed = make_engine(security_level="privileged", allow_process_spawn=True)
    assert allowed.execute(
        "local f = io.popen('echo spawned') local s = f:read('a') f:close() return s"
    ) == ["spawned\n"]


def test_files_read_inside_roots_and_refused_outside(make_engine, tmp_path):
    engine = make_engine(paths=_policy(tmp_path))
    (tmp_path / "spells" / "data.txt").write_text("inside")
    (tmp_path / "secret.txt").write_text("outside")
    assert engine.execute(f"return io.open('{tmp_path}/spells/data.txt'):read('a')") == ["inside"]
    with pytest.raises(ScriptError, match=r"reading .*secret.txt' is not allowed"):
        engine.execute(f"local f = io.open('{tmp_path}/secret.txt')")
    with pytest.raises(ScriptError, match="is not allowed"):
        engine.execute(f"for l in io.lines('{tmp_path}/secret.txt') do end")


def test_writes_only_inside_allowed_paths(make_engine, tmp_path):
    engine = make_engine(paths=_policy(tmp_path))
    engine.execute(
        f"local f = io.open('{tmp_path}/allowed/out.txt', 'w') f:write('written') f:close()"
    )
    assert (tmp_path / "allowed" / "out.txt").read_text() == "written"
    with pytest.raises(ScriptError, match=r"writing .* is not allowed.*allowed_paths"):
        engine.execute(f"io.open('{tmp_path}/spells/out.txt', 'w')")
    assert not (tmp_path / "spells" / "out.txt").exists()


def test_dot_dot_and_symlinks_cannot_escape(make_engine, tmp_path):
    engine = make_engine(paths=_policy(tmp_path))
    (tmp_path / "secret.txt").write_text("outside")
    (tmp_path / "allowed" / "link.txt").symlink_to(tmp_path / "secret.txt")
    with pytest.raises(ScriptError, match="is not allowed"):
        engine.execute(f"io.open('{tmp_path}/allowed/../secret.txt')")
    with pytest.raises(ScriptError, match="is not allowed"):
        engine.execute(f"io.open('{tmp_path}/allowed/link.txt')")


def test_os_remove_outside_allowed_paths_is_refused(make_engine, tmp_path):
    engine = make_engine(paths=_policy(tmp_path))
    victim = tmp_path / "keep.txt"
    victim.write_text("keep me")
    with pytest.raises(ScriptError, match=r"os\.remove: writing"):
        engine.execute(f"os.remove('{victim}')")
    assert victim.exists()
    inside = tmp_path / "allowed" / "tmp.txt"
    inside.write_text("x")
    assert engine.execute(f"return os.remove('{inside}')") == [True]
    assert not inside.exists()


def test_require_finds_modules_in_the_spell_folder_only(make_engine, tmp_path):
    (tmp_path / "spells").mkdir()
    (tmp_path / "spells" / "helper.lua").write_text("return {answer = 42}")
    engine = make_engine(paths=_policy(tmp_path), module_dirs=(tmp_path / "spells",))
    assert engine.execute("return require('helper').answer") == [42]
    with pytest.raises(ScriptError, match="module 'socket' not found"):
        engine.execute("require('socket')")


def test_dofile_is_path_checked(make_engine, tmp_path):
    engine = make_engine(paths=_policy(tmp_path))
    (tmp_path / "spells" / "data.lua").write_text("return {name = 'inside'}")
    (tmp_path / "evil.lua").write_text("return 1")
    assert engine.execute(f"return dofile('{tmp_path}/spells/data.lua').name") == ["inside"]
    with pytest.raises(ScriptError, match=r"(dofile|loadfile)"):
        engine.execute(f"dofile('{tmp_path}/evil.lua')")


def test_stdlib_none_leaves_only_the_base_library(make_engine):
    engine = make_engine(stdlib="none")
    assert engine.execute("return string, io, os.execute, type(print)") == [
        None,
        None,
        None,
        "function",
    ]


def test_print_and_io_write_go_to_the_sink(lua, sink):
    lua.execute("print('a', 1, 2.5, nil, true) io.write('x', 3, '\\n') io.stdout:write('y\\n')")
    assert sink.stdout_text == "a\t1\t2.5\tnil\ttrue\nx3\ny\n"
    lua.execute("io.stderr:write('err\\n')")
    assert sink.stderr_text == "err\n"


def test_io_write_rejects_tables_like_lua(lua):
    with pytest.raises(
        ScriptError, match="bad argument #1 to 'write' \\(string expected, got table\\)"
    ):
        lua.execute("io.write({})")
