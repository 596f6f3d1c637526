"""Pillow behind the limits: open (size, dimensions, decompression bombs), fit, save."""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmspell.core.errors import ToolExecutionError
from llmspell.tools.context import ToolContext
from llmspell.tools.media._files import max_dimensions, read_media

if TYPE_CHECKING:
    from PIL.Image import Image


def open_image(ctx: ToolContext, source: str, *, load: bool) -> tuple[Image, int]:
    """Open within the limits; decoding (`load`) happens only after the size checks."""
    from PIL import Image as PILImage

    _, data = read_media(ctx, source, "image")
    with warnings.catch_warnings():
        warnings.simplefilter("error", PILImage.DecompressionBombWarning)
        try:
            img = PILImage.open(io.BytesIO(data))
        except PILImage.UnidentifiedImageError:
            raise ToolExecutionError(
                f"{source!r} is not an image Pillow can read (png, jpeg, gif, webp, bmp, tiff, ico)"
            ) from None
        except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning) as exc:
            raise ToolExecutionError(
                f"{source!r} is refused as a possible decompression bomb: {exc} The limit is "
                f"Pillow's `PIL.Image.MAX_IMAGE_PIXELS` ({PILImage.MAX_IMAGE_PIXELS:,} pixels)."
            ) from None
    check_dims(ctx, img.size, repr(source))
    if load:
        img.load()
    return img, len(data)


def check_dims(ctx: ToolContext, size: tuple[int, int], what: str) -> None:
    from PIL import Image as PILImage

    limit = max_dimensions(ctx)
    if limit and (size[0] > limit[0] or size[1] > limit[1]):
        raise ToolExecutionError(
            f"{what} is {size[0]}x{size[1]} pixels, over the {limit[0]}x{limit[1]} limit "
            "(`tools.media.image_max_dimensions`)"
        )
    cap = PILImage.MAX_IMAGE_PIXELS
    if cap and size[0] * size[1] > cap:
        raise ToolExecutionError(
            f"{what} would be {size[0]}x{size[1]} = {size[0] * size[1]:,} pixels, over Pillow's "
            f"`PIL.Image.MAX_IMAGE_PIXELS` ({cap:,})"
        )


def fit(w: int, h: int, width: int | None, height: int | None, keep: bool) -> tuple[int, int]:
    if not keep:
        return width or w, height or h
    scale = min(width / w if width else float("inf"), height / h if height else float("inf"))
    return max(1, round(w * scale)), max(1, round(h * scale))


def save(
    ctx: ToolContext, img: Image, target: str, fmt: str, quality: int | None
) -> tuple[Path, int, Image]:
    from PIL import Image as PILImage

    if fmt == "JPEG" and img.mode not in ("RGB", "L", "CMYK"):
        rgba = img.convert("RGBA")
        flat = PILImage.new("RGB", img.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        img = flat
    options: dict[str, Any] = {"quality": quality} if quality and fmt in ("JPEG", "WEBP") else {}
    buffer = io.BytesIO()
    img.save(buffer, format=fmt, **options)
    data = buffer.getvalue()
    return ctx.write_bytes(target, data), len(data), img
