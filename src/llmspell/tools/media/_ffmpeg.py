"""The ffmpeg edge: find `ffmpeg`/`ffprobe`, run them bounded, read ffprobe's numbers."""

from __future__ import annotations

import os
import shutil
import subprocess
from fractions import Fraction
from typing import Any

from llmspell.core.errors import ToolExecutionError
from llmspell.tools.context import ToolContext
from llmspell.tools.media._files import media_timeout

_INSTALL = (
    "Install FFmpeg (it provides both): `apt-get install ffmpeg` on Debian/Ubuntu, "
    "`brew install ffmpeg` on macOS, or see https://ffmpeg.org/download.html."
)


def find_program(program: str) -> str:
    found = shutil.which(program)
    if found is None:
        raise ToolExecutionError(
            f"video_processor needs `{program}`, which is not installed (not found on PATH). "
            + _INSTALL
        )
    return found


def run_program(ctx: ToolContext, program: str, args: list[str]) -> str:
    """Run ffmpeg/ffprobe directly, bounded by the media timeout and the output cap."""
    argv = [find_program(program), *args]
    env = {k: v for k, v in os.environ.items() if k in ctx.config.system.allowed_env_vars}
    limit, key = media_timeout(ctx)
    try:
        proc = subprocess.run(
            argv,
            capture_output=True,
            timeout=limit,
            env=env,
            stdin=subprocess.DEVNULL,
            check=False,
            shell=False,
        )
    except subprocess.TimeoutExpired:
        raise ToolExecutionError(
            f"`{program}` took longer than {limit:g} s and was stopped (`{key}`)"
        ) from None
    if proc.returncode != 0:
        tail = proc.stderr.decode(errors="replace").strip()[-600:]
        raise ToolExecutionError(f"`{program}` failed (exit {proc.returncode}): {tail}")
    if len(proc.stdout) > ctx.config.system.max_output_size:
        raise ToolExecutionError(
            f"`{program}` printed more than `tools.system.max_output_size` bytes"
        )
    return proc.stdout.decode(errors="replace")


def number(value: Any, kind: type = float) -> Any:
    try:
        return kind(float(value)) if value not in (None, "N/A") else None
    except (TypeError, ValueError):
        return None


def fps(rate: str | None) -> float | None:
    try:
        value = Fraction(rate) if rate else None
    except (ValueError, ZeroDivisionError):
        return None
    return round(float(value), 3) if value else None


def stream_summary(s: dict[str, Any]) -> dict[str, Any]:
    keys = ("index", "codec_type", "codec_name", "width", "height", "channels")
    out = {k: s[k] for k in keys if k in s}
    if "sample_rate" in s:
        out["sample_rate"] = number(s["sample_rate"], int)
    if s.get("codec_type") == "video":
        out["fps"] = fps(s.get("avg_frame_rate") or s.get("r_frame_rate"))
    out["duration_seconds"] = number(s.get("duration"))
    return out
