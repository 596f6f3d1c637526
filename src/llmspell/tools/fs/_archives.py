"""Zip and tar at the entry level: read headers, spot entries that escape, read and write."""

from __future__ import annotations

import io
import posixpath
import re
import stat
import tarfile
import time
import zipfile
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from llmspell.core.errors import SecurityError, ToolExecutionError
from llmspell.tools.fs._shared import iso


@dataclass(slots=True)
class Member:
    name: str
    size: int
    kind: str  # file, directory, symlink, hardlink, other
    modified: float
    compressed: int | None = None
    link: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "size": self.size,
            "compressed_size": self.compressed,
            "type": self.kind,
            "is_dir": self.kind == "directory",
            "link_target": self.link,
            "modified": iso(self.modified),
        }


def entries(data: bytes, kind: str) -> Iterator[Member]:
    if kind == "zip":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                mode = info.external_attr >> 16
                link = None
                if stat.S_ISLNK(mode):
                    with zf.open(info) as handle:
                        link = handle.read(4096).decode("utf-8", "replace")
                what = "directory" if info.is_dir() else ("symlink" if link is not None else "file")
                when = time.mktime((*info.date_time, 0, 0, -1))
                yield Member(info.filename, info.file_size, what, when, info.compress_size, link)
        return
    with tarfile.open(fileobj=io.BytesIO(data), mode="r|*") as tf:
        for t in tf:
            what = (
                "file"
                if t.isfile()
                else "directory"
                if t.isdir()
                else "symlink"
                if t.issym()
                else "hardlink"
                if t.islnk()
                else "other"
            )
            yield Member(t.name, t.size, what, t.mtime, None, t.linkname or None)


def escape(m: Member) -> str | None:
    """Why an entry would land outside the target folder, or None."""
    name = m.name.replace("\\", "/")
    if name.startswith("/") or re.match(r"[A-Za-z]:", name):
        return "absolute path"
    if ".." in name.split("/"):
        return "'..' in its path"
    if m.kind in ("symlink", "hardlink") and m.link is not None:
        link = m.link.replace("\\", "/")
        if link.startswith("/") or re.match(r"[A-Za-z]:", link):
            return f"{m.kind} to the absolute path {m.link!r}"
        start = posixpath.dirname(name) if m.kind == "symlink" else ""
        joined = posixpath.normpath(posixpath.join(start, link))
        if joined == ".." or joined.startswith("../"):
            return f"{m.kind} to {m.link!r}, outside the target"
    return None


def contents(data: bytes, kind: str, plan: Collection[str]) -> Iterator[tuple[str, bytes | None]]:
    """(name, bytes) for each planned file, (name, None) for each planned folder."""
    if kind == "zip":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                if info.filename in plan:
                    yield info.filename, None if info.is_dir() else _read_zip(zf, info)
        return
    with tarfile.open(fileobj=io.BytesIO(data), mode="r|*") as tf:
        for t in tf:
            if t.name in plan:
                handle = tf.extractfile(t) if t.isfile() else None
                yield t.name, None if handle is None else handle.read()


def _read_zip(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    with zf.open(info) as handle:
        content = handle.read(info.file_size + 1)
    if len(content) > info.file_size:
        raise SecurityError(f"entry {info.filename!r} is larger than its header says; refused")
    return content


@contextmanager
def unreadable(path: str, kind: str) -> Iterator[None]:
    """Damaged or mislabelled archives become one clear error."""
    import lzma
    import zlib

    try:
        yield
    except (tarfile.TarError, zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError) as exc:
        raise ToolExecutionError(
            f"{path!r} is not a readable {kind} archive ({exc or type(exc).__name__}); check the "
            "file, or pass format"
        ) from None


@contextmanager
def writer(
    buffer: io.BytesIO, kind: str, level: int
) -> Iterator[Callable[[str, bytes | None], None]]:
    """`with writer(buffer, kind, level) as add: add(name, content)`; content None: a folder."""
    if kind == "zip":
        method = zipfile.ZIP_DEFLATED if level else zipfile.ZIP_STORED
        with zipfile.ZipFile(buffer, "w", method, compresslevel=level or None) as zf:
            yield lambda name, content: zf.writestr(name, content or b"")
        return
    mode = {"tar": "w", "tar.gz": "w:gz", "tar.bz2": "w:bz2", "tar.xz": "w:xz"}[kind]
    options = {"compresslevel": max(level, 1)} if kind in ("tar.gz", "tar.bz2") else {}
    with tarfile.open(fileobj=buffer, mode=mode, **options) as tf:  # type: ignore[call-overload]

        def add(name: str, content: bytes | None) -> None:
            info = tarfile.TarInfo(name.rstrip("/"))
            info.mtime = int(time.time())
            info.type = tarfile.DIRTYPE if content is None else tarfile.REGTYPE
            info.mode = 0o755 if content is None else 0o644
            info.size = len(content or b"")
            tf.addfile(info, None if content is None else io.BytesIO(content))

        yield add
