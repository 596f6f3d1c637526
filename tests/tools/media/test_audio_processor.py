"""audio_processor: metadata of real WAV files and hand-built MP3/FLAC/Ogg headers, WAV edits."""

from __future__ import annotations

import os
import struct

import pytest

from llmspell.core.errors import PathNotAllowed, ToolExecutionError, ToolParameterError

TOOL = "audio_processor"


def invoke(rt, **params):
    return rt.tools.invoke(TOOL, params)


# Hand-built compressed-audio headers --------------------------------------------------------


def id3v23(**frames: str) -> bytes:
    body = b""
    for fid, text in frames.items():
        payload = b"\x03" + text.encode()  # utf-8
        body += fid.encode() + struct.pack(">I", len(payload)) + b"\0\0" + payload
    size = len(body)
    syncsafe = bytes([(size >> 21) & 127, (size >> 14) & 127, (size >> 7) & 127, size & 127])
    return b"ID3\x03\x00\x00" + syncsafe + body


def mp3_frames(count: int, *, xing_frames: int | None = None) -> bytes:
    """MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, stereo: 417-byte frames."""
    header = b"\xff\xfb\x90\x00"
    frames = []
    for index in range(count):
        body = bytearray(417 - 4)
        if index == 0 and xing_frames is not None:
            body[32:44] = b"Xing" + struct.pack(">II", 1, xing_frames)
        frames.append(header + bytes(body))
    return b"".join(frames)


def flac_file(rate: int, channels: int, bits: int, total: int, **tags: str) -> bytes:
    packed = (rate << 44) | ((channels - 1) << 41) | ((bits - 1) << 36) | total
    streaminfo = struct.pack(">HH", 4096, 4096) + b"\0" * 6 + packed.to_bytes(8, "big") + b"\0" * 16
    comments = [f"{k}={v}".encode() for k, v in tags.items()]
    vorbis = struct.pack("<I", 3) + b"ref" + struct.pack("<I", len(comments))
    vorbis += b"".join(struct.pack("<I", len(c)) + c for c in comments)
    return (
        b"fLaC"
        + bytes([0])
        + len(streaminfo).to_bytes(3, "big")
        + streaminfo
        + bytes([0x84])
        + len(vorbis).to_bytes(3, "big")
        + vorbis
    )


def ogg_page(packet: bytes, granule: int, kind: int = 0) -> bytes:
    return (
        b"OggS\x00"
        + bytes([kind])
        + struct.pack("<qIII", granule, 7, 0, 0)
        + bytes([1, len(packet)])
        + packet
    )


def ogg_vorbis(rate: int, channels: int, seconds: float, title: str) -> bytes:
    ident = b"\x01vorbis" + struct.pack("<IBIiii", 0, channels, rate, 0, 96000, 0) + b"\xb8\x01"
    comment = b"\x03vorbis" + struct.pack("<I", 3) + b"lib" + struct.pack("<I", 1)
    tag = f"TITLE={title}".encode()
    comment += struct.pack("<I", len(tag)) + tag + b"\x01"
    return (
        ogg_page(ident, 0, 2) + ogg_page(comment, 0) + ogg_page(b"\0" * 20, int(rate * seconds), 4)
    )


def ogg_opus(seconds: float) -> bytes:
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 2, 312, 48000, 0, 0)
    return ogg_page(head, 0, 2) + ogg_page(b"\0" * 20, int(48000 * seconds) + 312, 4)


# Metadata ---------------------------------------------------------------------------------


def test_wav_metadata_from_the_wave_module(rt, wav):
    path = wav("tone.wav", channels=2, rate=8000)
    result = invoke(rt, file_path=str(path))  # metadata is the default
    data = result.result
    assert result.to_dict()["operation"] == "metadata"
    assert data["format"] == "wav" and data["channels"] == 2 and data["sample_rate"] == 8000
    assert data["sample_width"] == 2 and data["bits_per_sample"] == 16
    assert data["frames"] == 8000 and data["duration_seconds"] == 1.0
    assert data["bit_rate"] == 8000 * 2 * 16 and data["file_size"] == path.stat().st_size
    assert data["metadata"]["sample_rate"] == 8000
    assert "Duration: 1.0s" in result.text and "Sample rate: 8000Hz" in result.text


def test_mp3_metadata_from_id3_and_frames(rt, tmp_path):
    cbr = tmp_path / "song.mp3"
    cbr.write_bytes(
        id3v23(TIT2="Night Song", TPE1="The Band", TALB="Album", TYER="1999") + mp3_frames(10)
    )
    data = invoke(rt, file_path=str(cbr)).result
    assert data["format"] == "mp3"
    assert (data["title"], data["artist"], data["album"], data["year"]) == (
        "Night Song",
        "The Band",
        "Album",
        "1999",
    )
    assert data["sample_rate"] == 44100 and data["channels"] == 2 and data["bit_rate"] == 128000
    assert data["duration_seconds"] == pytest.approx(10 * 417 * 8 / 128000)
    assert data["duration_estimated"] is True
    vbr = tmp_path / "vbr.mp3"
    vbr.write_bytes(mp3_frames(3, xing_frames=100))
    data = invoke(rt, file_path=str(vbr)).result
    assert data["duration_seconds"] == pytest.approx(100 * 1152 / 44100, abs=1e-5)
    assert "duration_estimated" not in data


def test_flac_metadata_from_streaminfo_and_comments(rt, tmp_path):
    path = tmp_path / "a.flac"
    path.write_bytes(flac_file(44100, 2, 16, 88200, TITLE="Flac Song", ARTIST="Someone"))
    data = invoke(rt, file_path=str(path)).result
    assert (data["format"], data["sample_rate"], data["channels"]) == ("flac", 44100, 2)
    assert data["bits_per_sample"] == 16 and data["duration_seconds"] == 2.0
    assert (data["title"], data["artist"]) == ("Flac Song", "Someone")


def test_ogg_vorbis_and_opus_metadata(rt, tmp_path):
    vorbis = tmp_path / "a.ogg"
    vorbis.write_bytes(ogg_vorbis(22050, 1, 2.5, "Ogg Song"))
    data = invoke(rt, file_path=str(vorbis)).result
    assert (data["format"], data["codec"], data["channels"]) == ("ogg", "vorbis", 1)
    assert data["sample_rate"] == 22050 and data["duration_seconds"] == 2.5
    assert data["bit_rate"] == 96000 and data["title"] == "Ogg Song"
    opus = tmp_path / "b.opus"
    opus.write_bytes(ogg_opus(3.0))
    data = invoke(rt, file_path=str(opus)).result
    assert (data["codec"], data["channels"], data["duration_seconds"]) == ("opus", 2, 3.0)


def test_m4a_duration_from_the_movie_header(rt, tmp_path):
    ftyp = struct.pack(">I", 20) + b"ftypM4A " + struct.pack(">I", 0) + b"M4A "
    mvhd = b"mvhd" + b"\0\0\0\0" + struct.pack(">IIII", 0, 0, 1000, 2500) + b"\0" * 80
    moov = struct.pack(">I", 8 + 4 + len(mvhd)) + b"moov" + struct.pack(">I", 4 + len(mvhd)) + mvhd
    path = tmp_path / "a.m4a"
    path.write_bytes(ftyp + moov)
    data = invoke(rt, file_path=str(path)).result
    assert (data["format"], data["duration_seconds"]) == ("m4a", 2.5)


def test_detect_reads_the_header(rt, wav, tmp_path):
    hidden = wav("sound.bin")
    assert invoke(rt, operation="detect", file_path=str(hidden)).result == {
        "file_path": str(hidden),
        "format": "wav",
        "supported": True,
    }
    junk = tmp_path / "junk.xyz"
    junk.write_bytes(b"\x00\x01 nothing audio here")
    result = invoke(rt, operation="detect", file_path=str(junk)).result
    assert (result["format"], result["supported"]) == ("unknown", False)


# WAV operations -----------------------------------------------------------------------------


def test_trim_keeps_exactly_the_chosen_frames(rt, wav, read_wav, tmp_path):
    samples = list(range(-500, 500))  # 1000 frames at 1000 Hz = 1 s
    src = wav("ramp.wav", samples, rate=1000)
    out = tmp_path / "trim.wav"
    result = invoke(
        rt, operation="trim", file_path=str(src), target_path=str(out), start=0.25, end=0.5
    )
    assert result.result["frames"] == 250 and result.result["duration_seconds"] == 0.25
    params, got = read_wav(out)
    assert (params.nchannels, params.framerate) == (1, 1000)
    assert got == samples[250:500]


def test_trim_end_defaults_to_the_end_and_start_must_come_first(rt, wav, read_wav, tmp_path):
    src = wav("ramp.wav", list(range(100)), rate=100)
    out = tmp_path / "tail.wav"
    invoke(rt, operation="trim", file_path=str(src), target_path=str(out), start_seconds=0.9)
    assert read_wav(out)[1] == list(range(90, 100))
    with pytest.raises(ToolExecutionError, match=r"start 2.0 s is not before end 1.0 s"):
        invoke(rt, operation="trim", file_path=str(src), target_path=str(out), start=2)


def test_concatenate_joins_in_order_and_refuses_mixed_formats(rt, wav, read_wav, tmp_path):
    a, b = wav("a.wav", [1, 2, 3], rate=100), wav("b.wav", [4, 5], rate=100)
    out = tmp_path / "ab.wav"
    result = invoke(rt, operation="concatenate", file_paths=[str(a), str(b)], target_path=str(out))
    assert result.result["frames"] == 5 and result.result["count"] == 2
    assert read_wav(out)[1] == [1, 2, 3, 4, 5]
    other = wav("c.wav", [1, 2], rate=200)
    with pytest.raises(ToolExecutionError, match=r"cannot concatenate .*200 Hz.*100 Hz.*resample"):
        invoke(rt, operation="concatenate", file_paths=[str(a), str(other)], target_path=str(out))
    with pytest.raises(ToolParameterError, match="at least two files"):
        invoke(rt, operation="concatenate", file_paths=[str(a)], target_path=str(out))


def test_volume_scales_and_counts_clipping(rt, wav, read_wav, tmp_path):
    src = wav("v.wav", [100, -200, 20000, -20000], rate=100)
    out = tmp_path / "loud.wav"
    result = invoke(rt, operation="volume", file_path=str(src), target_path=str(out), factor=2)
    assert result.result["clipped_samples"] == 2
    assert read_wav(out)[1] == [200, -400, 32767, -32768]
    quiet = tmp_path / "quiet.wav"
    invoke(rt, operation="volume", file_path=str(src), target_path=str(quiet), gain_db=-6.0206)
    assert read_wav(quiet)[1] == [50, -100, 10000, -10000]
    with pytest.raises(ToolParameterError, match="exactly one of 'factor', 'gain_db'"):
        invoke(rt, operation="volume", file_path=str(src), target_path=str(out))


def test_to_mono_averages_the_channels(rt, wav, read_wav, tmp_path):
    src = wav("st.wav", [1000, 3000, -10, -30], channels=2, rate=100)
    out = tmp_path / "mono.wav"
    result = invoke(rt, operation="to_mono", file_path=str(src), target_path=str(out))
    assert result.result["channels"] == 1
    params, got = read_wav(out)
    assert params.nchannels == 1 and got == [2000, -20]


def test_resample_interpolates_linearly(rt, wav, read_wav, tmp_path):
    src = wav("r.wav", [0, 100, 0, 100, 10, 20, 30, 40], channels=2, rate=100)
    out = tmp_path / "up.wav"
    result = invoke(
        rt, operation="resample", file_path=str(src), target_path=str(out), sample_rate=200
    )
    assert result.result["sample_rate"] == 200 and result.result["original_sample_rate"] == 100
    params, got = read_wav(out)
    assert params.framerate == 200 and params.nframes == 8
    assert got[0::2] == [0, 0, 0, 5, 10, 20, 30, 30]  # left: 0, 0, 10, 30 doubled and blended
    assert got[1::2] == [100, 100, 100, 60, 20, 30, 40, 40]


def test_resample_uses_the_configured_rate(make_rt, wav, read_wav, tmp_path):
    rt = make_rt({"tools.media.audio_sample_rate": 4000})
    src = wav("r.wav")  # 8000 Hz, 1 s
    out = tmp_path / "down.wav"
    invoke(rt, operation="resample", file_path=str(src), target_path=str(out))
    params, _ = read_wav(out)
    assert (params.framerate, params.nframes) == (4000, 4000)


def test_split_into_chunks(rt, wav, read_wav, tmp_path):
    src = wav("long.wav", list(range(100)), rate=100)
    parts = tmp_path / "parts"
    result = invoke(
        rt, operation="split", file_path=str(src), chunk_seconds=0.4, target_dir=str(parts)
    )
    files = result.result["files"]
    assert result.result["count"] == 3
    assert [(f["start"], f["end"]) for f in files] == [(0.0, 0.4), (0.4, 0.8), (0.8, 1.0)]
    assert [read_wav(parts / f"long_part00{i}.wav")[1] for i in (1, 2, 3)] == [
        list(range(40)),
        list(range(40, 80)),
        list(range(80, 100)),
    ]
    beside = invoke(rt, operation="split", file_path=str(src), chunk_seconds=0.5).result
    assert beside["files"][0]["path"] == str(tmp_path / "long_part001.wav")


def test_split_refuses_too_many_parts(rt, wav):
    src = wav("long.wav")
    with pytest.raises(ToolExecutionError, match="more than 1000"):
        invoke(rt, operation="split", file_path=str(src), chunk_seconds=0.0005)


def test_convert_changes_width_and_channels_and_round_trips(rt, wav, read_wav, tmp_path):
    samples = [-32768, -1, 0, 1, 32767, 1234]
    src = wav("w.wav", samples, rate=100)
    wide = tmp_path / "w24.wav"
    invoke(rt, operation="convert", file_path=str(src), target_path=str(wide), sample_width=3)
    params, got = read_wav(wide)
    assert params.sampwidth == 3 and got == [v * 256 for v in samples]
    back = tmp_path / "w16.wav"
    invoke(rt, operation="convert", file_path=str(wide), target_path=str(back), sample_width=2)
    assert read_wav(back)[1] == samples
    byte = tmp_path / "w8.wav"
    invoke(rt, operation="convert", file_path=str(src), target_path=str(byte), sample_width=1)
    assert read_wav(byte)[1] == [v >> 8 for v in samples]
    stereo = wav("st.wav", [10, 30], channels=2, rate=100)
    mono = tmp_path / "mono.wav"
    invoke(rt, operation="convert", file_path=str(stereo), target_path=str(mono), channels=1)
    assert read_wav(mono)[1] == [20]


def test_convert_to_compressed_formats_is_a_clear_error(rt, wav, tmp_path):
    src = wav("a.wav")
    with pytest.raises(ToolExecutionError, match="writes WAV only"):
        invoke(
            rt,
            operation="convert",
            file_path=str(src),
            target_path=str(tmp_path / "a.mp3"),
            target_format="mp3",
        )


def test_edits_need_a_pcm_wav(rt, tmp_path):
    fake = tmp_path / "song.mp3"
    fake.write_bytes(mp3_frames(3))
    with pytest.raises(ToolExecutionError, match="not a PCM WAV file"):
        invoke(rt, operation="to_mono", file_path=str(fake), target_path=str(tmp_path / "m.wav"))


def test_refusals(make_rt, rt, wav, tmp_path, outside):
    src = wav("a.wav")
    (outside / "secret.wav").write_bytes(src.read_bytes())
    with pytest.raises(PathNotAllowed, match="allowed_paths"):
        invoke(rt, file_path=str(tmp_path / ".." / outside.name / "secret.wav"))
    (tmp_path / "link.wav").symlink_to(outside / "secret.wav")
    with pytest.raises(PathNotAllowed, match="allowed_paths"):
        invoke(rt, file_path=str(tmp_path / "link.wav"))
    with pytest.raises(PathNotAllowed, match="allowed_paths"):
        invoke(rt, operation="to_mono", file_path=str(src), target_path=str(outside / "m.wav"))
    with pytest.raises(PathNotAllowed, match="blocked_extensions"):
        invoke(rt, operation="to_mono", file_path=str(src), target_path=str(tmp_path / "m.so"))
    small = make_rt({"tools.media.max_file_size": 1000})
    with pytest.raises(
        ToolExecutionError, match=r"over the 1,000-byte limit .*tools.media.max_file_size"
    ):
        invoke(small, file_path=str(src))


def test_bad_parameters_name_the_parameter(rt, wav):
    src = str(wav("a.wav"))
    with pytest.raises(ToolParameterError, match=r"parameter 'factor': .*number.*'loud'"):
        invoke(rt, operation="volume", file_path=src, target_path="b.wav", factor="loud")
    with pytest.raises(ToolParameterError, match=r"parameter 'sample_width'"):
        invoke(rt, operation="convert", file_path=src, target_path="b.wav", sample_width=5)
    with pytest.raises(ToolParameterError, match=r"parameter 'file_paths': .*list"):
        invoke(rt, operation="concatenate", file_paths=src, target_path="b.wav")
    with pytest.raises(ToolParameterError, match="parameter 'chunk_seconds' is required"):
        invoke(rt, operation="split", file_path=src)
    with pytest.raises(ToolParameterError, match="parameter 'sample_rate' is required"):
        invoke(rt, operation="resample", file_path=src, target_path="b.wav")


def test_from_lua(rt, wav, read_wav, tmp_path):
    a, b = wav("a.wav", [1, 2], rate=100), wav("b.wav", [3], rate=100)
    out = tmp_path / "ab.wav"
    rate, frames, op = rt.run_code(
        f"""
        local meta = Tool.invoke("audio_processor", {{file_path = "{a}"}})
        local joined = Tool.invoke("audio_processor", {{operation = "concatenate",
            file_paths = {{"{a}", "{b}"}}, target_path = "{out}"}})
        return meta.result.sample_rate, joined.result.frames, joined.operation
        """
    )
    assert (rate, frames, op) == (100, 3, "concatenate")
    assert read_wav(out)[1] == [1, 2, 3]


def test_a_result_past_the_file_size_limit_is_refused_before_computing(make_rt, wav, tmp_path):
    rt = make_rt({"tools.file_operations.max_file_size": 100_000})
    src = wav("a.wav")  # 1 s, 8 kHz, 16-bit mono: 16 kB
    out = tmp_path / "huge.wav"
    with pytest.raises(
        ToolExecutionError, match=r"resulting audio is 768,000 bytes.*max_file_size"
    ):
        invoke(
            rt, operation="resample", file_path=str(src), target_path=str(out), sample_rate=384000
        )
    assert not out.exists()


def test_folders_and_fifos_are_not_read(rt, tmp_path):
    os.mkfifo(tmp_path / "pipe.wav")
    with pytest.raises(ToolExecutionError, match="is not a regular file"):
        invoke(rt, file_path=str(tmp_path / "pipe.wav"))
    (tmp_path / "folder.wav").mkdir()
    with pytest.raises(ToolExecutionError, match="is not a regular file"):
        invoke(rt, file_path=str(tmp_path / "folder.wav"))
