"""image_processor: read image metadata and resize, crop, rotate, flip, convert or thumbnail."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import AliasChoices, Field, field_validator

from llmspell.core.errors import ToolExecutionError, ToolParameterError
from llmspell.tools.base import Tool, ToolParams, ToolResult
from llmspell.tools.context import ToolContext
from llmspell.tools.media._files import media_file, require
from llmspell.tools.media._imaging import check_dims, fit, open_image, save

if TYPE_CHECKING:
    from PIL.Image import Image

NAME = "image_processor"
_FORMATS = {
    "png": "PNG",
    "jpg": "JPEG",
    "jpeg": "JPEG",
    "gif": "GIF",
    "webp": "WEBP",
    "bmp": "BMP",
    "tiff": "TIFF",
    "tif": "TIFF",
    "ico": "ICO",
}
_EXIF_MAX = 60


Operation = Literal[
    "metadata", "detect", "resize", "crop", "rotate", "flip", "convert", "thumbnail", "grayscale"
]


class Params(ToolParams):
    operation: Operation = Field(
        "metadata", description="what to do; all but metadata and detect write target_path"
    )
    file_path: str | None = Field(
        None,
        validation_alias=AliasChoices("file_path", "source_path", "input", "path"),
        description="the image to read (aliases: source_path, input, path)",
    )
    target_path: str | None = Field(
        None,
        validation_alias=AliasChoices("target_path", "output_path", "output"),
        description="where to write the result (aliases: output_path, output)",
    )
    width: int | None = Field(None, gt=0, description="resize/crop: width in pixels")
    height: int | None = Field(None, gt=0, description="resize/crop: height in pixels")
    x: int | None = Field(None, ge=0, description="crop: left edge in pixels")
    y: int | None = Field(None, ge=0, description="crop: top edge in pixels")
    degrees: float = Field(90, description="rotate: degrees clockwise (90, 180, 270 or any angle)")
    maintain_aspect_ratio: bool = Field(
        True,
        validation_alias=AliasChoices("maintain_aspect_ratio", "keep_aspect_ratio", "keep_aspect"),
        description="resize: keep the proportions (fit inside width x height)",
    )
    direction: Literal["horizontal", "vertical"] = Field(
        "horizontal", description="flip: mirror left-right (horizontal) or top-bottom (vertical)"
    )
    target_format: str | None = Field(
        None,
        validation_alias=AliasChoices("target_format", "format"),
        description="output format: png, jpeg, gif, webp, bmp, tiff, ico (default: from "
        "target_path's extension, else the source format)",
    )
    max_width: int = Field(200, gt=0, description="thumbnail: largest width")
    max_height: int = Field(200, gt=0, description="thumbnail: largest height")
    quality: int | None = Field(None, ge=1, le=100, description="jpeg/webp output quality 1-100")

    @field_validator("target_format")
    @classmethod
    def _format(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.strip().lower().lstrip(".") not in _FORMATS:
            raise ValueError(f"must be one of {', '.join(sorted(set(_FORMATS)))}")
        return value.strip().lower().lstrip(".")


class ImageProcessor(Tool[Params]):
    name = NAME
    category = "media"
    description = (
        "Image metadata (format, size, mode, EXIF) and resize, crop, rotate, flip, convert, "
        "thumbnail and grayscale, via Pillow."
    )
    tags = ("image", "media", "resize", "thumbnail", "exif", "convert")
    Params = Params
    result_keys = {
        "metadata": "file_path, format, mime_type, width, height, dimensions{width,height}, "
        "orientation, mode, bit_depth, dpi, frames, file_size, exif{tag: value}, metadata (same)",
        "detect": "file_path, format, mime_type, supported",
        "resize/crop/rotate/flip/convert/thumbnail/grayscale": "source_path, target_path, "
        "format, width, height, original_width, original_height, mode, file_size, plus the "
        "operation's own parameters",
    }
    security_notes = (
        "Reads and writes only inside `tools.file_operations.allowed_paths` (blocked extensions "
        "apply); inputs are capped at `tools.media.max_file_size` and outputs at "
        "`tools.file_operations.max_file_size`. Images (and resize targets) larger than "
        "`tools.media.image_max_dimensions` or Pillow's decompression-bomb limit "
        "(`PIL.Image.MAX_IMAGE_PIXELS`) are refused before decoding. Animated images: the first "
        "frame only."
    )

    def run(self, params: Params, ctx: ToolContext) -> ToolResult:
        op = params.operation
        source = require(NAME, op, "file_path", params.file_path)
        if op == "detect":
            return self._detect(source, ctx)
        if op == "metadata":
            return self._metadata(source, ctx)
        target = require(NAME, op, "target_path", params.target_path)
        img, _ = open_image(ctx, source, load=True)
        before = img.size
        extra: dict[str, Any] = {}
        out = self._transform(img, params, ctx, extra)
        suffix = Path(target).suffix.lower().lstrip(".")
        fmt = _FORMATS.get(params.target_format or suffix) or img.format or "PNG"
        path, size, out = save(ctx, out, target, fmt, params.quality)
        if op == "convert":
            extra["target_format"] = fmt.lower()
        result = {
            "source_path": source,
            "target_path": str(path),
            "format": fmt.lower(),
            "width": out.width,
            "height": out.height,
            "original_width": before[0],
            "original_height": before[1],
            "mode": out.mode,
            "file_size": size,
            **extra,
        }
        text = f"{op}: {source} ({before[0]}x{before[1]}) -> {path} ({out.width}x{out.height})"
        return ToolResult.ok(text, result, operation=op)

    @staticmethod
    def _transform(img: Image, params: Params, ctx: ToolContext, extra: dict[str, Any]) -> Image:
        from PIL import Image as PILImage
        from PIL import ImageOps

        op, (w, h) = params.operation, img.size
        if op == "resize":
            if params.width is None and params.height is None:
                raise ToolParameterError(
                    f"Tool '{NAME}': operation 'resize' needs 'width', 'height' or both"
                )
            size = fit(w, h, params.width, params.height, params.maintain_aspect_ratio)
            check_dims(ctx, size, "the resized image")
            extra["maintain_aspect_ratio"] = params.maintain_aspect_ratio
            return img.resize(size, PILImage.Resampling.LANCZOS)
        if op == "crop":
            box = [require(NAME, op, k, getattr(params, k)) for k in ("x", "y", "width", "height")]
            x, y, cw, ch = box
            if x + cw > w or y + ch > h:
                raise ToolExecutionError(
                    f"crop box {cw}x{ch} at ({x}, {y}) goes past the image's {w}x{h} edge"
                )
            extra.update(x=x, y=y)
            return img.crop((x, y, x + cw, y + ch))
        if op == "rotate":
            extra["degrees"] = params.degrees
            turn = params.degrees % 360
            quarter = {
                90: PILImage.Transpose.ROTATE_270,
                180: PILImage.Transpose.ROTATE_180,
                270: PILImage.Transpose.ROTATE_90,
            }
            if turn == 0:
                return img.copy()
            if turn in quarter:
                return img.transpose(quarter[int(turn)])
            return img.rotate(-turn, resample=PILImage.Resampling.BICUBIC, expand=True)
        if op == "flip":
            extra["direction"] = params.direction
            return ImageOps.mirror(img) if params.direction == "horizontal" else ImageOps.flip(img)
        if op == "thumbnail":
            extra.update(max_width=params.max_width, max_height=params.max_height)
            thumb = img.copy()
            thumb.thumbnail((params.max_width, params.max_height), PILImage.Resampling.LANCZOS)
            return thumb
        if op == "grayscale":
            alpha = img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info
            return img.convert("LA" if alpha else "L")
        return img

    @staticmethod
    def _detect(source: str, ctx: ToolContext) -> ToolResult:
        from PIL import Image as PILImage

        resolved, _ = media_file(ctx, source, "image")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
            try:
                with PILImage.open(resolved) as img:  # the header only: nothing is decoded
                    fmt = img.format or "unknown"
            except (PILImage.UnidentifiedImageError, PILImage.DecompressionBombError):
                fmt = "unknown"
        mime = PILImage.MIME.get(fmt, "application/octet-stream")
        result = {
            "file_path": source,
            "format": fmt.lower(),
            "mime_type": mime,
            "supported": fmt != "unknown",
        }
        return ToolResult.ok(f"Detected image format: {fmt.lower()}", result, operation="detect")

    @staticmethod
    def _metadata(source: str, ctx: ToolContext) -> ToolResult:
        from PIL import ExifTags
        from PIL import Image as PILImage

        img, file_size = open_image(ctx, source, load=False)
        w, h = img.size
        exif: dict[str, Any] = {}
        for tag, value in list(img.getexif().items())[:_EXIF_MAX]:
            if isinstance(value, bytes):
                continue
            key = ExifTags.TAGS.get(tag, str(tag))
            exif[key] = value if isinstance(value, int | float) else str(value)[:200]
        dpi = img.info.get("dpi")
        summary: dict[str, Any] = {
            "format": (img.format or "unknown").lower(),
            "mime_type": PILImage.MIME.get(img.format or "", "application/octet-stream"),
            "width": w,
            "height": h,
            "dimensions": {"width": w, "height": h},
            "orientation": "landscape" if w > 1.2 * h else "portrait" if w < 0.8 * h else "square",
            "mode": img.mode,
            "color_mode": img.mode,
            "bit_depth": {"1": 1, "I;16": 16, "I": 32, "F": 32}.get(img.mode, 8),
            "dpi": [round(float(d), 2) for d in dpi] if dpi else None,
            "frames": getattr(img, "n_frames", 1),
            "file_size": file_size,
            "exif": exif,
        }
        text = f"Image file: {summary['format']} format, {w}x{h} pixels ({summary['orientation']})"
        text += f", mode {img.mode}, Size: {summary['file_size']} bytes"
        result = {"file_path": source, **summary, "metadata": summary}
        return ToolResult.ok(text, result, operation="metadata")
