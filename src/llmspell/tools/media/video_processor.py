"""video_processor: video metadata through `ffprobe`, frames and thumbnails through `ffmpeg`."""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field

from llmspell.core.errors import ToolExecutionError, ToolParameterError
from llmspell.tools.base import Tool, ToolParams, ToolResult
from llmspell.tools.context import ToolContext
from llmspell.tools.media._ffmpeg import fps, number, run_program, stream_summary
from llmspell.tools.media._files import media_file, require

NAME = "video_processor"
_IMAGE_OUTPUTS = ("jpg", "jpeg", "png", "webp", "bmp")


class Params(ToolParams):
    operation: Literal["metadata", "detect", "thumbnail", "extract_frame"] = Field(
        "metadata",
        description="metadata (ffprobe), detect (header only), thumbnail or "
        "extract_frame (ffmpeg; write target_path)",
    )
    file_path: str | None = Field(
        None,
        validation_alias=AliasChoices("file_path", "source_path", "input", "path"),
        description="the video file (aliases: source_path, input, path)",
    )
    target_path: str | None = Field(
        None,
        validation_alias=AliasChoices("target_path", "output_path", "output"),
        description="thumbnail/extract_frame: the image to write (.jpg, .png, .webp or .bmp)",
    )
    timestamp_seconds: float | None = Field(
        None,
        ge=0,
        validation_alias=AliasChoices("timestamp_seconds", "timestamp", "time"),
        description="where to take the frame, in seconds (extract_frame default 0; thumbnail "
        "default: a representative frame near the start)",
    )
    max_width: int = Field(320, gt=0, le=8192, description="thumbnail: largest width")
    max_height: int = Field(320, gt=0, le=8192, description="thumbnail: largest height")


def sniff_container(head: bytes) -> tuple[str, str] | None:
    """(short format name, ffmpeg demuxer) for the containers this tool accepts, else None."""
    if head[4:8] == b"ftyp":
        return ("mov" if head[8:12] == b"qt  " else "mp4"), "mov"
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free"):
        return "mov", "mov"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return ("webm" if b"webm" in head[:64] else "mkv"), "matroska"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi", "avi"
    if head[:3] == b"FLV":
        return "flv", "flv"
    if head[:4] == b"\x30\x26\xb2\x75":
        return "wmv", "asf"
    if head[:4] == b"OggS":
        return "ogv", "ogg"
    if head[:4] == b"\x00\x00\x01\xba":
        return "mpeg", "mpeg"
    if len(head) > 188 and head[0] == 0x47 and head[188] == 0x47:
        return "ts", "mpegts"
    return None


class VideoProcessor(Tool[Params]):
    name = NAME
    category = "media"
    description = (
        "Video metadata (duration, resolution, codecs, streams) via ffprobe, and frame "
        "extraction or thumbnails via ffmpeg (both must be installed)."
    )
    tags = ("video", "media", "ffmpeg", "thumbnail", "frame")
    Params = Params
    result_keys = {
        "metadata": "file_path, format, format_name, duration_seconds, width, height, "
        "resolution, fps, video_codec, audio_codec, has_audio, bit_rate, file_size, "
        "streams[{index, codec_type, codec_name, ...}], tags, metadata (same)",
        "detect": "file_path, format, supported",
        "thumbnail/extract_frame": "file_path, video_path, target_path, timestamp_seconds, "
        "width, height, file_size",
    }
    security_notes = (
        "Reads and writes only inside `tools.file_operations.allowed_paths`; inputs are capped at "
        "`tools.media.max_file_size`. Only known video containers (MP4/MOV, MKV/WebM, AVI, FLV, "
        "WMV, Ogg, MPEG-PS/TS, recognised by their first bytes) reach ffmpeg, which runs "
        "directly (no shell) with that demuxer forced and only the `file` protocol allowed, so "
        "playlists cannot pull in other files or URLs; each run is limited by "
        "`tools.media.processing_timeout_seconds` (or a lower `tools.timeout_seconds`). Frames "
        "are written to a temporary folder, then copied to target_path through the sandbox."
    )

    def run(self, params: Params, ctx: ToolContext) -> ToolResult:
        op = params.operation
        source = require(NAME, op, "file_path", params.file_path)
        resolved, size = media_file(ctx, source, "video")
        with resolved.open("rb") as handle:
            container = sniff_container(handle.read(192))
        if op == "detect":
            fmt = container[0] if container else "unknown"
            result = {"file_path": source, "format": fmt, "supported": container is not None}
            return ToolResult.ok(f"Detected video format: {fmt}", result, operation=op)
        if container is None:
            raise ToolExecutionError(
                f"{source!r} is not a video container video_processor accepts (MP4/MOV, "
                "MKV/WebM, AVI, FLV, WMV, Ogg, MPEG-PS, MPEG-TS)"
            )
        source_args = ["-protocol_whitelist", "file", "-f", container[1]]
        if op == "metadata":
            return self._metadata(source, resolved, size, container[0], source_args, ctx)
        return self._frame(params, source, resolved, source_args, ctx)

    @staticmethod
    def _metadata(
        source: str, resolved: Path, size: int, fmt: str, source_args: list[str], ctx: ToolContext
    ) -> ToolResult:
        argv = ["-v", "error", "-print_format", "json", "-show_format", "-show_streams"]
        out = run_program(ctx, "ffprobe", [*argv, *source_args, f"file:{resolved}"])
        probe = json.loads(out or "{}")
        form, streams = probe.get("format", {}), probe.get("streams", [])
        video = next((s for s in streams if s.get("codec_type") == "video"), {})
        audio = next((s for s in streams if s.get("codec_type") == "audio"), {})
        w, h = video.get("width"), video.get("height")
        summary: dict[str, Any] = {
            "format": fmt,
            "format_name": form.get("format_name"),
            "duration_seconds": number(form.get("duration") or video.get("duration")),
            "width": w,
            "height": h,
            "resolution": f"{w}x{h}" if w and h else None,
            "fps": fps(video.get("avg_frame_rate") or video.get("r_frame_rate")),
            "video_codec": video.get("codec_name"),
            "audio_codec": audio.get("codec_name"),
            "has_video": bool(video),
            "has_audio": bool(audio),
            "bit_rate": number(form.get("bit_rate"), int),
            "file_size": size,
            "streams": [stream_summary(s) for s in streams],
            "tags": form.get("tags", {}),
        }
        text = f"Video file: {fmt}, {summary['resolution'] or 'no video stream'}"
        if summary["duration_seconds"] is not None:
            text += f", Duration: {summary['duration_seconds']:.2f}s"
        text += f", Size: {size} bytes"
        result = {"file_path": source, **summary, "metadata": summary}
        return ToolResult.ok(text, result, operation="metadata")

    @staticmethod
    def _frame(
        params: Params, source: str, resolved: Path, source_args: list[str], ctx: ToolContext
    ) -> ToolResult:
        op = params.operation
        target = require(NAME, op, "target_path", params.target_path)
        ext = Path(target).suffix.lower().lstrip(".")
        if ext not in _IMAGE_OUTPUTS:
            raise ToolParameterError(
                f"Tool '{NAME}': parameter 'target_path' must end in .jpg, .jpeg, .png, .webp "
                f"or .bmp (got {target!r})"
            )
        ctx.check_path(target, "w")
        at = params.timestamp_seconds
        argv = ["-nostdin", "-hide_banner", "-loglevel", "error"]
        if at is not None:
            argv += ["-ss", f"{at:.3f}"]
        argv += [*source_args, "-i", f"file:{resolved}", "-frames:v", "1", "-an"]
        if op == "thumbnail":
            fit = f"scale=w={params.max_width}:h={params.max_height}"
            fit += ":force_original_aspect_ratio=decrease"
            argv += ["-vf", fit if at is not None else f"{fit},thumbnail=50"]
        quality = ctx.config.media.video_quality
        if quality and ext in ("jpg", "jpeg"):
            argv += ["-q:v", str(round(31 - (quality - 1) * 29 / 99))]
        with tempfile.TemporaryDirectory(prefix="llmspell-frame-") as tmp:
            out = Path(tmp) / f"frame.{ext}"
            run_program(ctx, "ffmpeg", [*argv, "-y", f"file:{out}"])
            if not out.exists() or out.stat().st_size == 0:
                raise ToolExecutionError(
                    f"ffmpeg found no frame at {at or 0:g} s in {source!r}; is the timestamp "
                    "past the end of the video?"
                )
            data = out.read_bytes()
        path = ctx.write_bytes(target, data)
        from PIL import Image

        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size
        result = {
            "file_path": source,
            "video_path": source,
            "target_path": str(path),
            "timestamp_seconds": at,
            "width": width,
            "height": height,
            "file_size": len(data),
        }
        text = (
            f"{op}: {source} at {at if at is not None else 'auto'} s -> {path} ({width}x{height})"
        )
        return ToolResult.ok(text, result, operation=op)
