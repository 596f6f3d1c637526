"""audio_processor: audio metadata (WAV, MP3, FLAC, Ogg, M4A) and WAV editing in pure Python."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field

from llmspell.core.errors import ToolExecutionError, ToolParameterError
from llmspell.tools.base import Tool, ToolParams, ToolResult
from llmspell.tools.context import ToolContext
from llmspell.tools.media import _pcm
from llmspell.tools.media._audio_sniff import EXTENSIONS, detect_format, header_metadata
from llmspell.tools.media._files import media_timeout, read_media, require

NAME = "audio_processor"
MAX_PARTS = 1000


Operation = Literal[
    "metadata", "detect", "trim", "concatenate", "volume", "to_mono", "resample", "split", "convert"
]


class Params(ToolParams):
    operation: Operation = Field(
        "metadata", description="metadata/detect read any audio; the others edit WAV files"
    )
    file_path: str | None = Field(
        None,
        validation_alias=AliasChoices("file_path", "source_path", "input", "path"),
        description="the audio file to read (aliases: source_path, input, path)",
    )
    file_paths: list[str] | None = Field(
        None,
        validation_alias=AliasChoices("file_paths", "inputs", "sources"),
        description="concatenate: the WAV files to join, in order",
    )
    target_path: str | None = Field(
        None,
        validation_alias=AliasChoices("target_path", "output_path", "output"),
        description="where to write the resulting WAV file",
    )
    target_dir: str | None = Field(
        None, description="split: folder for the parts (default: the source's folder)"
    )
    start: float = Field(
        0.0,
        ge=0,
        validation_alias=AliasChoices("start", "start_seconds"),
        description="trim: start, in seconds (alias start_seconds)",
    )
    end: float | None = Field(
        None,
        gt=0,
        validation_alias=AliasChoices("end", "end_seconds"),
        description="trim: end, in seconds (alias end_seconds; default: the end of the file)",
    )
    factor: float | None = Field(None, gt=0, description="volume: multiply samples by this")
    gain_db: float | None = Field(None, description="volume: change by this many decibels")
    sample_rate: int | None = Field(
        None,
        ge=1,
        le=384000,
        description="resample/convert: new rate in Hz (default `tools.media.audio_sample_rate`)",
    )
    sample_width: Literal[1, 2, 3, 4] | None = Field(
        None, description="convert: bytes per sample (1=8-bit, 2=16-bit, 3=24-bit, 4=32-bit)"
    )
    channels: Literal[1] | None = Field(None, description="convert: 1 to mix down to mono")
    chunk_seconds: float | None = Field(None, gt=0, description="split: length of each part")
    target_format: str | None = Field(
        None, description="output format; only 'wav' (this tool writes WAV only)"
    )


class AudioProcessor(Tool[Params]):
    name = NAME
    category = "media"
    description = (
        "Audio metadata (WAV, MP3, FLAC, Ogg, M4A) and WAV editing: trim, concatenate, volume, "
        "mono, resample, split, convert."
    )
    tags = ("audio", "media", "wav", "mp3", "metadata")
    Params = Params
    result_keys = {
        "metadata": "file_path, format, file_size, duration_seconds, sample_rate, channels, "
        "bit_rate, (WAV) sample_width, bits_per_sample, frames, (tags) title, artist, album, "
        "year, metadata (same)",
        "detect": "file_path, format, supported",
        "WAV operations": "target_path, channels, sample_rate, sample_width, frames, "
        "duration_seconds (split: files[{path, start, end}], count)",
    }
    security_notes = (
        "Reads and writes only inside `tools.file_operations.allowed_paths`; inputs are capped at "
        "`tools.media.max_file_size`, outputs at `tools.file_operations.max_file_size`, sample "
        "processing at `tools.media.processing_timeout_seconds` (or a lower "
        f"`tools.timeout_seconds`); split writes at most {MAX_PARTS} parts."
    )

    def run(self, params: Params, ctx: ToolContext) -> ToolResult:
        op = params.operation
        if op == "concatenate":
            return self._concatenate(params, ctx)
        source = require(NAME, op, "file_path", params.file_path)
        if op in ("metadata", "detect"):
            return self._describe(source, op, ctx)
        clip = _read_wav(ctx, source)
        if op == "split":
            return self._split(source, clip, params, ctx)
        target = _wav_target(params)
        deadline = _pcm.Deadline(*media_timeout(ctx))
        extra: dict[str, Any] = {}
        out = self._edit(clip, params, ctx, deadline, extra)
        return _written(ctx, op, source, target, out, extra)

    @staticmethod
    def _edit(
        clip: _pcm.Clip,
        params: Params,
        ctx: ToolContext,
        deadline: _pcm.Deadline,
        extra: dict[str, Any],
    ) -> _pcm.Clip:
        op = params.operation
        if op == "trim":
            end = min(params.end if params.end is not None else clip.duration, clip.duration)
            if params.start >= end:
                raise ToolExecutionError(
                    f"trim: start {params.start} s is not before end {end} s "
                    f"(the file is {clip.duration:.3f} s long)"
                )
            extra.update(start=params.start, end=end)
            return clip.slice(params.start, end)
        if op == "volume":
            if (params.factor is None) == (params.gain_db is None):
                raise ToolParameterError(
                    f"Tool '{NAME}': operation 'volume' needs exactly one of 'factor', 'gain_db'"
                )
            factor = params.factor or 10 ** ((params.gain_db or 0.0) / 20)
            out, clipped = _pcm.scale(clip, factor, deadline)
            extra.update(factor=round(factor, 6), clipped_samples=clipped)
            return out
        if op == "to_mono":
            return _pcm.to_mono(clip, deadline)
        if op == "resample":
            rate = params.sample_rate or ctx.config.media.audio_sample_rate
            rate = require(NAME, op, "sample_rate", rate)
            extra["original_sample_rate"] = clip.rate
            _check_output(ctx, clip, rate=rate)
            return _pcm.resample(clip, rate, deadline)
        rate = params.sample_rate or ctx.config.media.audio_sample_rate
        _check_output(ctx, clip, channels=params.channels, width=params.sample_width, rate=rate)
        out = _pcm.to_mono(clip, deadline) if params.channels == 1 else clip
        if params.sample_width and params.sample_width != out.width:
            out = _pcm.rewidth(out, params.sample_width, deadline)
        if rate and rate != out.rate:
            out = _pcm.resample(out, rate, deadline)
        extra["target_format"] = "wav"
        return out

    def _concatenate(self, params: Params, ctx: ToolContext) -> ToolResult:
        sources = [*([params.file_path] if params.file_path else []), *(params.file_paths or [])]
        if len(sources) < 2:
            raise ToolParameterError(
                f"Tool '{NAME}': operation 'concatenate' needs 'file_paths' with at least two files"
            )
        target = _wav_target(params)
        clips = [_read_wav(ctx, s) for s in sources]
        first = clips[0]
        for source, clip in zip(sources[1:], clips[1:], strict=True):
            if clip.shape != first.shape:
                raise ToolExecutionError(
                    f"cannot concatenate {source!r} ({_pcm.describe(clip)}) after {sources[0]!r} "
                    f"({_pcm.describe(first)}); resample or convert them to one format first"
                )
        ctx.check_size(sum(len(c.frames) for c in clips), "the joined audio")
        out = _pcm.Clip(first.channels, first.width, first.rate, b"".join(c.frames for c in clips))
        return _written(ctx, "concatenate", sources, target, out, {"count": len(clips)})

    @staticmethod
    def _split(source: str, clip: _pcm.Clip, params: Params, ctx: ToolContext) -> ToolResult:
        step = require(NAME, "split", "chunk_seconds", params.chunk_seconds)
        count = max(1, -int(-clip.duration // step))
        if count > MAX_PARTS:
            raise ToolExecutionError(
                f"split: {count} parts of {step} s is more than {MAX_PARTS}; use longer chunks"
            )
        folder = Path(params.target_dir) if params.target_dir else Path(source).parent
        files = []
        for index in range(count):
            start, end = index * step, min((index + 1) * step, clip.duration)
            path = ctx.write_bytes(
                folder / f"{Path(source).stem}_part{index + 1:03d}.wav",
                _pcm.to_wav(clip.slice(start, end)),
            )
            files.append({"path": str(path), "start": round(start, 6), "end": round(end, 6)})
        result = {"source_path": source, "files": files, "count": count, "chunk_seconds": step}
        return ToolResult.ok(f"Split {source} into {count} parts", result, operation="split")

    @staticmethod
    def _describe(source: str, op: str, ctx: ToolContext) -> ToolResult:
        resolved, data = read_media(ctx, source, "audio file")
        fmt = detect_format(data, resolved.suffix)
        if op == "detect":
            result = {"file_path": source, "format": fmt, "supported": fmt != "unknown"}
            return ToolResult.ok(f"Detected audio format: {fmt}", result, operation="detect")
        info: dict[str, Any] = {"format": fmt, "file_size": len(data)}
        info.update(_wav_info(data) if fmt == "wav" else header_metadata(fmt, data))
        if "duration_seconds" in info:
            info["duration_seconds"] = round(info["duration_seconds"], 6)
        text = f"Audio file: {fmt}" + "".join(
            f", {label}: {info[key]}{unit}"
            for key, label, unit in (
                ("duration_seconds", "Duration", "s"),
                ("sample_rate", "Sample rate", "Hz"),
                ("channels", "Channels", ""),
            )
            if info.get(key) is not None
        )
        result = {"file_path": source, **info, "metadata": info}
        return ToolResult.ok(text, result, operation="metadata")


def _wav_info(data: bytes) -> dict[str, Any]:
    try:
        clip = _pcm.parse_wav(data)
    except ToolExecutionError as exc:
        return {"note": str(exc)}
    return {**_pcm.summary(clip), "bit_rate": clip.rate * clip.channels * clip.width * 8}


def _check_output(
    ctx: ToolContext,
    clip: _pcm.Clip,
    *,
    channels: int | None = None,
    width: int | None = None,
    rate: int | None = None,
) -> None:
    """Refuse before computing when the result would pass `tools.file_operations.max_file_size`."""
    frames = clip.count * (rate or clip.rate) / clip.rate
    ctx.check_size(
        int(frames * (channels or clip.channels) * (width or clip.width)), "the resulting audio"
    )


def _wav_target(params: Params) -> str:
    """target_path, which must be a WAV: compressed formats need an encoder this tool lacks."""
    target = require(NAME, params.operation, "target_path", params.target_path)
    ext = Path(target).suffix.lower().lstrip(".")
    fmt = (params.target_format or (ext if ext in EXTENSIONS else "wav")).lower().lstrip(".")
    if fmt not in ("wav", "wave"):
        raise ToolExecutionError(
            f"{params.operation}: writing {fmt!r} needs an audio encoder; audio_processor writes "
            "WAV only (for MP3, FLAC or Ogg use ffmpeg)"
        )
    return target


def _read_wav(ctx: ToolContext, source: str) -> _pcm.Clip:
    _, data = read_media(ctx, source, "WAV file")
    return _pcm.parse_wav(data, source)


def _written(
    ctx: ToolContext,
    op: str,
    source: str | list[str],
    target: str,
    clip: _pcm.Clip,
    extra: dict[str, Any],
) -> ToolResult:
    path = ctx.write_bytes(target, _pcm.to_wav(clip))
    key = "source_paths" if isinstance(source, list) else "source_path"
    result = {key: source, "target_path": str(path), **_pcm.summary(clip), **extra}
    text = f"{op}: wrote {path} ({_pcm.describe(clip)}, {clip.duration:.3f} s)"
    return ToolResult.ok(text, result, operation=op)
