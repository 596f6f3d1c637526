"""Helpers the file tools share: the (B) result shape, the path of a link itself, timestamps."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from llmspell.core.errors import ToolParameterError
from llmspell.tools.base import ToolResult
from llmspell.tools.context import ToolContext

MAX_DIR_ENTRIES = 10_000


def envelope(
    operation: str,
    message: str,
    result: Any,
    *,
    text: Any = None,
    response_result: Any = None,
    file_path: str | None = None,
) -> ToolResult:
    """Shape (B): `text` is the message (or a read's content), the envelope sits in
    `metadata.response` as the original had it, and `operation` is on top for scripts."""
    out = ToolResult.ok(message if text is None else text, result, operation=operation)
    response: dict[str, Any] = {
        "operation": operation,
        "success": True,
        "message": message,
        "result": result if response_result is None else response_result,
    }
    if file_path is not None:
        response["metadata"] = {"file_path": file_path}
    out.metadata["operation"] = operation
    out.metadata["response"] = response
    return out


def need(tool: str, operation: str, name: str, value: Any) -> Any:
    """The value, or a ToolParameterError naming the parameter an operation needs."""
    if value is None:
        raise ToolParameterError(f"Tool '{tool}': operation '{operation}' needs parameter '{name}'")
    return value


def checked(ctx: ToolContext, raw: str | os.PathLike[str], mode: str) -> Path:
    """`ctx.check_path`, except that an existing folder skips the extension rules."""
    resolved = ctx.paths.check(raw, mode)
    return resolved if resolved.is_dir() else ctx.check_path(raw, mode)


def own_path(ctx: ToolContext, raw: str, mode: str) -> Path:
    """The path of the entry itself (a link stays a link), its folder checked like any path.

    `ctx.check_path` follows links; deleting, moving or describing a link must act on the link,
    whose folder is resolved and checked here.
    """
    path = Path(os.path.expanduser(raw))
    if not path.is_absolute():
        path = ctx.base / path
    if path.name in ("", ".", ".."):
        return checked(ctx, path, mode)
    return ctx.paths.check(path.parent, mode) / path.name


def iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, tz=UTC).isoformat()


def str_list(value: str | list[str] | None) -> list[str]:
    """`"a, b"` or `["a", "b"]` -> `["a", "b"]` (empty items dropped)."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else value
    return [item.strip() for item in items if item and item.strip()]


def depth_limit(ctx: ToolContext, requested: int | None) -> int | None:
    """The requested depth (None: no request) capped by `tools.file_operations.max_depth`."""
    ceiling = ctx.config.file_operations.max_depth
    if requested is None:
        return ceiling
    return requested if ceiling is None else min(requested, ceiling)


def copy_tree(src: Path, dst: Path, ctx: ToolContext) -> int:
    """Copy a folder file by file through ctx (links to folders are not followed)."""
    total = 0
    for folder, dirs, files in os.walk(src):
        rel = Path(folder).relative_to(src)
        ctx.paths.check(dst / rel, "w").mkdir(parents=True, exist_ok=True)
        dirs[:] = [d for d in dirs if not (Path(folder) / d).is_symlink()]
        for name in files:
            data = ctx.read_bytes(Path(folder) / name)
            total += len(data)
            ctx.check_size(total, "the folder being copied")
            ctx.write_bytes(dst / rel / name, data)
    return total


def kind_of(path: Path) -> str:
    if path.is_symlink():
        return "symlink"
    if path.is_dir():
        return "directory"
    return "file" if path.is_file() else "other"


def list_tree(
    root: Path, folder: Path, depth: int, limit: int | None, out: list[dict[str, Any]]
) -> bool:
    """Entries of `folder` (and below, to `limit`) into `out`; True when cut at the cap."""
    with os.scandir(folder) as scan:
        items = sorted(scan, key=lambda e: e.name)
    for entry in items:
        if len(out) >= MAX_DIR_ENTRIES:
            return True
        info = entry.stat(follow_symlinks=False)
        if entry.is_symlink():
            kind = "symlink"
        else:
            kind = "directory" if entry.is_dir(follow_symlinks=False) else "file"
        path = Path(entry.path)
        out.append(
            {
                "name": str(path.relative_to(root)),
                "path": str(path),
                "type": kind,
                "size": info.st_size,
                "modified": iso(info.st_mtime),
            }
        )
        deeper = kind == "directory" and (limit is None or depth < limit)
        if deeper and list_tree(root, path, depth + 1, limit, out):
            return True
    return False
