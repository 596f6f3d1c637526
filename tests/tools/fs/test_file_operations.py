"""file_operations on real files: every operation, the sandbox refusals, Lua and the CLI."""

from __future__ import annotations

import os

import pytest

from llmspell.core.errors import PathNotAllowed, ToolExecutionError, ToolParameterError

OPS = "file_operations"
FIRST = "Hello from LLMSpell! This is my first tool usage."


def test_write_read_exists_as_the_first_tool_example_prints(invoke, box):
    path = str(box / "my_first_file.txt")
    wrote = invoke(OPS, operation="write", path=path, input=FIRST)
    assert wrote.success and wrote.text == f"Wrote 49 bytes to {path}"
    assert wrote.result == {"path": path, "bytes_written": 49}
    assert wrote.metadata["response"]["message"] == wrote.text
    assert wrote.to_dict()["operation"] == "write"

    read = invoke(OPS, operation="read", path=path)
    assert read.text == FIRST
    assert read.result["text"] == FIRST and read.result["size"] == 49
    assert read.result["binary"] is False

    assert invoke(OPS, operation="exists", path=path).text == f"Path {path} exists"
    missing = invoke(OPS, operation="exists", path=str(box / "nope.txt"))
    assert missing.text == f"Path {box / 'nope.txt'} does not exist"
    assert missing.result["exists"] is False


def test_write_creates_folders_atomically_and_relative_paths_use_the_cwd(invoke, box):
    invoke(OPS, operation="write", path="deep/er/notes.md", content="# hi\n")
    assert (box / "deep/er/notes.md").read_text() == "# hi\n"
    assert os.listdir(box / "deep/er") == ["notes.md"]  # no temporary file left behind
    invoke(OPS, operation="write", path="deep/er/notes.md", input="replaced")
    assert (box / "deep/er/notes.md").read_text() == "replaced"


def test_append_adds_and_reports_sizes(invoke, box):
    log = box / "audit.log"
    invoke(OPS, operation="append", path=str(log), input="one\n")
    result = invoke(OPS, operation="append", path=str(log), input="two\n").result
    assert log.read_text() == "one\ntwo\n"
    assert result == {"path": str(log), "appended_size": 4, "size": 8}


def test_binary_and_encoded_content(invoke, box):
    blob = box / "blob.bin"
    blob.write_bytes(b"\xff\x00\xfe")
    read = invoke(OPS, operation="read", path=str(blob))
    assert read.text == b"\xff\x00\xfe" and read.result["binary"] is True

    invoke(OPS, operation="write", path=str(box / "u16.txt"), input="hé", encoding="utf-16-le")
    assert (box / "u16.txt").read_bytes() == "hé".encode("utf-16-le")
    assert (
        invoke(OPS, operation="read", path=str(box / "u16.txt"), encoding="utf-16-le").text == "hé"
    )
    with pytest.raises(ToolExecutionError, match="not valid utf-8 text"):
        invoke(OPS, operation="read", path=str(blob), encoding="utf-8")

    invoke(OPS, operation="write", path=str(box / "raw.bin"), input=b"\x00\x01")
    assert (box / "raw.bin").read_bytes() == b"\x00\x01"


def test_mkdir_and_list(make_rt, box):
    rt = make_rt({"tools.file_operations.max_depth": 1})
    invoke = rt.tools.invoke
    with pytest.raises(ToolExecutionError, match="pass recursive=true"):
        invoke(OPS, {"operation": "mkdir", "path": str(box / "a/b/c")})
    made = invoke(OPS, {"operation": "create_dir", "path": str(box / "a/b/c"), "recursive": True})
    assert made.result == {"path": str(box / "a/b/c"), "recursive": True, "created": True}
    (box / "a/top.txt").write_text("12345")

    flat = invoke(OPS, {"operation": "list_dir", "path": str(box)}).result
    assert [e["name"] for e in flat["entries"]] == ["a"]
    assert flat["entries"][0]["type"] == "directory" and flat["entries"][0]["modified"]

    deep = invoke(OPS, {"operation": "ls", "path": str(box), "recursive": True})
    names = {e["name"]: e for e in deep.result["entries"]}
    assert set(names) == {"a", "a/b", "a/top.txt"}  # max_depth = 1 stops before a/b/c
    assert names["a/top.txt"]["size"] == 5 and names["a/top.txt"]["type"] == "file"
    assert deep.text == f"Found 3 entries in {box}"


def test_copy_move_and_delete(invoke, box):
    src = box / "src.txt"
    src.write_text("data")
    params = {"operation": "copy", "source_path": str(src), "target_path": str(box / "copy.txt")}
    copied = invoke(OPS, params)
    assert copied.text == f"Copied {src} to {box / 'copy.txt'}"
    assert copied.result["size"] == 4 and (box / "copy.txt").read_text() == "data"

    (box / "dir").mkdir()
    invoke(OPS, {"operation": "mv", "from": str(box / "copy.txt"), "to": str(box / "dir")})
    assert (box / "dir/copy.txt").read_text() == "data" and not (box / "copy.txt").exists()
    invoke(OPS, {"operation": "rename", "source": str(src), "target": str(box / "renamed.txt")})
    assert (box / "renamed.txt").exists() and not src.exists()

    with pytest.raises(ToolExecutionError, match="overwrite=true"):
        invoke(
            OPS,
            {
                "operation": "copy",
                "source_path": str(box / "renamed.txt"),
                "target_path": str(box / "dir/copy.txt"),
                "overwrite": False,
            },
        )
    with pytest.raises(ToolExecutionError, match="recursive=true"):
        invoke(OPS, {"operation": "copy", "source_path": str(box / "dir"), "target_path": "d2"})
    invoke(OPS, {"operation": "cp", "source_path": "dir", "target_path": "d2", "recursive": True})
    assert (box / "d2/copy.txt").read_text() == "data"

    with pytest.raises(ToolExecutionError, match="not empty"):
        invoke(OPS, operation="delete", path=str(box / "d2"))
    gone = invoke(OPS, operation="delete", path=str(box / "d2"), recursive=True)
    assert gone.result["type"] == "directory" and not (box / "d2").exists()
    assert invoke(OPS, operation="rm", path=str(box / "renamed.txt")).text.startswith(
        "Deleted file"
    )
    with pytest.raises(ToolExecutionError, match="no such file"):
        invoke(OPS, operation="delete", path=str(box / "renamed.txt"))


def test_deleting_a_link_removes_the_link_not_its_target(invoke, box, outside):
    (box / "target.txt").write_text("keep me")
    (box / "inner").symlink_to(box / "target.txt")
    (box / "escape").symlink_to(outside / "secret.txt")
    assert invoke(OPS, operation="delete", path=str(box / "inner")).result["type"] == "symlink"
    invoke(OPS, operation="delete", path=str(box / "escape"))
    assert (box / "target.txt").read_text() == "keep me"
    assert (outside / "secret.txt").exists()
    assert not (box / "inner").is_symlink() and not (box / "escape").is_symlink()


def test_an_allowed_root_cannot_be_deleted_or_moved(invoke, box):
    with pytest.raises(PathNotAllowed, match=r"root of `tools.file_operations.allowed_paths`"):
        invoke(OPS, operation="delete", path=str(box), recursive=True)
    with pytest.raises(PathNotAllowed, match="root"):
        invoke(OPS, {"operation": "move", "source_path": str(box), "target_path": "inside"})
    assert box.is_dir()


def test_metadata(invoke, box):
    file = box / "m.txt"
    file.write_text("abc")
    file.chmod(0o640)
    (box / "link").symlink_to(file)
    meta = invoke(OPS, operation="metadata", path=str(file)).result
    assert meta["type"] == "file" and meta["size"] == 3
    assert meta["permissions"] == "0640" and meta["mode"] == "-rw-r-----"
    assert meta["is_symlink"] is False and meta["modified"].endswith("+00:00")
    assert {"created", "accessed", "readonly"} <= set(meta)
    linked = invoke(OPS, operation="stat", path=str(box / "link")).result
    assert linked["is_symlink"] is True and linked["resolved_path"] == str(file)


# Refusals -------------------------------------------------------------------------------------


def test_dot_dot_escapes_are_refused(invoke, box, outside):
    sneaky = str(box / ".." / "outside" / "secret.txt")
    with pytest.raises(PathNotAllowed, match=r"tools.file_operations.allowed_paths"):
        invoke(OPS, operation="read", path=sneaky)
    with pytest.raises(PathNotAllowed, match="outside"):
        invoke(OPS, operation="write", path=str(box / "../outside/new.txt"), input="x")
    with pytest.raises(PathNotAllowed):
        invoke(OPS, operation="list_dir", path="/etc")
    assert not (outside / "new.txt").exists()


def test_symlink_escapes_are_refused(invoke, box, outside):
    (box / "link.txt").symlink_to(outside / "secret.txt")
    (box / "linkdir").symlink_to(outside)
    with pytest.raises(PathNotAllowed):
        invoke(OPS, operation="read", path=str(box / "link.txt"))
    with pytest.raises(PathNotAllowed):
        invoke(OPS, operation="write", path=str(box / "linkdir/planted.txt"), input="x")
    with pytest.raises(PathNotAllowed):
        invoke(OPS, {"operation": "copy", "source_path": str(box / "link.txt"), "target": "c.txt"})
    assert not (outside / "planted.txt").exists() and not (box / "c.txt").exists()


def test_blocked_extensions_are_refused(invoke, box):
    for name in ("tool.exe", "lib.so"):
        with pytest.raises(PathNotAllowed, match=r"tools.file_operations.blocked_extensions"):
            invoke(OPS, operation="write", path=str(box / name), input="MZ")
    (box / "x.dll").write_bytes(b"MZ")
    with pytest.raises(PathNotAllowed, match=r"'.dll' are blocked"):
        invoke(OPS, operation="read", path=str(box / "x.dll"))
    (box / "ok.txt").write_text("fine")
    with pytest.raises(PathNotAllowed, match="blocked"):
        invoke(OPS, {"operation": "move", "source_path": str(box / "ok.txt"), "target": "ok.exe"})
    assert not list(box.glob("*.exe")) and not list(box.glob("*.so"))


def test_allowed_extensions_apply_to_files_not_folders(make_rt, box):
    invoke = make_rt({"tools.file_operations.allowed_extensions": ["txt"]}).tools.invoke
    invoke(OPS, {"operation": "mkdir", "path": str(box / "docs")})
    invoke(OPS, {"operation": "write", "path": str(box / "docs/a.txt"), "input": "a"})
    assert invoke(OPS, {"operation": "list", "path": str(box / "docs")}).result["count"] == 1
    with pytest.raises(PathNotAllowed, match="allowed_extensions"):
        invoke(OPS, {"operation": "write", "path": str(box / "docs/a.md"), "input": "a"})


def test_oversized_files_are_refused(make_rt, box):
    invoke = make_rt({"tools.file_operations.max_file_size": 100}).tools.invoke
    (box / "big.txt").write_text("x" * 101)
    with pytest.raises(
        ToolExecutionError, match=r"101 bytes, over the 100-byte limit .*max_file_size"
    ):
        invoke(OPS, {"operation": "read", "path": str(box / "big.txt")})
    with pytest.raises(ToolExecutionError, match="max_file_size"):
        invoke(OPS, {"operation": "write", "path": str(box / "w.txt"), "input": "y" * 200})
    (box / "log.txt").write_text("z" * 90)
    with pytest.raises(ToolExecutionError, match="the file after appending is 110 bytes"):
        invoke(OPS, {"operation": "append", "path": str(box / "log.txt"), "input": "z" * 20})
    assert not (box / "w.txt").exists() and (box / "log.txt").stat().st_size == 90


def test_bad_parameters_name_the_parameter(invoke):
    with pytest.raises(
        ToolParameterError, match=r"parameter 'path': Input should be a valid string"
    ):
        invoke(OPS, operation="read", path=5)
    with pytest.raises(ToolParameterError, match="parameter 'operation'"):
        invoke(OPS, operation="explode", path="x")
    with pytest.raises(ToolParameterError, match="operation 'write' needs parameter 'input'"):
        invoke(OPS, operation="write", path="x.txt")
    with pytest.raises(ToolParameterError, match="needs parameter 'path'"):
        invoke(OPS, operation="read")
    with pytest.raises(ToolParameterError, match="parameter 'recursive'"):
        invoke(OPS, operation="list", path=".", recursive="maybe")
    with pytest.raises(ToolParameterError, match="unknown parameter 'bogus'"):
        invoke(OPS, operation="read", path="x", bogus=1)


def test_missing_file_read_is_a_clear_error(invoke, box):
    with pytest.raises(ToolExecutionError, match="no such file"):
        invoke(OPS, operation="read", path=str(box / "does_not_exist.txt"))


# Lua and the CLI ------------------------------------------------------------------------------


def test_from_lua_scripts_read_text_result_and_metadata(rt, box):
    (box / "blob.bin").write_bytes(b"\xff\x00\xfe")
    code = f"""
    local p = "{box}/lua.txt"
    local w = Tool.invoke("file_operations", {{operation="write", path=p, input="from lua"}})
    local r = Tool.invoke("file_operations", {{operation="read", path=p}})
    local e = Tool.invoke("file_operations", {{operation="exists", path=p}})
    local b = Tool.invoke("file_operations", {{operation="read", path="{box}/blob.bin"}})
    local ok, err = pcall(Tool.invoke, "file_operations", {{operation="read", path="/etc/passwd"}})
    return w.text, w.metadata.response.result.bytes_written, w.operation, r.text,
        r.result.text, e.text, #b.text, ok, err
    """
    values = rt.run_code(code)
    assert values[:7] == [
        f"Wrote 8 bytes to {box}/lua.txt",
        8,
        "write",
        "from lua",
        "from lua",
        f"Path {box}/lua.txt exists",
        3,
    ]
    assert values[7] is False and "allowed_paths" in values[8]


def test_cli_exec_writes_and_refuses(cli, box, tmp_path):
    config = tmp_path / "llmspell.toml"
    config.write_text(f'[tools.file_operations]\nallowed_paths = ["{box}"]\n')
    code = (
        f'local r = Tool.invoke("file_operations", {{operation="write", path="{box}/c.txt", '
        'input="hello"}) print(r.text)'
    )
    ok = cli("-c", str(config), "exec", code)
    assert ok.code == 0 and ok.stdout.strip() == f"Wrote 5 bytes to {box}/c.txt"
    refused = cli(
        "-c",
        str(config),
        "exec",
        'Tool.invoke("file_operations", {operation="read", path="/etc/passwd"})',
    )
    assert refused.code == 1 and "tools.file_operations.allowed_paths" in refused.stderr
