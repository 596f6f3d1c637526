"""PCM audio in pure Python: WAV in and out (stdlib `wave`), samples as `array('i')`."""

from __future__ import annotations

import io
import sys
import time
import wave
from array import array
from dataclasses import dataclass

from llmspell.core.errors import ToolExecutionError

BLOCK = 65536  # samples handled between two deadline checks
_BIG = sys.byteorder == "big"


class Deadline:
    """The time limit of one operation (and its config key), checked between sample blocks."""

    def __init__(self, seconds: float, key: str) -> None:
        self.seconds, self.key = seconds, key
        self.at = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.at:
            raise ToolExecutionError(
                f"audio processing took longer than {self.seconds:g} s "
                f"(`{self.key}`); use a shorter file or raise the limit"
            )


@dataclass(frozen=True, slots=True)
class Clip:
    channels: int
    width: int  # bytes per sample
    rate: int
    frames: bytes  # interleaved little-endian PCM

    @property
    def count(self) -> int:
        return len(self.frames) // (self.channels * self.width)

    @property
    def duration(self) -> float:
        return self.count / self.rate

    @property
    def shape(self) -> tuple[int, int, int]:
        return self.channels, self.width, self.rate

    def slice(self, start: float, end: float) -> Clip:
        size = self.channels * self.width
        a, b = round(start * self.rate) * size, round(end * self.rate) * size
        return Clip(self.channels, self.width, self.rate, self.frames[a:b])

    def with_samples(
        self,
        samples: array[int],
        *,
        channels: int | None = None,
        width: int | None = None,
        rate: int | None = None,
    ) -> Clip:
        width = width or self.width
        return Clip(channels or self.channels, width, rate or self.rate, encode(samples, width))


def parse_wav(data: bytes, name: str | None = None) -> Clip:
    try:
        with wave.open(io.BytesIO(data), "rb") as reader:
            channels, width, rate = (
                reader.getnchannels(),
                reader.getsampwidth(),
                reader.getframerate(),
            )
            frames = reader.readframes(reader.getnframes())
    except (wave.Error, EOFError) as exc:
        what = f"{name!r} is not" if name else "not"
        raise ToolExecutionError(
            f"{what} a PCM WAV file that Python's `wave` module can read ({exc})"
        ) from None
    return Clip(channels, width, rate, frames)


def to_wav(clip: Clip) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(clip.channels)
        writer.setsampwidth(clip.width)
        writer.setframerate(clip.rate)
        writer.writeframes(clip.frames)
    return buffer.getvalue()


def summary(clip: Clip) -> dict[str, int | float]:
    return {
        "channels": clip.channels,
        "sample_rate": clip.rate,
        "sample_width": clip.width,
        "bits_per_sample": clip.width * 8,
        "frames": clip.count,
        "duration_seconds": round(clip.duration, 6),
    }


def describe(clip: Clip) -> str:
    return f"{clip.channels} ch, {clip.width * 8}-bit, {clip.rate} Hz"


def decode(clip: Clip) -> array[int]:
    raw, width = clip.frames, clip.width
    if width == 1:
        return array("i", (b - 128 for b in raw))
    if width == 3:
        wide = bytearray(len(raw) // 3 * 4)
        wide[1::4], wide[2::4], wide[3::4] = raw[0::3], raw[1::3], raw[2::3]
        out = array("i", bytes(wide))
        if _BIG:
            out.byteswap()
        return array("i", (v >> 8 for v in out))
    out = array("h" if width == 2 else "i", raw[: len(raw) // width * width])
    if _BIG:
        out.byteswap()
    return out if width == 4 else array("i", out)


def encode(samples: array[int], width: int) -> bytes:
    if width == 1:
        return bytes(v + 128 for v in samples)
    if width == 3:
        wide = array("i", (v << 8 for v in samples))
        if _BIG:
            wide.byteswap()
        raw = wide.tobytes()
        out = bytearray(len(samples) * 3)
        out[0::3], out[1::3], out[2::3] = raw[1::4], raw[2::4], raw[3::4]
        return bytes(out)
    packed = array("h" if width == 2 else "i", samples)
    if _BIG:
        packed.byteswap()
    return packed.tobytes()


def limits(width: int) -> tuple[int, int]:
    top = 1 << (8 * width - 1)
    return -top, top - 1


def scale(clip: Clip, factor: float, deadline: Deadline) -> tuple[Clip, int]:
    """Samples times `factor`, clipped to the sample range; returns the clipped count too."""
    samples, (lo, hi) = decode(clip), limits(clip.width)
    out, clipped = array("i"), 0
    for i in range(0, len(samples), BLOCK):
        deadline.check()
        block = [round(v * factor) for v in samples[i : i + BLOCK]]
        over = sum(1 for v in block if v < lo or v > hi)
        if over:
            clipped += over
            block = [lo if v < lo else hi if v > hi else v for v in block]
        out.extend(block)
    return clip.with_samples(out), clipped


def to_mono(clip: Clip, deadline: Deadline) -> Clip:
    if clip.channels == 1:
        return clip
    samples, ch = decode(clip), clip.channels
    channels = [samples[c::ch] for c in range(ch)]
    out = array("i")
    for i in range(0, len(channels[0]), BLOCK):
        deadline.check()
        out.extend(sum(t) // ch for t in zip(*(c[i : i + BLOCK] for c in channels), strict=True))
    return clip.with_samples(out, channels=1)


def resample(clip: Clip, rate: int, deadline: Deadline) -> Clip:
    """Linear interpolation to `rate` Hz, channel by channel."""
    if rate == clip.rate or clip.count == 0:
        return Clip(clip.channels, clip.width, rate, clip.frames)
    samples, ch = decode(clip), clip.channels
    ratio, n_out = clip.rate / rate, max(1, int(clip.count * rate / clip.rate))
    out = array("i", [0]) * (n_out * ch)
    for c in range(ch):
        src, last, made = samples[c::ch], clip.count - 1, array("i")
        for j0 in range(0, n_out, BLOCK):
            deadline.check()
            for j in range(j0, min(j0 + BLOCK, n_out)):
                pos = j * ratio
                i = int(pos)
                if i >= last:
                    made.append(src[last])
                else:
                    made.append(round(src[i] + (src[i + 1] - src[i]) * (pos - i)))
        out[c::ch] = made
    return clip.with_samples(out, rate=rate)


def rewidth(clip: Clip, width: int, deadline: Deadline) -> Clip:
    """Change bytes per sample (8/16/24/32-bit) by shifting."""
    shift, samples, out = 8 * (width - clip.width), decode(clip), array("i")
    for i in range(0, len(samples), BLOCK):
        deadline.check()
        block = samples[i : i + BLOCK]
        out.extend((v << shift for v in block) if shift > 0 else (v >> -shift for v in block))
    return clip.with_samples(out, width=width)
