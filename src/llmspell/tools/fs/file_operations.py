"""file_operations: read, write, append, delete, copy, move, mkdir, list, exists, metadata."""

from __future__ import annotations

import os
import shutil
import stat
from typing import Any, Literal

from pydantic import AliasChoices, Field

from llmspell.core.errors import PathNotAllowed, ToolExecutionError
from llmspell.tools.base import Tool, ToolParams, ToolResult
from llmspell.tools.context import ToolContext
from llmspell.tools.fs._shared import (
    checked,
    copy_tree,
    depth_limit,
    envelope,
    iso,
    kind_of,
    list_tree,
    need,
    own_path,
)

# fmt: off
ALIASES = {
    "create_dir": "mkdir", "list_dir": "list", "ls": "list", "dir": "list", "cp": "copy",
    "mv": "move", "rename": "move", "stat": "metadata", "info": "metadata", "remove": "delete",
    "rm": "delete",
}
Operation = Literal[
    "read", "write", "append", "delete", "remove", "rm", "copy", "cp", "move", "mv", "rename",
    "mkdir", "create_dir", "list", "list_dir", "ls", "dir", "exists", "metadata", "stat", "info",
]
# fmt: on


class Params(ToolParams):
    operation: Operation = Field(
        "read",
        description="what to do; aliases: mkdir = create_dir, list = list_dir/ls/dir, copy = cp, "
        "move = mv/rename, metadata = stat/info, delete = remove/rm",
    )
    path: str | None = Field(
        None, validation_alias=AliasChoices("path", "file_path"), description="the file or folder"
    )
    input: str | bytes | None = Field(
        None,
        validation_alias=AliasChoices("input", "content", "text", "data"),
        description="for write/append: the content",
    )
    source_path: str | None = Field(
        None,
        validation_alias=AliasChoices("source_path", "source", "from"),
        description="for copy/move: the source",
    )
    target_path: str | None = Field(
        None,
        validation_alias=AliasChoices("target_path", "target", "destination", "to"),
        description="for copy/move: the destination",
    )
    recursive: bool = Field(
        False, description="mkdir: create parents; list: descend; delete/copy: whole folders"
    )
    encoding: str | None = Field(
        None,
        description="text encoding for read/write (default: UTF-8; a read of a file that "
        "is not UTF-8 returns its bytes)",
    )
    overwrite: bool = Field(True, description="copy/move: replace an existing target")
    max_depth: int | None = Field(
        None,
        ge=0,
        description="list with recursive: deepest level (capped by "
        "`tools.file_operations.max_depth`)",
    )


class FileOperations(Tool[Params]):
    name = "file_operations"
    category = "filesystem"
    description = (
        "Read, write, append, delete, copy, move, list and inspect files inside the allowed paths."
    )
    security_level = "privileged"
    tags = ("file", "filesystem", "read", "write", "directory")
    Params = Params
    example = {"operation": "write", "path": "{tmp}/example.txt", "input": "hello"}
    result_keys = {
        "read": "path, text (the content; bytes when not UTF-8), size, encoding, binary",
        "write": "path, bytes_written",
        "append": "path, appended_size, size",
        "delete": "path, deleted, type",
        "copy/move": "source, target, size",
        "create_dir": "path, recursive, created",
        "list_dir": "path, entries[{name, path, type, size, modified}], count, truncated",
        "exists": "path, exists, type",
        "metadata": "path, type, size, permissions, mode, readonly, is_symlink, created, "
        "modified, accessed",
    }
    security_notes = (
        "Every path is resolved (`..` and symlinks followed) and must lie inside "
        "`tools.file_operations.allowed_paths`; blocked extensions are refused; reads and writes "
        "are capped by `tools.file_operations.max_file_size`; writes are atomic when "
        "`tools.file_operations.atomic_writes` is on. An allowed root itself cannot be deleted "
        "or moved."
    )

    def run(self, params: Params, ctx: ToolContext) -> ToolResult:
        op = ALIASES.get(params.operation, params.operation)
        if op in ("copy", "move"):
            source = need(self.name, op, "source_path", params.source_path or params.path)
            target = need(self.name, op, "target_path", params.target_path)
            return self._copy_or_move(op, source, target, params, ctx)
        path = need(self.name, op, "path", params.path)
        return getattr(self, f"_{op}")(path, params, ctx)

    # Content -------------------------------------------------------------------------------

    def _read(self, raw: str, params: Params, ctx: ToolContext) -> ToolResult:
        path = ctx.check_path(raw, "r")
        if path.is_dir():
            raise ToolExecutionError(f"{raw!r} is a folder; use operation 'list' to read it")
        if path.exists() and not path.is_file():
            raise ToolExecutionError(f"{raw!r} is not a regular file (a device or pipe)")
        data = ctx.read_bytes(raw)
        content: str | bytes
        try:
            content = data.decode(params.encoding or "utf-8")
            encoding, binary = params.encoding or "utf-8", False
        except UnicodeDecodeError:
            if params.encoding:
                raise ToolExecutionError(
                    f"{raw!r} is not valid {params.encoding} text; leave out 'encoding' to get "
                    "its bytes"
                ) from None
            content, encoding, binary = data, None, True
        info = {"path": raw, "size": len(data), "encoding": encoding, "binary": binary}
        message = f"Read {len(data)} bytes from {raw}"
        result = {**info, "text": content}
        return envelope("read", message, result, text=content, response_result=info, file_path=raw)

    def _encode(self, op: str, params: Params) -> bytes:
        content = need(self.name, op, "input", params.input)
        if isinstance(content, bytes):
            return content
        return content.encode(params.encoding or "utf-8")

    def _write(self, raw: str, params: Params, ctx: ToolContext) -> ToolResult:
        data = self._encode("write", params)
        ctx.write_bytes(raw, data)
        result = {"path": raw, "bytes_written": len(data)}
        return envelope("write", f"Wrote {len(data)} bytes to {raw}", result, file_path=raw)

    def _append(self, raw: str, params: Params, ctx: ToolContext) -> ToolResult:
        data = self._encode("append", params)
        target = ctx.check_path(raw, "w")
        existing = target.stat().st_size if target.is_file() else 0
        ctx.check_size(existing + len(data), "the file after appending")
        ctx.write_bytes(raw, data, append=True)
        result = {"path": raw, "appended_size": len(data), "size": existing + len(data)}
        return envelope("append", f"Appended {len(data)} bytes to {raw}", result, file_path=raw)

    # Entries -------------------------------------------------------------------------------

    def _delete(self, raw: str, params: Params, ctx: ToolContext) -> ToolResult:
        self._not_a_root(raw, "delete", ctx)
        own = own_path(ctx, raw, "w")
        if not own.is_symlink():
            own = checked(ctx, raw, "w")
        if not own.exists() and not own.is_symlink():
            raise ToolExecutionError(f"no such file or folder: {raw!r}")
        kind = kind_of(own)
        if kind == "directory":
            if params.recursive:
                shutil.rmtree(own)
            elif any(own.iterdir()):
                raise ToolExecutionError(
                    f"folder {raw!r} is not empty; pass recursive=true to delete it and its content"
                )
            else:
                own.rmdir()
        else:
            own.unlink()
        result = {"path": raw, "deleted": True, "type": kind}
        label = "folder" if kind == "directory" else "file"
        return envelope("delete", f"Deleted {label}: {raw}", result, file_path=raw)

    def _mkdir(self, raw: str, params: Params, ctx: ToolContext) -> ToolResult:
        path = ctx.paths.check(raw, "w")
        existed = path.is_dir()
        if not params.recursive and not path.parent.is_dir():
            raise ToolExecutionError(
                f"parent folder of {raw!r} does not exist; pass recursive=true to create it"
            )
        path.mkdir(parents=params.recursive, exist_ok=True)
        result = {"path": raw, "recursive": params.recursive, "created": not existed}
        return envelope("create_dir", f"Created directory: {raw}", result, file_path=raw)

    def _list(self, raw: str, params: Params, ctx: ToolContext) -> ToolResult:
        root = checked(ctx, raw, "r")
        if not root.is_dir():
            raise ToolExecutionError(f"{raw!r} is not a folder")
        limit = depth_limit(ctx, params.max_depth) if params.recursive else 0
        entries: list[dict[str, Any]] = []
        truncated = list_tree(root, root, 0, limit, entries)
        result = {"path": raw, "entries": entries, "count": len(entries), "truncated": truncated}
        message = f"Found {len(entries)} entries in {raw}" + (" (truncated)" if truncated else "")
        return envelope("list_dir", message, result, file_path=raw)

    def _exists(self, raw: str, params: Params, ctx: ToolContext) -> ToolResult:
        path = checked(ctx, raw, "r")
        found = path.exists()
        result = {"path": raw, "exists": found, "type": kind_of(path) if found else None}
        message = f"Path {raw} {'exists' if found else 'does not exist'}"
        return envelope("exists", message, result, file_path=raw)

    def _metadata(self, raw: str, params: Params, ctx: ToolContext) -> ToolResult:
        path = checked(ctx, raw, "r")
        if not path.exists():
            raise ToolExecutionError(f"no such file or folder: {raw!r}")
        info = path.stat()
        own = own_path(ctx, raw, "r")
        result = {
            "path": raw,
            "resolved_path": str(path),
            "type": kind_of(path),
            "size": info.st_size,
            "permissions": f"{stat.S_IMODE(info.st_mode):04o}",
            "mode": stat.filemode(info.st_mode),
            "readonly": not os.access(path, os.W_OK),
            "is_symlink": own.is_symlink(),
            "created": iso(getattr(info, "st_birthtime", info.st_ctime)),
            "modified": iso(info.st_mtime),
            "accessed": iso(info.st_atime),
        }
        return envelope("metadata", f"Retrieved metadata for {raw}", result, file_path=raw)

    # Copy and move -------------------------------------------------------------------------

    def _copy_or_move(
        self, op: str, source: str, target: str, params: Params, ctx: ToolContext
    ) -> ToolResult:
        if op == "move":
            self._not_a_root(source, "move", ctx)
        src = checked(ctx, source, "r" if op == "copy" else "w")
        if not src.exists():
            raise ToolExecutionError(f"no such file or folder: {source!r}")
        own = own_path(ctx, source, "w") if op == "move" else src
        moving = own if own.is_symlink() else src
        dst = checked(ctx, target, "w")
        if dst.is_dir() and not src.is_dir():
            dst = ctx.check_path(dst / moving.name, "w")
        if dst.exists() and not params.overwrite:
            raise ToolExecutionError(f"{target!r} exists; pass overwrite=true to replace it")
        if dst == src or dst.is_relative_to(src):
            raise ToolExecutionError(f"cannot {op} {source!r} into itself")
        size = 0
        if op == "move":
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(moving, dst)
            size = dst.stat().st_size if dst.is_file() else 0
        elif src.is_dir():
            if not params.recursive:
                raise ToolExecutionError(f"{source!r} is a folder; pass recursive=true to copy it")
            size = copy_tree(src, dst, ctx)
        else:
            data = ctx.read_bytes(src)
            ctx.write_bytes(dst, data)
            size = len(data)
        verb = "Copied" if op == "copy" else "Moved"
        result = {"source": source, "target": target, "size": size}
        return envelope(op, f"{verb} {source} to {target}", result)

    @staticmethod
    def _not_a_root(raw: str, verb: str, ctx: ToolContext) -> None:
        path = (ctx.base / os.path.expanduser(raw)).resolve()
        if path in ctx.paths.write_roots:
            raise PathNotAllowed(
                f"refusing to {verb} {str(path)!r}: it is a root of "
                "`tools.file_operations.allowed_paths`"
            )
