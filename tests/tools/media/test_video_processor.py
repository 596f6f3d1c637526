"""video_processor: header detection and refusals always; ffprobe/ffmpeg work where installed.

The tests marked `needs_ffmpeg` skip when ffmpeg is not on PATH, except under CI=true, where
they must run (CI installs ffmpeg).
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess

import pytest
from PIL import Image

from llmspell.core.errors import PathNotAllowed, ToolExecutionError, ToolParameterError

TOOL = "video_processor"
needs_ffmpeg = pytest.mark.skipif(
    shutil.which("ffmpeg") is None and os.environ.get("CI") != "true",
    reason="ffmpeg/ffprobe are not installed (`apt-get install ffmpeg`); under CI=true these run",
)

MP4_HEAD = struct.pack(">I", 24) + b"ftypisom" + b"\0\0\2\0isomiso2" + b"\0" * 200
MKV_HEAD = b"\x1a\x45\xdf\xa3" + b"\x42\x82\x84webm" + b"\0" * 200
AVI_HEAD = b"RIFF\0\0\0\0AVI LIST" + b"\0" * 200


def invoke(rt, **params):
    return rt.tools.invoke(TOOL, params)


@pytest.fixture
def no_ffmpeg(monkeypatch, tmp_path_factory):
    """PATH without ffmpeg or ffprobe, as on a machine where FFmpeg is not installed."""
    monkeypatch.setenv("PATH", str(tmp_path_factory.mktemp("empty-bin")))


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """A real 2 s, 160x120, 10 fps MP4 with a sine-tone audio track, made by ffmpeg."""
    folder = tmp_path_factory.mktemp("video")
    path = folder / "clip.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-nostdin",
            "-f",
            "lavfi",
            "-i",
            "testsrc=duration=2:size=160x120:rate=10",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=2",
            "-c:v",
            "mpeg4",
            "-c:a",
            "aac",
            "-shortest",
            "-y",
            str(path),
        ],
        check=True,
        timeout=60,
    )
    return path


@pytest.fixture
def video(clip, tmp_path):
    """The clip, copied into the allowed folder."""
    return shutil.copy(clip, tmp_path / "clip.mp4")


# Without ffmpeg ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "head", "fmt"),
    [("a.mp4", MP4_HEAD, "mp4"), ("b.bin", MKV_HEAD, "webm"), ("c.avi", AVI_HEAD, "avi")],
)
def test_detect_reads_the_container_header(rt, tmp_path, name, head, fmt):
    (tmp_path / name).write_bytes(head)
    result = invoke(rt, operation="detect", file_path=str(tmp_path / name))
    assert result.result == {"file_path": str(tmp_path / name), "format": fmt, "supported": True}
    assert result.text == f"Detected video format: {fmt}"


def test_missing_ffprobe_and_ffmpeg_are_named_with_the_fix(rt, tmp_path, no_ffmpeg):
    path = tmp_path / "a.mp4"
    path.write_bytes(MP4_HEAD)
    with pytest.raises(ToolExecutionError, match=r"needs `ffprobe`, which is not installed") as err:
        invoke(rt, operation="metadata", file_path=str(path))
    assert "apt-get install ffmpeg" in str(err.value)
    with pytest.raises(ToolExecutionError, match=r"needs `ffmpeg`, which is not installed"):
        invoke(rt, operation="thumbnail", file_path=str(path), target_path=str(tmp_path / "t.jpg"))
    assert invoke(rt, operation="detect", file_path=str(path)).result["supported"] is True


def test_missing_ffmpeg_from_lua_is_a_catchable_error(rt, tmp_path, no_ffmpeg):
    path = tmp_path / "a.mp4"
    path.write_bytes(MP4_HEAD)
    ok, message = rt.run_code(
        f'return pcall(Tool.invoke, "video_processor", {{file_path = "{path}"}})'
    )
    assert ok is False and "ffprobe" in message and "apt-get install ffmpeg" in message


def test_files_that_are_not_video_containers_never_reach_ffmpeg(rt, tmp_path):
    playlist = tmp_path / "list.m3u8"
    playlist.write_text("#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n")
    with pytest.raises(ToolExecutionError, match="not a video container"):
        invoke(rt, operation="metadata", file_path=str(playlist))
    assert invoke(rt, operation="detect", file_path=str(playlist)).result == {
        "file_path": str(playlist),
        "format": "unknown",
        "supported": False,
    }


def test_refusals(make_rt, rt, tmp_path, outside):
    (outside / "secret.mp4").write_bytes(MP4_HEAD)
    with pytest.raises(PathNotAllowed, match="allowed_paths"):
        invoke(rt, operation="detect", file_path=str(tmp_path / ".." / outside.name / "secret.mp4"))
    (tmp_path / "link.mp4").symlink_to(outside / "secret.mp4")
    with pytest.raises(PathNotAllowed, match="allowed_paths"):
        invoke(rt, operation="detect", file_path=str(tmp_path / "link.mp4"))
    (tmp_path / "a.mp4").write_bytes(MP4_HEAD)
    with pytest.raises(PathNotAllowed, match="allowed_paths"):
        invoke(
            rt,
            operation="extract_frame",
            file_path=str(tmp_path / "a.mp4"),
            target_path=str(outside / "f.png"),
        )
    small = make_rt({"tools.media.max_file_size": 100})
    with pytest.raises(
        ToolExecutionError, match=r"over the 100-byte limit .*tools.media.max_file_size"
    ):
        invoke(small, operation="detect", file_path=str(tmp_path / "a.mp4"))


def test_bad_parameters_name_the_parameter(rt, tmp_path):
    (tmp_path / "a.mp4").write_bytes(MP4_HEAD)
    src = str(tmp_path / "a.mp4")
    with pytest.raises(ToolParameterError, match=r"parameter 'target_path' must end in \.jpg"):
        invoke(rt, operation="extract_frame", file_path=src, target_path=str(tmp_path / "f.txt"))
    with pytest.raises(ToolParameterError, match="parameter 'target_path' is required"):
        invoke(rt, operation="thumbnail", file_path=src)
    with pytest.raises(ToolParameterError, match=r"parameter 'timestamp_seconds': .*'soon'"):
        invoke(rt, operation="extract_frame", file_path=src, timestamp_seconds="soon")
    # an alias is named as the caller wrote it
    with pytest.raises(ToolParameterError, match=r"parameter 'timestamp': .*greater .* 0"):
        invoke(rt, operation="extract_frame", file_path=src, timestamp=-1)


# With ffmpeg -------------------------------------------------------------------------------


@needs_ffmpeg
def test_metadata_from_ffprobe(rt, video):
    result = invoke(rt, file_path=str(video))
    data = result.result
    assert data["format"] == "mp4" and "mp4" in data["format_name"]
    assert data["duration_seconds"] == pytest.approx(2.0, abs=0.1)
    assert (data["width"], data["height"], data["resolution"]) == (160, 120, "160x120")
    assert data["fps"] == 10.0 and data["video_codec"] == "mpeg4"
    assert data["has_audio"] is True and data["audio_codec"] == "aac"
    assert [s["codec_type"] for s in data["streams"]] == ["video", "audio"]
    assert data["streams"][1]["sample_rate"] == 44100
    assert data["file_size"] == video.stat().st_size and data["metadata"]["width"] == 160
    assert "160x120" in result.text and "Duration: 2.0" in result.text


@needs_ffmpeg
def test_extract_frame_writes_a_full_size_image(rt, video, tmp_path):
    out = tmp_path / "frames" / "one.png"
    result = invoke(
        rt,
        operation="extract_frame",
        file_path=str(video),
        target_path=str(out),
        timestamp_seconds=1.0,
    )
    assert result.result["timestamp_seconds"] == 1.0 and result.result["video_path"] == str(video)
    with Image.open(out) as img:
        assert (img.format, img.size) == ("PNG", (160, 120))
    assert (result.result["width"], result.result["height"]) == (160, 120)


@needs_ffmpeg
def test_thumbnail_fits_the_box_with_or_without_a_timestamp(rt, video, tmp_path):
    auto, timed = tmp_path / "auto.jpg", tmp_path / "timed.webp"
    invoke(rt, operation="thumbnail", file_path=str(video), target_path=str(auto), max_width=80)
    invoke(
        rt,
        operation="thumbnail",
        file_path=str(video),
        target_path=str(timed),
        max_width=80,
        max_height=40,
        timestamp=0.5,
    )
    with Image.open(auto) as img:
        assert (img.format, img.size) == ("JPEG", (80, 60))
    with Image.open(timed) as img:
        assert img.size == (53, 40)


@needs_ffmpeg
def test_a_timestamp_past_the_end_is_a_clear_error(rt, video, tmp_path):
    out = tmp_path / "late.png"
    with pytest.raises(ToolExecutionError, match=r"no frame at 30 s .*past the end"):
        invoke(
            rt,
            operation="extract_frame",
            file_path=str(video),
            target_path=str(out),
            timestamp_seconds=30,
        )
    assert not out.exists()


@needs_ffmpeg
def test_a_broken_video_reports_ffprobes_complaint(rt, tmp_path):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(MP4_HEAD)
    with pytest.raises(ToolExecutionError, match=r"`ffprobe` failed \(exit \d+\)"):
        invoke(rt, file_path=str(broken))


@needs_ffmpeg
def test_from_lua(rt, video, tmp_path):
    out = tmp_path / "f.jpg"
    width, op, frame_height = rt.run_code(
        f"""
        local meta = Tool.invoke("video_processor", {{file_path = "{video}"}})
        local frame = Tool.invoke("video_processor", {{operation = "extract_frame",
            file_path = "{video}", target_path = "{out}", timestamp_seconds = 0.5}})
        return meta.result.width, frame.operation, frame.result.height
        """
    )
    assert (width, op, frame_height) == (160, "extract_frame", 120)
