"""What the media tools share: sandboxed input files under `tools.media.max_file_size`."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from llmspell.core.errors import ToolExecutionError, ToolParameterError
from llmspell.tools.context import ToolContext

T = TypeVar("T")

MEDIA_SIZE_KEY = "tools.media.max_file_size"


def media_file(ctx: ToolContext, path: str, what: str = "file") -> tuple[Path, int]:
    """The resolved path and size of a readable media file, refused past the media size limit."""
    resolved = ctx.check_path(path, "r")
    if not resolved.exists():
        raise ToolExecutionError(f"no such file: {path!r}")
    if not resolved.is_file():  # a folder, a FIFO or a device would block or make no sense
        raise ToolExecutionError(f"{path!r} is not a regular file; give the path of a {what}")
    size = resolved.stat().st_size
    limit = ctx.config.media.max_file_size
    if size > limit:
        raise ToolExecutionError(
            f"{path!r} is {size:,} bytes, over the {limit:,}-byte limit for media files "
            f"(`{MEDIA_SIZE_KEY}`)"
        )
    return resolved, size


def read_media(ctx: ToolContext, path: str, what: str = "file") -> tuple[Path, bytes]:
    resolved, _ = media_file(ctx, path, what)
    return resolved, resolved.read_bytes()


def require(tool: str, operation: str, name: str, value: T | None) -> T:
    """`value`, or a ToolParameterError saying `operation` needs parameter `name`."""
    if value is None or value == "" or value == []:
        raise ToolParameterError(
            f"Tool '{tool}': parameter '{name}' is required for operation '{operation}'"
        )
    return value


def media_timeout(ctx: ToolContext) -> tuple[float, str]:
    """Seconds one media operation may take, and the config key that set them."""
    media = float(ctx.config.media.processing_timeout_seconds)
    if ctx.timeout < media:
        return ctx.timeout, "tools.timeout_seconds"
    return media, "tools.media.processing_timeout_seconds"


def max_dimensions(ctx: ToolContext) -> tuple[int, int] | None:
    """`tools.media.image_max_dimensions` as (width, height), or None when unset."""
    raw = ctx.config.media.image_max_dimensions
    if not raw:
        return None
    width, _, height = raw.lower().partition("x")
    return int(width), int(height)
