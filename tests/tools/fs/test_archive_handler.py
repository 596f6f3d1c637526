"""archive_handler with real archives, including hostile ones crafted here."""

from __future__ import annotations

import io
import os
import random
import tarfile
import zipfile

import pytest

from llmspell.core.errors import (
    PathNotAllowed,
    SecurityError,
    ToolExecutionError,
    ToolParameterError,
)

ARC = "archive_handler"


@pytest.fixture
def project(box):
    (box / "proj/src").mkdir(parents=True)
    (box / "proj/src/main.py").write_text("print('hi')\n")
    (box / "proj/README.md").write_text("# readme\n")
    (box / "proj/empty").mkdir()
    (box / "notes.txt").write_text("loose file\n")
    return box


def digits_text(n):
    return "".join(random.choice("0123456789") for _ in range(n)).encode()


def zip_with(path, members):
    """members: (name, bytes) or (name, bytes, unix_mode)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data, *mode in members:
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if mode:
                info.external_attr = mode[0] << 16
            zf.writestr(info, data)


def tar_with(path, members, mode="w:gz"):
    """members: (name, bytes) files, or (name, kind, link) for tarfile.SYMTYPE / LNKTYPE."""
    with tarfile.open(path, mode) as tf:
        for name, *rest in members:
            info = tarfile.TarInfo(name)
            if len(rest) == 1:
                info.size = len(rest[0])
                tf.addfile(info, io.BytesIO(rest[0]))
            else:
                info.type, info.linkname = rest
                tf.addfile(info)


@pytest.mark.parametrize("suffix", [".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2"])
def test_create_list_extract_round_trip(invoke, project, suffix):
    archive = str(project / f"bundle{suffix}")
    made = invoke(
        ARC,
        operation="create",
        path=archive,
        input=[str(project / "proj"), str(project / "notes.txt")],
    )
    assert made.result["file_count"] == 6  # proj/, proj/src/, proj/empty/, 2 files, notes.txt
    assert "proj/src/main.py" in made.result["archived_files"] and made.result["total_size"] == 32
    assert made.text == "Created archive with 6 files (32 bytes)"

    listed = invoke(ARC, operation="list", path=archive).result
    files = {f["name"].rstrip("/"): f for f in listed["files"]}
    assert files["proj/src/main.py"]["size"] == 12 and files["proj/empty"]["is_dir"] is True
    assert listed["total_size"] == 32 and all(f["unsafe"] is None for f in listed["files"])

    out = project / "out"
    done = invoke(ARC, operation="extract", path=archive, target_path=str(out))
    assert (out / "proj/src/main.py").read_text() == "print('hi')\n"
    assert (out / "notes.txt").read_text() == "loose file\n" and (out / "proj/empty").is_dir()
    assert done.result["file_count"] == 3 and done.result["total_size"] == 32
    assert done.text == f"Extracted 3 files (32 bytes) to {out}"


def test_extract_defaults_next_to_the_archive_and_base_dir_names(invoke, project):
    invoke(
        ARC,
        operation="create",
        path=str(project / "b.tar.gz"),
        input=str(project / "proj"),
        base_dir=str(project / "proj"),
    )
    invoke(ARC, operation="extract", path=str(project / "b.tar.gz"))
    assert (project / "b/src/main.py").exists() and (project / "b/README.md").exists()


def nothing_written(folder):
    return not folder.exists() or not any(folder.rglob("*"))


def test_zip_slip_with_dot_dot_is_refused_before_writing(invoke, box, tmp_path):
    zip_with(box / "evil.zip", [("ok.txt", b"benign, comes first"), ("../evil.txt", b"pwned")])
    listed = invoke(ARC, operation="list", path=str(box / "evil.zip")).result
    assert listed["files"][1]["unsafe"] == "'..' in its path"
    with pytest.raises(PathNotAllowed, match=r"'\.\./evil\.txt' \('\.\.' in its path\).*zip-slip"):
        invoke(ARC, operation="extract", path=str(box / "evil.zip"), target_path=str(box / "out"))
    assert nothing_written(box / "out")
    assert not (box / "evil.txt").exists() and not (tmp_path / "evil.txt").exists()


def test_zip_absolute_and_symlink_members_are_refused(invoke, box, outside):
    zip_with(box / "abs.zip", [("a.txt", b"a"), (str(outside / "planted.txt"), b"x")])
    with pytest.raises(PathNotAllowed, match="absolute path"):
        invoke(ARC, operation="extract", path=str(box / "abs.zip"), target_path=str(box / "o1"))
    zip_with(box / "link.zip", [("a.txt", b"a"), ("l", b"/etc/passwd", 0o120777)])
    with pytest.raises(PathNotAllowed, match="symlink to the absolute path '/etc/passwd'"):
        invoke(ARC, operation="extract", path=str(box / "link.zip"), target_path=str(box / "o2"))
    assert nothing_written(box / "o1") and nothing_written(box / "o2")
    assert not (outside / "planted.txt").exists()


def test_tar_absolute_symlink_and_hardlink_members_are_refused(invoke, box, outside):
    cases = {
        "abs.tar.gz": [("a.txt", b"a"), (str(outside / "planted.txt"), b"x")],
        "sym.tar.gz": [("a.txt", b"a"), ("sub/l", tarfile.SYMTYPE, "../../outside")],
        "symabs.tar": [("a.txt", b"a"), ("l", tarfile.SYMTYPE, "/etc")],
        "hard.tar.gz": [("a.txt", b"a"), ("h", tarfile.LNKTYPE, "../outside/secret.txt")],
    }
    for name, members in cases.items():
        tar_with(box / name, members, "w" if name.endswith(".tar") else "w:gz")
        target = box / f"out-{name}"
        with pytest.raises(PathNotAllowed, match="nothing was extracted"):
            invoke(ARC, operation="extract", path=str(box / name), target_path=str(target))
        assert nothing_written(target), name
    assert not (outside / "planted.txt").exists()


def test_links_inside_the_target_are_skipped_not_created(invoke, box):
    tar_with(box / "ok.tar.gz", [("a.txt", b"a"), ("l", tarfile.SYMTYPE, "a.txt")])
    done = invoke(ARC, operation="extract", path=str(box / "ok.tar.gz"), target_path="out").result
    assert done["extracted_files"] == ["a.txt"]
    assert done["skipped"] == [{"name": "l", "reason": "symlink entries are not extracted"}]
    assert not (box / "out/l").exists()


def test_extracting_through_an_existing_link_is_refused(invoke, box, outside):
    (box / "out").mkdir()
    (box / "out/door").symlink_to(outside, target_is_directory=True)
    zip_with(box / "d.zip", [("door/planted.txt", b"x")])
    with pytest.raises(PathNotAllowed):
        invoke(ARC, operation="extract", path=str(box / "d.zip"), target_path=str(box / "out"))
    assert not (outside / "planted.txt").exists()


def test_blocked_extension_members_are_refused(invoke, box):
    zip_with(box / "lib.zip", [("readme.txt", b"r"), ("payload.so", b"\x7fELF")])
    with pytest.raises(PathNotAllowed, match="blocked_extensions"):
        invoke(ARC, operation="extract", path=str(box / "lib.zip"), target_path=str(box / "o"))
    assert nothing_written(box / "o")


def test_a_zip_bomb_is_refused(invoke, box):
    zip_with(box / "bomb.zip", [("zeros.bin", bytes(30_000_000))])
    assert (box / "bomb.zip").stat().st_size < 100_000
    with pytest.raises(SecurityError, match=r"expands [\d,]+:1 \(limit 100:1\).*archive bomb"):
        invoke(ARC, operation="extract", path=str(box / "bomb.zip"), target_path=str(box / "o"))
    assert nothing_written(box / "o")
    tar_with(box / "bomb.tar.gz", [("zeros.bin", bytes(30_000_000))])
    with pytest.raises(SecurityError, match="limit 100:1"):
        invoke(ARC, operation="list", path=str(box / "bomb.tar.gz"))


def test_oversized_totals_are_refused(make_rt, box):
    invoke = make_rt({"tools.file_operations.max_file_size": 20_000}).tools.invoke
    digits = [("a.txt", digits_text(15_000)), ("b.txt", digits_text(15_000))]
    zip_with(box / "big.zip", digits)  # about 13 kB, expanding to 30 kB
    with pytest.raises(SecurityError, match=r"more than 20,000 bytes.*max_file_size"):
        invoke(ARC, {"operation": "extract", "path": str(box / "big.zip"), "target_path": "o"})
    assert nothing_written(box / "o")
    (box / "c.bin").write_bytes(os.urandom(12_000))
    (box / "d.bin").write_bytes(os.urandom(12_000))
    with pytest.raises(
        ToolExecutionError, match=r"content to archive is 24,000 bytes.*max_file_size"
    ):
        invoke(
            ARC,
            {
                "operation": "create",
                "path": str(box / "cd.zip"),
                "input": [str(box / "c.bin"), str(box / "d.bin")],
            },
        )
    assert not (box / "cd.zip").exists()


def test_too_many_entries_are_refused(invoke, box):
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w") as zf:
        for i in range(10_001):
            zf.writestr(f"f{i}", b"")
    (box / "many.zip").write_bytes(many.getvalue())
    with pytest.raises(SecurityError, match="more than 10,000 entries"):
        invoke(ARC, {"operation": "extract", "path": str(box / "many.zip"), "target_path": "o"})
    assert nothing_written(box / "o")


def test_create_refusals(invoke, box, outside):
    (box / "a.txt").write_text("a")
    with pytest.raises(PathNotAllowed, match="allowed_paths"):
        invoke(ARC, operation="create", path=str(box / "x.zip"), input=[str(outside)])
    with pytest.raises(PathNotAllowed):
        invoke(ARC, operation="create", path=str(outside / "x.zip"), input=[str(box / "a.txt")])
    (box / "dir").mkdir()
    (box / "dir/leak.txt").symlink_to(outside / "secret.txt")
    with pytest.raises(PathNotAllowed):
        invoke(ARC, operation="create", path=str(box / "y.zip"), input=[str(box / "dir")])
    assert not (box / "y.zip").exists() and not (outside / "x.zip").exists()


def test_bad_parameters(invoke, box):
    with pytest.raises(ToolParameterError, match="parameter 'path' is required"):
        invoke(ARC, operation="list")
    with pytest.raises(ToolParameterError, match="parameter 'format'"):
        invoke(ARC, operation="create", path="x.rar", input=["a"], format="rar")
    with pytest.raises(ToolParameterError, match="operation 'create' needs parameter 'input'"):
        invoke(ARC, operation="create", path=str(box / "x.zip"))


def test_from_lua(rt, project):
    values = rt.run_code(
        f'local c = Tool.invoke("archive_handler", {{operation="create", path="{project}/l.zip", '
        f'input={{"{project}/notes.txt"}}}}) '
        f'local l = Tool.invoke("archive_handler", {{operation="list", path="{project}/l.zip"}}) '
        "return c.text, l.result.file_count, l.result.files[1].name, l.metadata.response.operation"
    )
    assert values == ["Created archive with 1 files (11 bytes)", 1, "notes.txt", "list"]


def test_damaged_archives_are_a_clear_error(invoke, box):
    import gzip

    (box / "junk.zip").write_bytes(os.urandom(200))
    (box / "junk.tar.gz").write_bytes(gzip.compress(b"not a tar file at all"))
    (box / "noext").write_bytes(b"plain text, no archive")
    for name in ("junk.zip", "junk.tar.gz", "noext"):
        with pytest.raises(ToolExecutionError, match="is not a readable"):
            invoke(ARC, operation="list", path=str(box / name))
