"""image_processor on real images made with Pillow: metadata, every edit, limits and refusals."""

from __future__ import annotations

import pytest
from PIL import Image

from llmspell.core.errors import PathNotAllowed, ToolExecutionError, ToolParameterError

TOOL = "image_processor"


def opened(path):
    with Image.open(path) as img:
        img.load()
        return img.format, img.size, img.mode, img.copy()


def invoke(rt, **params):
    return rt.tools.invoke(TOOL, params)


def quadrants(path):
    """A 4x2 image: left half red, right half blue; bottom-right pixel green."""
    img = Image.new("RGB", (4, 2), (255, 0, 0))
    for x in (2, 3):
        for y in (0, 1):
            img.putpixel((x, y), (0, 0, 255))
    img.putpixel((3, 1), (0, 255, 0))
    img.save(path)
    return path


def test_metadata_reads_the_real_header(rt, image):
    path = image("a.png", (100, 50), "RGBA", (1, 2, 3, 4))
    result = invoke(rt, file_path=str(path))  # metadata is the default operation
    data = result.result
    assert result.success and result.to_dict()["operation"] == "metadata"
    assert (data["format"], data["width"], data["height"]) == ("png", 100, 50)
    assert data["dimensions"] == {"width": 100, "height": 50}
    assert data["mode"] == "RGBA" and data["orientation"] == "landscape"
    assert data["file_size"] == path.stat().st_size and data["frames"] == 1
    assert data["mime_type"] == "image/png"
    assert data["metadata"]["width"] == 100  # the original's nested shape
    assert "100x50 pixels" in result.text


def test_metadata_summarises_exif(rt, tmp_path):
    exif = Image.Exif()
    exif[0x010F] = "Acme Cameras"  # Make
    exif[0x0110] = "Model 7"  # Model
    path = tmp_path / "photo.jpg"
    Image.new("RGB", (30, 60), "white").save(path, exif=exif, dpi=(300, 300))
    data = invoke(rt, operation="metadata", source_path=str(path)).result
    assert data["format"] == "jpeg" and data["orientation"] == "portrait"
    assert data["exif"]["Make"] == "Acme Cameras" and data["exif"]["Model"] == "Model 7"
    assert data["dpi"] == [300.0, 300.0]


def test_detect_looks_at_the_content_not_the_extension(rt, image, tmp_path):
    hidden = image("picture.dat", (8, 8), format="PNG")
    found = invoke(rt, operation="detect", file_path=str(hidden)).result
    assert found == {
        "file_path": str(hidden),
        "format": "png",
        "mime_type": "image/png",
        "supported": True,
    }
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    assert invoke(rt, operation="detect", file_path=str(text)).result["supported"] is False


def test_resize_keeps_the_aspect_ratio_by_default(rt, image, tmp_path):
    src = image("a.png", (100, 50))
    out = tmp_path / "out" / "small.png"
    result = invoke(rt, operation="resize", source_path=str(src), target_path=str(out), width=40)
    assert (result.result["width"], result.result["height"]) == (40, 20)
    assert result.result["original_width"] == 100
    assert opened(out)[:2] == ("PNG", (40, 20))


def test_resize_fits_inside_both_or_stretches_without_aspect(rt, image, tmp_path):
    src = image("a.png", (100, 50))
    fit = tmp_path / "fit.png"
    invoke(rt, operation="resize", file_path=str(src), target_path=str(fit), width=30, height=30)
    assert opened(fit)[1] == (30, 15)
    stretched = tmp_path / "stretched.png"
    invoke(
        rt,
        operation="resize",
        file_path=str(src),
        target_path=str(stretched),
        width=30,
        height=30,
        maintain_aspect_ratio=False,
    )
    assert opened(stretched)[1] == (30, 30)


def test_crop_takes_the_box(rt, tmp_path):
    src = quadrants(tmp_path / "q.png")
    out = tmp_path / "crop.png"
    result = invoke(
        rt, operation="crop", file_path=str(src), target_path=str(out), x=2, y=1, width=2, height=1
    )
    assert (result.result["width"], result.result["height"]) == (2, 1)
    img = opened(out)[3]
    assert img.getpixel((0, 0)) == (0, 0, 255) and img.getpixel((1, 0)) == (0, 255, 0)


def test_crop_outside_the_image_is_an_error(rt, tmp_path):
    src = quadrants(tmp_path / "q.png")
    with pytest.raises(ToolExecutionError, match=r"crop box 4x2 at \(1, 0\) goes past .* 4x2"):
        invoke(
            rt,
            operation="crop",
            file_path=str(src),
            target_path=str(tmp_path / "c.png"),
            x=1,
            y=0,
            width=4,
            height=2,
        )
    with pytest.raises(ToolParameterError, match="parameter 'x' is required for operation 'crop'"):
        invoke(rt, operation="crop", file_path=str(src), target_path=str(tmp_path / "c.png"))


def test_rotate_is_clockwise(rt, tmp_path):
    src = quadrants(tmp_path / "q.png")
    out = tmp_path / "r.png"
    result = invoke(rt, operation="rotate", file_path=str(src), target_path=str(out))  # 90
    assert result.result["degrees"] == 90
    img = opened(out)[3]
    assert img.size == (2, 4)
    # clockwise: the red left half becomes the top, the green bottom-right pixel the bottom-left
    assert img.getpixel((0, 0)) == (255, 0, 0) and img.getpixel((0, 3)) == (0, 255, 0)
    tilted = tmp_path / "t.png"
    invoke(rt, operation="rotate", file_path=str(src), target_path=str(tilted), degrees=45)
    assert opened(tilted)[1][0] > 4  # expanded to hold the turned image


def test_flip_horizontal_and_vertical(rt, tmp_path):
    src = quadrants(tmp_path / "q.png")
    mirrored, flipped = tmp_path / "m.png", tmp_path / "f.png"
    invoke(rt, operation="flip", file_path=str(src), target_path=str(mirrored))
    invoke(rt, operation="flip", file_path=str(src), target_path=str(flipped), direction="vertical")
    assert opened(mirrored)[3].getpixel((0, 1)) == (0, 255, 0)
    assert opened(flipped)[3].getpixel((3, 0)) == (0, 255, 0)


def test_convert_to_jpeg_flattens_transparency_on_white(rt, image, tmp_path):
    src = image("clear.png", (10, 10), "RGBA", (0, 0, 0, 0))
    out = tmp_path / "out.jpg"
    result = invoke(rt, operation="convert", source_path=str(src), target_path=str(out))
    assert result.result["format"] == "jpeg" and result.result["target_format"] == "jpeg"
    fmt, _, mode, img = opened(out)
    assert (fmt, mode) == ("JPEG", "RGB")
    assert all(channel > 245 for channel in img.getpixel((5, 5)))


def test_convert_with_target_format_overrides_the_extension(rt, image, tmp_path):
    src = image("a.png", (10, 10))
    out = tmp_path / "out.img"
    invoke(rt, operation="convert", file_path=str(src), target_path=str(out), target_format="GIF")
    assert opened(out)[0] == "GIF"


def test_quality_sets_the_jpeg_compression(rt, tmp_path):
    src = tmp_path / "noise.png"
    Image.effect_noise((64, 64), 80).convert("RGB").save(src)
    sizes = {}
    for quality in (10, 95):
        out = tmp_path / f"q{quality}.jpg"
        invoke(rt, operation="convert", file_path=str(src), target_path=str(out), quality=quality)
        sizes[quality] = out.stat().st_size
    assert sizes[10] < sizes[95] / 2


def test_thumbnail_fits_the_box(rt, image, tmp_path):
    src = image("big.png", (400, 200))
    out = tmp_path / "thumb.webp"
    result = invoke(
        rt, operation="thumbnail", file_path=str(src), target_path=str(out), max_width=100
    )
    assert (result.result["width"], result.result["height"]) == (100, 50)
    assert opened(out)[:2] == ("WEBP", (100, 50))


def test_grayscale(rt, image, tmp_path):
    src = image("red.png", (4, 4), "RGB", (255, 0, 0))
    out = tmp_path / "gray.png"
    result = invoke(rt, operation="grayscale", file_path=str(src), target_path=str(out))
    assert result.result["mode"] == "L"
    assert opened(out)[3].getpixel((0, 0)) == 76  # ITU-R 601-2 luma of pure red


def test_paths_outside_the_allowed_folder_are_refused(rt, image, tmp_path, outside):
    Image.new("RGB", (4, 4)).save(outside / "secret.png")
    escape = tmp_path / ".." / outside.name / "secret.png"
    with pytest.raises(PathNotAllowed, match="allowed_paths"):
        invoke(rt, file_path=str(escape))
    link = tmp_path / "link.png"
    link.symlink_to(outside / "secret.png")
    with pytest.raises(PathNotAllowed, match="allowed_paths"):
        invoke(rt, file_path=str(link))
    src = image("a.png")
    with pytest.raises(PathNotAllowed, match="allowed_paths"):
        invoke(rt, operation="convert", file_path=str(src), target_path=str(outside / "x.png"))
    assert not (outside / "x.png").exists()


def test_blocked_extension_is_refused_for_the_output(rt, image, tmp_path):
    src = image("a.png")
    with pytest.raises(PathNotAllowed, match="blocked_extensions"):
        invoke(rt, operation="convert", file_path=str(src), target_path=str(tmp_path / "a.exe"))


def test_oversized_input_names_the_media_limit(make_rt, image):
    rt = make_rt({"tools.media.max_file_size": 50})
    src = image("a.png", (64, 64), "RGB", (1, 2, 3))
    with pytest.raises(
        ToolExecutionError, match=r"over the 50-byte limit .*tools.media.max_file_size"
    ):
        invoke(rt, file_path=str(src))


def test_image_max_dimensions_limit_inputs_and_resize_targets(make_rt, image, tmp_path):
    rt = make_rt({"tools.media.image_max_dimensions": "64x64"})
    big = image("big.png", (100, 50))
    with pytest.raises(
        ToolExecutionError, match=r"100x50 pixels, over the 64x64 .*image_max_dimensions"
    ):
        invoke(rt, file_path=str(big))
    small = image("small.png", (32, 32))
    with pytest.raises(
        ToolExecutionError, match=r"resized image is 128x128 .*image_max_dimensions"
    ):
        invoke(
            rt,
            operation="resize",
            file_path=str(small),
            target_path=str(tmp_path / "r.png"),
            width=128,
        )
    assert not (tmp_path / "r.png").exists()


@pytest.mark.parametrize("side", [20_000, 10_000], ids=["over-twice-the-limit", "over-the-limit"])
def test_decompression_bombs_are_refused_before_decoding(rt, tmp_path, bomb_png, side):
    bomb = bomb_png(tmp_path / "bomb.png", side, side)
    assert bomb.stat().st_size < 200
    with pytest.raises(ToolExecutionError, match=r"decompression bomb.*MAX_IMAGE_PIXELS"):
        invoke(rt, file_path=str(bomb))


def test_a_resize_target_over_pillows_pixel_limit_is_refused(rt, image, tmp_path):
    src = image("a.png", (10, 10))
    with pytest.raises(ToolExecutionError, match="MAX_IMAGE_PIXELS"):
        invoke(
            rt,
            operation="resize",
            file_path=str(src),
            target_path=str(tmp_path / "r.png"),
            width=50_000,
        )


def test_not_an_image_and_missing_file(rt, tmp_path):
    text = tmp_path / "notes.png"
    text.write_text("hello")
    with pytest.raises(ToolExecutionError, match="not an image Pillow can read"):
        invoke(rt, file_path=str(text))
    with pytest.raises(ToolExecutionError, match="no such file"):
        invoke(rt, file_path=str(tmp_path / "missing.png"))


def test_bad_parameters_name_the_parameter(rt, image, tmp_path):
    src = str(image("a.png"))
    with pytest.raises(ToolParameterError, match=r"parameter 'width': .*integer.*'wide'"):
        invoke(rt, operation="resize", file_path=src, target_path="x.png", width="wide")
    with pytest.raises(ToolParameterError, match=r"parameter 'target_format': .*must be one of"):
        invoke(rt, operation="convert", file_path=src, target_path="x.png", target_format="xyz")
    with pytest.raises(ToolParameterError, match="parameter 'target_path' is required"):
        invoke(rt, operation="resize", file_path=src, width=3)
    with pytest.raises(ToolParameterError, match="needs 'width', 'height' or both"):
        invoke(rt, operation="resize", file_path=src, target_path=str(tmp_path / "x.png"))
    with pytest.raises(ToolParameterError, match="parameter 'file_path' is required"):
        invoke(rt)
    with pytest.raises(ToolParameterError, match="parameter 'operation'"):
        invoke(rt, operation="sharpen", file_path=src)


def test_from_lua(rt, image, tmp_path):
    src = image("a.png", (100, 50))
    out = tmp_path / "t.png"
    width, fmt, op, thumb_w = rt.run_code(
        f"""
        local meta = Tool.invoke("image_processor", {{file_path = "{src}"}})
        local thumb = Tool.invoke("image-processor", {{operation = "thumbnail",
            source_path = "{src}", target_path = "{out}", max_width = 10}})
        return meta.result.width, meta.result.format, meta.operation, thumb.result.width
        """
    )
    assert (width, fmt, op, thumb_w) == (100, "png", "metadata", 10)
    assert opened(out)[1] == (10, 5)


def test_media_tools_are_safe_level(make_rt, image):
    rt = make_rt({"tools.max_security_level": "safe"})
    assert invoke(rt, file_path=str(image("a.png"))).success


def test_a_spell_run_by_the_cli_edits_media(cli, tmp_path, image, wav):
    src, sound = image("a.png", (100, 50)), wav("a.wav", channels=2)
    config = tmp_path / "llmspell.toml"
    config.write_text(f'[tools.file_operations]\nallowed_paths = ["{tmp_path}"]\n')
    spell = tmp_path / "media.lua"
    spell.write_text(
        f"""
        local thumb = Tool.invoke("image_processor", {{operation = "thumbnail",
            source_path = "{src}", target_path = "{tmp_path}/thumb.png", max_width = 20}})
        print("thumb", thumb.result.width, thumb.result.height)
        local mono = Tool.invoke("audio_processor", {{operation = "to_mono",
            file_path = "{sound}", target_path = "{tmp_path}/mono.wav"}})
        print("mono", mono.result.channels, mono.result.duration_seconds)
        local ok, err = pcall(Tool.invoke, "image_processor", {{file_path = "/etc/hostname.png"}})
        print("outside", ok, err:find("allowed_paths") ~= nil)
        """
    )
    result = cli("-c", str(config), "run", str(spell))
    assert result.code == 0, result.stderr
    assert result.stdout.splitlines() == ["thumb\t20\t10", "mono\t1\t1.0", "outside\tfalse\ttrue"]
    assert opened(tmp_path / "thumb.png")[1] == (20, 10)
