"""archive_handler: create, list and extract zip and tar (gz, bz2, xz) archives, safely."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field

from llmspell.core.errors import PathNotAllowed, SecurityError, ToolExecutionError
from llmspell.tools.base import Tool, ToolParams, ToolResult
from llmspell.tools.context import ToolContext
from llmspell.tools.fs._archives import Member, contents, entries, escape, unreadable, writer
from llmspell.tools.fs._shared import checked, envelope, need, str_list

MAX_ENTRIES = 10_000
MAX_RATIO = 100
RATIO_FLOOR = 1 << 20  # archives expanding to less than 1 MiB are never bombs
SUFFIXES = [
    (".tar.gz", "tar.gz"),
    (".tgz", "tar.gz"),
    (".tar.bz2", "tar.bz2"),
    (".tbz2", "tar.bz2"),
    (".tar.xz", "tar.xz"),
    (".txz", "tar.xz"),
    (".tar", "tar"),
    (".zip", "zip"),
]
Format = Literal["zip", "tar", "tar.gz", "tgz", "tar.bz2", "tar.xz"]


class Params(ToolParams):
    operation: Literal["list", "extract", "create"] = Field("list", description="what to do")
    path: str = Field(
        validation_alias=AliasChoices("path", "archive", "archive_path"),
        description="the archive file",
    )
    target_path: str | None = Field(
        None,
        validation_alias=AliasChoices("target_path", "output_dir", "destination", "target"),
        description="extract: the folder to extract into (default: next to the archive)",
    )
    input: str | list[str] | None = Field(
        None,
        validation_alias=AliasChoices("input", "files", "sources"),
        description="create: the files and folders to put in the archive",
    )
    format: Format | None = Field(None, description="default: from the archive's extension")
    base_dir: str | None = Field(None, description="create: names are relative to this folder")
    compression_level: int = Field(6, ge=0, le=9, description="create: 0 (none) to 9 (smallest)")
    overwrite: bool = Field(True, description="extract: replace files that exist")


class ArchiveHandler(Tool[Params]):
    name = "archive_handler"
    category = "filesystem"
    description = "Create, list and extract zip, tar, tar.gz and tar.bz2 archives."
    security_level = "restricted"
    tags = ("archive", "zip", "tar", "compress", "extract")
    Params = Params
    example = {"operation": "create", "path": "{tmp}/example.zip", "input": ["{tmp}"]}
    result_keys = {
        "list": "format, files[{name, size, compressed_size, type, is_dir, modified, unsafe}], "
        "file_count, total_size",
        "extract": "extracted_files, file_count, total_size, output_dir, skipped",
        "create": "archive_path, archived_files, file_count, total_size, archive_size, format",
    }
    security_notes = (
        "Archives and every file read or written resolve inside `tools.file_operations."
        "allowed_paths`. Extraction checks every entry before writing anything: absolute "
        "names, `..`, and links pointing outside the target are refused (zip-slip); links are "
        "never created; more than 10,000 entries, a total over `tools.file_operations."
        "max_file_size`, or a compression ratio over 100:1 are refused (archive bombs)."
    )

    def run(self, params: Params, ctx: ToolContext) -> ToolResult:
        if params.operation == "create":
            return self._create(params, ctx)
        data = ctx.read_bytes(params.path)
        kind = _format(params.path, params.format, data)
        with unreadable(params.path, kind):
            return self._read(params, ctx, data, kind)

    def _read(self, params: Params, ctx: ToolContext, data: bytes, kind: str) -> ToolResult:
        members = _scan(data, kind, ctx)
        if params.operation == "list":
            total = sum(m.size for m in members)
            files = [{**m.as_dict(), "unsafe": escape(m)} for m in members]
            result = {"format": kind, "files": files, "file_count": len(files), "total_size": total}
            message = f"Listed {len(files)} files in {kind} archive"
            return envelope("list", message, result, file_path=params.path)
        return self._extract(params, ctx, data, kind, members)

    def _extract(
        self, params: Params, ctx: ToolContext, data: bytes, kind: str, members: list[Member]
    ) -> ToolResult:
        out_raw = params.target_path or _default_target(params.path)
        out = ctx.paths.check(out_raw, "w")
        unsafe = [f"{m.name!r} ({reason})" for m in members if (reason := escape(m))]
        if unsafe:
            raise PathNotAllowed(
                f"archive {params.path!r} has entries that would land outside {out_raw!r}: "
                f"{', '.join(unsafe[:5])}; nothing was extracted (zip-slip protection)"
            )
        plan: dict[str, Path] = {}
        skipped = []
        for m in members:
            if m.kind not in ("file", "directory"):
                skipped.append({"name": m.name, "reason": f"{m.kind} entries are not extracted"})
                continue
            dest = (ctx.check_path if m.kind == "file" else ctx.paths.check)(out / m.name, "w")
            if dest != out and not dest.is_relative_to(out):
                raise PathNotAllowed(
                    f"entry {m.name!r} would be written through a link to {str(dest)!r}, outside "
                    f"{out_raw!r}; nothing was extracted"
                )
            if m.kind == "file" and dest.exists() and not params.overwrite:
                raise ToolExecutionError(f"{str(dest)!r} exists; pass overwrite=true to replace it")
            plan[m.name] = dest
        out.mkdir(parents=True, exist_ok=True)
        written, total = [], 0
        for name, content in contents(data, kind, plan):
            if content is None:
                plan[name].mkdir(parents=True, exist_ok=True)
                continue
            total += len(content)
            ctx.check_size(total, "the extracted content")
            ctx.write_bytes(plan[name], content)
            written.append(name)
        result = {
            "extracted_files": written,
            "file_count": len(written),
            "total_size": total,
            "output_dir": out_raw,
            "skipped": skipped,
        }
        message = f"Extracted {len(written)} files ({total} bytes) to {out_raw}"
        return envelope("extract", message, result, file_path=params.path)

    def _create(self, params: Params, ctx: ToolContext) -> ToolResult:
        sources = str_list(need(self.name, "create", "input", params.input))
        kind = _format(params.path, params.format, None)
        archive = ctx.check_path(params.path, "w")
        base = ctx.paths.check(params.base_dir, "r") if params.base_dir else None
        entries: list[tuple[str, Path | None]] = []  # (name, file) - None for a folder
        for raw in sources:
            root = checked(ctx, raw, "r")
            if not root.exists():
                raise ToolExecutionError(f"no such file or folder: {raw!r}")
            anchor = base or root.parent
            if not root.is_relative_to(anchor):
                raise ToolExecutionError(f"{raw!r} is not inside base_dir {params.base_dir!r}")
            entries.extend(_collect(root, anchor, archive, ctx))
            if len(entries) > MAX_ENTRIES:
                raise SecurityError(f"more than {MAX_ENTRIES:,} entries; archive fewer files")
        buffer, total, names = io.BytesIO(), 0, []
        with writer(buffer, kind, params.compression_level) as add:
            for name, file in entries:
                content = None if file is None else ctx.read_bytes(file)
                total += len(content or b"")
                ctx.check_size(total, "the content to archive")
                add(name, content)
                names.append(name)
        ctx.write_bytes(params.path, buffer.getvalue())
        size = len(buffer.getvalue())
        result = {
            "archive_path": params.path,
            "archived_files": names,
            "file_count": len(names),
            "total_size": total,
            "archive_size": size,
            "format": kind,
            "compression_level": params.compression_level,
        }
        message = f"Created archive with {len(names)} files ({total} bytes)"
        return envelope("create", message, result, file_path=params.path)


def _format(path: str, given: str | None, data: bytes | None) -> str:
    if given:
        return "tar.gz" if given == "tgz" else given
    lower = path.lower()
    for suffix, kind in SUFFIXES:
        if lower.endswith(suffix):
            return kind
    if data is not None and zipfile.is_zipfile(io.BytesIO(data)):
        return "zip"
    if data is not None:
        return "tar"  # tarfile's "r|*" finds the compression itself
    raise ToolExecutionError(
        f"cannot tell the archive format of {path!r}; pass format (zip, tar, tar.gz, tar.bz2)"
    )


def _default_target(path: str) -> str:
    name = Path(path).name
    for suffix, _ in SUFFIXES:
        if name.lower().endswith(suffix):
            return str(Path(path).with_name(name[: -len(suffix)] or "extracted"))
    return str(Path(path).with_name(Path(path).stem + "_extracted"))


def _scan(data: bytes, kind: str, ctx: ToolContext) -> list[Member]:
    """Every entry, refusing bombs as soon as a header shows one (before any data is read)."""
    limit = ctx.config.file_operations.max_file_size
    members: list[Member] = []
    total = 0
    for m in entries(data, kind):
        members.append(m)
        total += m.size
        if len(members) > MAX_ENTRIES:
            raise SecurityError(
                f"archive has more than {MAX_ENTRIES:,} entries; refused as a possible archive bomb"
            )
        if total > limit:
            raise SecurityError(
                f"archive expands to more than {limit:,} bytes, over "
                "`tools.file_operations.max_file_size`; refused as a possible archive bomb"
            )
        if m.compressed is not None and m.size >= RATIO_FLOOR and m.size > m.compressed * MAX_RATIO:
            raise SecurityError(
                f"entry {m.name!r} expands {m.size // max(m.compressed, 1):,}:1 (limit "
                f"{MAX_RATIO}:1); refused as a possible archive bomb"
            )
    if total >= RATIO_FLOOR and total > len(data) * MAX_RATIO:
        raise SecurityError(
            f"archive expands {total // max(len(data), 1):,}:1 (limit {MAX_RATIO}:1); refused as "
            "a possible archive bomb"
        )
    return members


def _collect(root: Path, anchor: Path, archive: Path, ctx: ToolContext) -> list:
    """(name, file or None) for root and everything under it; linked folders not followed."""
    if root.is_file():
        return [] if root == archive else [(root.relative_to(anchor).as_posix(), root)]
    found: list[tuple[str, Path | None]] = [(root.relative_to(anchor).as_posix() + "/", None)]
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not (here / d).is_symlink())
        found.extend(((here / d).relative_to(anchor).as_posix() + "/", None) for d in dirs)
        for name in sorted(files):
            file = ctx.check_path(here / name, "r")
            if file != archive:
                found.append(((here / name).relative_to(anchor).as_posix(), file))
    return found
