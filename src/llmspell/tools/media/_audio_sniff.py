"""Audio metadata from file headers alone: MP3 (ID3, frames, Xing), FLAC, Ogg and MP4 audio."""

from __future__ import annotations

import struct
from typing import Any

_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
_MP3_BITRATES = {
    (1, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (1, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (1, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (2, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (2, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_ID3_TAGS = {
    "TIT2": "title",
    "TT2": "title",
    "TPE1": "artist",
    "TP1": "artist",
    "TALB": "album",
    "TAL": "album",
    "TYER": "year",
    "TYE": "year",
    "TDRC": "year",
}
_COMMENT_TAGS = {"TITLE": "title", "ARTIST": "artist", "ALBUM": "album", "DATE": "year"}
EXTENSIONS = frozenset({"wav", "mp3", "flac", "ogg", "opus", "m4a"})


def detect_format(data: bytes, suffix: str) -> str:
    """The format the first bytes show, else the extension's if it is an audio one."""
    ext = suffix.lower().lstrip(".")
    return sniff_format(data[:12]) or (ext if ext in EXTENSIONS else "unknown")


def sniff_format(head: bytes) -> str | None:
    """The container named by the first bytes, or None."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:4] == b"OggS":
        return "ogg"
    if head[4:8] == b"ftyp":
        return "m4a"
    return None


def header_metadata(fmt: str, data: bytes) -> dict[str, Any]:
    """What the headers of an MP3, FLAC, Ogg or MP4 file say; unknown values are left out."""
    try:
        reader = {"mp3": _mp3, "flac": _flac, "ogg": _ogg, "m4a": _mp4}.get(fmt)
        return reader(data) if reader else {}
    except (struct.error, IndexError, ValueError, UnicodeDecodeError):
        return {"note": "the headers could not be fully parsed"}


def _mp3(data: bytes) -> dict[str, Any]:
    out: dict[str, Any] = {}
    start = 0
    if data[:3] == b"ID3":
        size = _syncsafe(data[6:10]) + 10
        out.update(_id3v2(data[10:size], data[3]))
        start = size
    if len(data) >= 128 and data[-128:-125] == b"TAG":
        tag = data[-128:]
        for key, (a, b) in {"title": (3, 33), "artist": (33, 63), "album": (63, 93)}.items():
            out.setdefault(key, tag[a:b].split(b"\0")[0].decode("latin-1").strip() or None)
        out.setdefault("year", tag[93:97].decode("latin-1").strip() or None)
    frame = _first_frame(data, start)
    if frame is None:
        return out
    pos, version, _, bitrate, rate, mono, spf = frame
    out.update(sample_rate=rate, channels=1 if mono else 2, bit_rate=bitrate * 1000)
    side = (17 if mono else 32) if version == 1 else (9 if mono else 17)
    xing = data[pos + 4 + side : pos + 16 + side]
    if xing[:4] in (b"Xing", b"Info") and struct.unpack(">I", xing[4:8])[0] & 1:
        out["duration_seconds"] = struct.unpack(">I", xing[8:12])[0] * spf / rate
    elif bitrate:
        audio = len(data) - pos - (128 if data[-128:-125] == b"TAG" else 0)
        out.update(duration_seconds=audio * 8 / (bitrate * 1000), duration_estimated=True)
    return out


def _first_frame(data: bytes, start: int) -> tuple[int, int, int, int, int, bool, int] | None:
    """The first MPEG audio frame whose successor is also a frame (to skip false syncs)."""
    pos = data.find(b"\xff", start)
    while 0 <= pos < len(data) - 4:
        parsed = _frame_header(data[pos : pos + 4])
        if parsed:
            length, version, layer, bitrate, rate, mono, spf = parsed
            nxt = pos + length
            if nxt + 4 > len(data) or _frame_header(data[nxt : nxt + 4]):
                return pos, version, layer, bitrate, rate, mono, spf
        pos = data.find(b"\xff", pos + 1)
    return None


def _frame_header(h: bytes) -> tuple[int, int, int, int, int, bool, int] | None:
    if len(h) < 4 or h[0] != 0xFF or h[1] & 0xE0 != 0xE0:
        return None
    vbits, lbits = (h[1] >> 3) & 3, (h[1] >> 1) & 3
    if vbits == 1 or lbits == 0 or h[2] >> 4 in (0, 15) or (h[2] >> 2) & 3 == 3:
        return None
    version, layer = (1 if vbits == 3 else 2), 4 - lbits
    bitrate = _MP3_BITRATES[(version, min(layer, 2) if version == 2 else layer)][h[2] >> 4]
    rate = _MP3_RATES[vbits][(h[2] >> 2) & 3]
    pad = (h[2] >> 1) & 1
    spf = 384 if layer == 1 else 576 if (layer == 3 and version == 2) else 1152
    length = (
        (12 * bitrate * 1000 // rate + pad) * 4
        if layer == 1
        else spf // 8 * bitrate * 1000 // rate + pad
    )
    return length, version, layer, bitrate, rate, h[3] >> 6 == 3, spf


def _id3v2(tag: bytes, major: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    pos, id_len = 0, 3 if major == 2 else 4
    while pos + id_len * 2 <= len(tag) and tag[pos] != 0:
        fid = tag[pos : pos + id_len].decode("latin-1")
        raw = tag[pos + id_len : pos + id_len * 2]
        size = _syncsafe(raw) if major == 4 else int.from_bytes(raw, "big")
        body_at = pos + id_len * 2 + (0 if major == 2 else 2)
        if fid in _ID3_TAGS and size > 1:
            out[_ID3_TAGS[fid]] = _id3_text(tag[body_at : body_at + size])
        pos = body_at + size
    return out


def _id3_text(body: bytes) -> str:
    codec = {0: "latin-1", 1: "utf-16", 2: "utf-16-be", 3: "utf-8"}.get(body[0], "latin-1")
    return body[1:].decode(codec, errors="replace").rstrip("\0").strip()


def _syncsafe(b: bytes) -> int:
    return (b[0] << 21) | (b[1] << 14) | (b[2] << 7) | b[3]


def _flac(data: bytes) -> dict[str, Any]:
    out: dict[str, Any] = {}
    pos, last = 4, False
    while not last and pos + 4 <= len(data):
        last, kind = bool(data[pos] & 0x80), data[pos] & 0x7F
        size = int.from_bytes(data[pos + 1 : pos + 4], "big")
        body = data[pos + 4 : pos + 4 + size]
        if kind == 0:
            bits = int.from_bytes(body[10:18], "big")
            rate, total = bits >> 44, bits & ((1 << 36) - 1)
            out.update(sample_rate=rate, channels=((bits >> 41) & 7) + 1)
            out["bits_per_sample"] = ((bits >> 36) & 31) + 1
            if rate and total:
                out["duration_seconds"] = total / rate
        elif kind == 4:
            out.update(_vorbis_comments(body))
        pos += 4 + size
    return out


def _ogg(data: bytes) -> dict[str, Any]:
    out: dict[str, Any] = {}
    body = data[27 + data[26] :]
    pre_skip, rate = 0, 0
    if body[:7] == b"\x01vorbis":
        out.update(codec="vorbis", channels=body[11])
        rate = struct.unpack("<I", body[12:16])[0]
        nominal = struct.unpack("<i", body[20:24])[0]
        out.update(sample_rate=rate, bit_rate=nominal if nominal > 0 else None)
        tags = data.find(b"\x03vorbis")
        if tags > 0:
            out.update(_vorbis_comments(data[tags + 7 :]))
    elif body[:8] == b"OpusHead":
        out.update(codec="opus", channels=body[9], sample_rate=48000)
        pre_skip, rate = struct.unpack("<H", body[10:12])[0], 48000
        tags = data.find(b"OpusTags")
        if tags > 0:
            out.update(_vorbis_comments(data[tags + 8 :]))
    last = data.rfind(b"OggS")
    if rate and last >= 0:
        granule = struct.unpack("<q", data[last + 6 : last + 14])[0]
        if granule > pre_skip:
            out["duration_seconds"] = (granule - pre_skip) / rate
    return out


def _vorbis_comments(body: bytes) -> dict[str, Any]:
    out: dict[str, Any] = {}
    vendor = struct.unpack("<I", body[:4])[0]
    pos = 4 + vendor
    count = struct.unpack("<I", body[pos : pos + 4])[0]
    pos += 4
    for _ in range(min(count, 1000)):
        length = struct.unpack("<I", body[pos : pos + 4])[0]
        key, _, value = body[pos + 4 : pos + 4 + length].decode("utf-8").partition("=")
        if key.upper() in _COMMENT_TAGS:
            out[_COMMENT_TAGS[key.upper()]] = value
        pos += 4 + length
    return out


def _mp4(data: bytes) -> dict[str, Any]:
    at = data.find(b"mvhd")
    if at < 0:
        return {}
    version = data[at + 4]
    if version == 1:
        scale, duration = struct.unpack(">IQ", data[at + 24 : at + 36])
    else:
        scale, duration = struct.unpack(">II", data[at + 16 : at + 24])
    return {"duration_seconds": duration / scale} if scale else {}
