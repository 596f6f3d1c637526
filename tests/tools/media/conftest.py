"""Runtimes for the media tools (tmp_path is the only allowed path) and real media files."""

from __future__ import annotations

import math
import struct
import wave
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from PIL import Image


@pytest.fixture
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder that is not inside the allowed path."""
    return tmp_path_factory.mktemp("outside")


@pytest.fixture
def image(tmp_path: Path) -> Callable[..., Path]:
    """`image("a.png", (100, 50), "RGB", color)`: a real image file written by Pillow."""

    def make(
        name: str = "a.png",
        size: tuple[int, int] = (100, 50),
        mode: str = "RGB",
        color: Any = (200, 30, 30),
        **save: Any,
    ) -> Path:
        path = tmp_path / name
        Image.new(mode, size, color).save(path, **save)
        return path

    return make


def png_header_only(path: Path, width: int, height: int) -> Path:
    """A valid PNG header claiming `width` x `height` (a decompression-bomb lookalike)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    data = zlib.compress(b"\0" * 64)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )
    return path


@pytest.fixture
def bomb_png() -> Callable[[Path, int, int], Path]:
    return png_header_only


@pytest.fixture
def wav(tmp_path: Path) -> Callable[..., Path]:
    """`wav("a.wav", samples=[...], channels=2, rate=8000, width=2)`: a real PCM WAV file.

    `samples` are interleaved integers; by default one second of a 440 Hz tone.
    """

    def make(
        name: str = "a.wav",
        samples: Sequence[int] | None = None,
        *,
        channels: int = 1,
        rate: int = 8000,
        width: int = 2,
    ) -> Path:
        if samples is None:
            tone = [round(8000 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(rate)]
            samples = [v for v in tone for _ in range(channels)]
        path = tmp_path / name
        with wave.open(str(path), "wb") as out:
            out.setnchannels(channels)
            out.setsampwidth(width)
            out.setframerate(rate)
            out.writeframes(pack(samples, width))
        return path

    return make


def pack(samples: Sequence[int], width: int) -> bytes:
    if width == 1:
        return bytes(v + 128 for v in samples)
    if width == 3:
        return b"".join(v.to_bytes(3, "little", signed=True) for v in samples)
    return struct.pack(f"<{len(samples)}{'h' if width == 2 else 'i'}", *samples)


def unpack(data: bytes, width: int) -> list[int]:
    if width == 1:
        return [b - 128 for b in data]
    if width == 3:
        return [
            int.from_bytes(data[i : i + 3], "little", signed=True) for i in range(0, len(data), 3)
        ]
    return list(struct.unpack(f"<{len(data) // width}{'h' if width == 2 else 'i'}", data))


@pytest.fixture
def read_wav() -> Callable[[Path], tuple[Any, list[int]]]:
    """The parameters and interleaved samples of a WAV file, read with the stdlib."""

    def read(path: Path) -> tuple[Any, list[int]]:
        with wave.open(str(path), "rb") as src:
            params = src.getparams()
            return params, unpack(src.readframes(params.nframes), params.sampwidth)

    return read
