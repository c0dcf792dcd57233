"""The image pipeline on files the tests make: orientation, colour, alpha, animation, bad input."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms, ImageOps

from odnix_desktop.core.compress import compress, run_item
from odnix_desktop.core.errors import (
    CorruptMediaError,
    ImageTooLargeError,
    PresetError,
    TargetSizeError,
    UnsupportedMediaError,
)
from odnix_desktop.core.image import decode, resize
from odnix_desktop.core.image.pipeline import compress_image
from odnix_desktop.core.options import CompressOptions, CropBox, Status
from tests import media_factory as mf


def pixel(img: Image.Image, fx: float, fy: float) -> tuple[int, ...]:
    rgb = img.convert("RGB")
    return rgb.getpixel((int(fx * (rgb.width - 1)), int(fy * (rgb.height - 1))))


def close(a, b, tol=24) -> bool:
    return all(abs(int(x) - int(y)) <= tol for x, y in zip(a, b, strict=False))


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("size", [(300, 200), (2400, 1600)], ids=["small", "draft"])
def test_every_exif_orientation_comes_out_upright(tmp_path, orientation, size):
    upright = mf.corner_picture(*size)
    src = mf.save_jpeg(
        tmp_path / f"o{orientation}.jpg",
        mf.store_for_orientation(upright, orientation),
        exif=mf.exif_bytes(orientation, gps=True),
    )
    before = sha(src)
    result = compress(src, tmp_path / "out", CompressOptions())
    assert result.status is Status.COMPRESSED
    with Image.open(result.output) as out:
        expected = (min(1080, size[0]), round(size[1] * min(1080, size[0]) / size[0]))
        assert out.size == expected
        assert result.after.width, result.after.height == expected
        for corner, (fx, fy) in {
            "tl": (0.05, 0.05),
            "tr": (0.95, 0.05),
            "bl": (0.05, 0.95),
            "br": (0.95, 0.95),
        }.items():
            assert close(pixel(out, fx, fy), mf.CORNERS[corner]), (corner, pixel(out, fx, fy))
    assert result.before.width, result.before.height == size
    assert mf.has_metadata(result.output) == []
    assert sha(src) == before


def test_pillow_draft_decoding_reduces_in_the_dct(tmp_path):
    src = mf.save_jpeg(tmp_path / "big.jpg", mf.photo_like(3000, 2000), quality=95)
    opened = decode.open_image(src, 10**9)
    img = decode.load(opened, src, (1080, 720))
    assert img.size == (1500, 1000)  # DCT-scaled by 1/2: never fully decoded
    opened.image.close()


@pytest.mark.parametrize("orientation", [1, 6])
def test_fast_decode_is_dct_scaled_and_looks_like_full_decode(tmp_path, monkeypatch, orientation):
    upright = mf.photo_like(4400, 2934)
    src = mf.save_jpeg(
        tmp_path / "big.jpg",
        mf.store_for_orientation(upright, orientation),
        quality=95,
        exif=mf.exif_bytes(orientation),
    )
    factors = []
    real = resize.shrink_factor
    monkeypatch.setattr(resize, "shrink_factor", lambda *a: factors.append(real(*a)) or factors[-1])
    result = compress(src, tmp_path / "out", CompressOptions(quality=95))
    assert factors == [2]  # decoded at 2200×1467, not 4400×2934
    with Image.open(src) as full:
        full = ImageOps.exif_transpose(full).convert("RGB")
        reference = np.asarray(full.resize((1080, 720), Image.Resampling.LANCZOS), np.float32)
    with Image.open(result.output) as out:
        ours = np.asarray(out.convert("RGB"), np.float32)
    assert ours.shape == reference.shape
    mae = np.abs(ours - reference).mean()
    assert mae < 3.0, mae


def test_corrupt_exif_is_ignored_with_a_warning(tmp_path):
    src = mf.save_jpeg(tmp_path / "badexif.jpg", mf.corner_picture(200, 100))
    data = bytearray(src.read_bytes())
    # Insert an APP1 segment with an EXIF header but garbage IFD.
    app1 = b"Exif\0\0" + b"MM\0*\0\0\0\x08\xff\xff" + b"\x13" * 40
    segment = b"\xff\xe1" + (len(app1) + 2).to_bytes(2, "big") + app1
    broken = tmp_path / "broken_exif.jpg"
    broken.write_bytes(bytes(data[:2]) + segment + bytes(data[2:]))
    result = compress(broken, tmp_path / "out", CompressOptions())
    assert result.status in (Status.COMPRESSED, Status.KEPT_ORIGINAL)
    assert any("EXIF" in w for w in result.warnings), result.warnings
    with Image.open(result.output) as out:
        assert out.size == (200, 100)


def test_display_p3_patch_is_converted_to_srgb(tmp_path):
    p3 = (200, 120, 80)
    expected = mf.p3_to_srgb(p3)
    assert not close(expected, p3, tol=10)  # the test can fail: P3 numbers are not sRGB numbers
    src = tmp_path / "p3.png"
    Image.new("RGB", (64, 64), p3).save(src, icc_profile=mf.display_p3_icc())
    result = compress(src, tmp_path / "out", CompressOptions())
    with Image.open(result.output) as out:
        assert "icc_profile" not in out.info or not out.info["icc_profile"]
        got = out.convert("RGB").getpixel((32, 32))
    assert close(got, expected, tol=3), (got, expected)


def test_p3_jpeg_photo_large(tmp_path):
    src = tmp_path / "p3.jpg"
    Image.new("RGB", (2000, 1500), (30, 180, 90)).save(src, quality=95, icc_profile=mf.display_p3_icc())
    result = compress(src, tmp_path / "out", CompressOptions())
    with Image.open(result.output) as out:
        assert out.size == (1080, 810)
        assert close(out.getpixel((540, 400)), mf.p3_to_srgb((30, 180, 90)), tol=4)


def test_cmyk_becomes_rgb(tmp_path):
    rgb = Image.new("RGB", (120, 80), (200, 60, 40))
    src = tmp_path / "cmyk.jpg"
    rgb.convert("CMYK").save(src, quality=95)
    with Image.open(src) as check:
        assert check.mode == "CMYK"
    result = compress(src, tmp_path / "out", CompressOptions())
    with Image.open(result.output) as out:
        assert out.mode == "RGB"
        assert close(out.getpixel((60, 40)), (200, 60, 40), tol=8)


def test_16_bit_greyscale_becomes_8_bit_and_stays_grey(tmp_path):
    ramp = (np.linspace(0, 65535, 256, dtype=np.uint32)[None, :].repeat(64, axis=0)).astype(np.uint16)
    src = tmp_path / "grey16.png"
    Image.fromarray(ramp).save(src)
    with Image.open(src) as check:
        assert check.mode.startswith("I")
    result = compress(src, tmp_path / "out", CompressOptions())
    with Image.open(result.output) as out:
        assert out.mode in ("L", "P")
        lum = out.convert("L")
        # Scaled, not clipped: the middle of the ramp is mid-grey, not white.
        assert abs(lum.getpixel((128, 32)) - 128) <= 6
        assert lum.getpixel((250, 32)) > 240 and lum.getpixel((5, 32)) < 15


def test_16_bit_rgb_png(tmp_path):
    import subprocess

    import imageio_ffmpeg

    src = tmp_path / "rgb48.png"
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x240",
            "-frames:v",
            "1",
            "-pix_fmt",
            "rgb48be",
            str(src),
        ],
        check=True,
        stdin=subprocess.DEVNULL,
    )
    result = compress(src, tmp_path / "out", CompressOptions())
    assert result.status is Status.COMPRESSED
    with Image.open(result.output) as out, Image.open(src) as original:
        assert out.size == (320, 240)
        diff = np.abs(np.asarray(out.convert("RGB"), np.float32) - np.asarray(original.convert("RGB"), np.float32))
        assert diff.mean() < 6


def test_greyscale_stays_greyscale(tmp_path):
    src = tmp_path / "grey.jpg"
    Image.fromarray(mf.photo_like(1600, 1200)[:, :, 0]).save(src, quality=90)
    result = compress(src, tmp_path / "out", CompressOptions())
    with Image.open(result.output) as out:
        assert out.mode == "L"
        assert out.size == (1080, 810)


def test_real_transparency_stays_png_and_is_not_flattened(tmp_path):
    img = Image.new("RGBA", (1600, 800), (0, 0, 0, 0))
    img.paste((255, 0, 0, 255), (400, 200, 1200, 600))
    src = tmp_path / "logo.png"
    img.save(src)
    result = compress(src, tmp_path / "out", CompressOptions())
    assert result.output.suffix == ".png"
    with Image.open(result.output) as out:
        out = out.convert("RGBA")
        assert out.size == (1080, 540)
        assert out.getpixel((5, 5))[3] == 0  # still transparent, not black
        assert out.getpixel((540, 270)) == (255, 0, 0, 255)


def test_transparent_webp_stays_webp(tmp_path):
    img = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    img.paste((0, 0, 255, 200), (50, 50, 250, 150))
    src = tmp_path / "t.webp"
    img.save(src, lossless=True)
    result = compress(src, tmp_path / "out", CompressOptions(keep_original_if_smaller=False))
    with Image.open(result.output) as out:
        assert out.format == "WEBP"
        assert out.convert("RGBA").getpixel((2, 2))[3] == 0


def test_opaque_alpha_is_dropped_and_goes_to_jpeg(tmp_path):
    arr = np.dstack([mf.photo_like(800, 600), np.full((600, 800), 255, np.uint8)])
    src = tmp_path / "opaque.png"
    Image.fromarray(arr).save(src)
    result = compress(src, tmp_path / "out", CompressOptions())
    assert result.output.suffix == ".jpg"
    with Image.open(result.output) as out:
        assert out.format == "JPEG" and out.mode == "RGB"


@pytest.mark.parametrize("fmt,ext", [("GIF", ".gif"), ("WEBP", ".webp"), ("PNG", ".png")])
def test_animation_keeps_every_frame_and_timing(tmp_path, fmt, ext):
    frames = mf.animated_frames(6, (1600, 1200), alpha=(fmt != "GIF"))
    durations = [40, 80, 120, 160, 200, 240]
    src = tmp_path / f"anim{ext}"
    frames[0].save(src, format=fmt, save_all=True, append_images=frames[1:], duration=durations, loop=0)
    result = compress(src, tmp_path / "out", CompressOptions())
    assert result.status is Status.COMPRESSED
    with Image.open(result.output) as out:
        assert out.format == fmt
        assert out.n_frames == 6
        assert out.size == (1080, 810)
        got = []
        for i in range(out.n_frames):
            out.seek(i)
            out.load()
            got.append(out.info["duration"])
        assert got == durations
    assert result.after.frames == 6


def test_animation_as_profile_picture_is_refused_clearly(tmp_path):
    frames = mf.animated_frames(3, (200, 200))
    src = tmp_path / "anim.gif"
    frames[0].save(src, save_all=True, append_images=frames[1:], duration=100)
    with pytest.raises(PresetError, match="animated"):
        compress(src, tmp_path / "out", CompressOptions(preset="profile"))


def test_heic_is_read(tmp_path):
    import pillow_heif

    pillow_heif.register_heif_opener()
    upright = mf.corner_picture(1500, 1000)
    src = tmp_path / "phone.heic"
    Image.fromarray(upright).save(src, format="HEIF", quality=90)
    result = compress(src, tmp_path / "out", CompressOptions())
    assert result.before.format == "HEIF"
    with Image.open(result.output) as out:
        assert out.format == "JPEG" and out.size == (1080, 720)
        assert close(pixel(out, 0.05, 0.05), mf.CORNERS["tl"])
        assert close(pixel(out, 0.95, 0.95), mf.CORNERS["br"])


def test_avif_is_read(tmp_path):
    src = tmp_path / "a.avif"
    Image.fromarray(mf.corner_picture(400, 300)).save(src, format="AVIF", quality=90)
    result = compress(src, tmp_path / "out", CompressOptions())
    assert result.status is Status.COMPRESSED
    with Image.open(result.output) as out:
        assert close(pixel(out, 0.95, 0.05), mf.CORNERS["tr"])


@pytest.mark.parametrize("fmt", ["BMP", "TIFF"])
def test_bmp_and_tiff_are_read(tmp_path, fmt):
    src = tmp_path / f"x.{fmt.lower()}"
    Image.fromarray(mf.photo_like(500, 400)).save(src, format=fmt)
    result = compress(src, tmp_path / "out", CompressOptions())
    assert result.status is Status.COMPRESSED and result.after.format == "JPEG"


def test_bomb_is_refused_before_decoding(tmp_path):
    src = mf.png_bomb(tmp_path / "bomb.png")
    assert src.stat().st_size < 2000
    with pytest.raises(ImageTooLargeError, match="30000×30000") as err:
        compress(src, tmp_path / "out", CompressOptions())
    assert "bomb.png" in str(err.value)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*"))


def test_bomb_limit_is_configurable(tmp_path):
    src = tmp_path / "big.png"
    Image.new("RGB", (2000, 2000), (9, 9, 9)).save(src)
    with pytest.raises(ImageTooLargeError):
        compress(src, tmp_path / "out", CompressOptions(max_pixels=1_000_000))
    assert compress(src, tmp_path / "out", CompressOptions(max_pixels=5_000_000)).output.exists()


@pytest.mark.parametrize(
    "name,content,error,words",
    [
        ("notes.jpg", b"hello, this is a text file\n" * 20, UnsupportedMediaError, "text file"),
        (
            "random.png",
            bytes(np.random.default_rng(3).integers(0, 256, 4000, dtype=np.uint8)),
            UnsupportedMediaError,
            "not a photo or video",
        ),
        ("empty.jpg", b"", UnsupportedMediaError, "empty"),
    ],
)
def test_content_not_extension_decides(tmp_path, name, content, error, words):
    src = tmp_path / name
    src.write_bytes(content)
    with pytest.raises(error, match=words) as err:
        compress(src, tmp_path / "out", CompressOptions())
    assert str(err.value).startswith(name)


def test_truncated_jpeg_fails_clearly(tmp_path):
    src = mf.save_jpeg(tmp_path / "t.jpg", mf.photo_like(1200, 900))
    data = src.read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(data[: len(data) // 3])
    with pytest.raises(CorruptMediaError, match="truncated") as err:
        compress(cut, tmp_path / "out", CompressOptions())
    assert "cut.jpg" in str(err.value)


def test_png_named_jpg_is_read_by_content(tmp_path):
    src = tmp_path / "really_png.jpg"
    Image.fromarray(mf.photo_like(300, 200)).save(src, format="PNG")
    result = compress(src, tmp_path / "out", CompressOptions())
    assert result.before.format == "PNG" and result.status is Status.COMPRESSED


def test_gps_and_all_metadata_removed(tmp_path):
    src = mf.save_jpeg(
        tmp_path / "gps.jpg", mf.photo_like(2000, 1500), exif=mf.exif_bytes(1, gps=True), comment=b"secret comment"
    )
    assert mf.has_metadata(src)
    result = compress(src, tmp_path / "out", CompressOptions())
    assert mf.has_metadata(result.output) == []


def test_kept_original_still_loses_its_metadata(tmp_path):
    # A small, already well-compressed photo: re-encoding cannot beat it.
    src = tmp_path / "small.jpg"
    Image.fromarray(mf.photo_like(640, 480)).save(
        src, quality=40, optimize=True, progressive=True, exif=mf.exif_bytes(1, gps=True), comment=b"where I live"
    )
    result = compress(src, tmp_path / "out", CompressOptions())
    assert result.status is Status.KEPT_ORIGINAL
    assert result.after.bytes <= src.stat().st_size
    assert mf.has_metadata(result.output) == []
    with Image.open(src) as a, Image.open(result.output) as b:
        assert np.array_equal(np.asarray(a), np.asarray(b))  # same pixels, losslessly


def test_rotated_source_is_never_kept_sideways(tmp_path):
    upright = mf.corner_picture(400, 300)
    src = tmp_path / "rot.jpg"
    Image.fromarray(mf.store_for_orientation(upright, 6)).save(src, quality=30, exif=mf.exif_bytes(6))
    result = compress(src, tmp_path / "out", CompressOptions())
    with Image.open(result.output) as out:
        assert out.size == (400, 300)
        assert close(pixel(out, 0.05, 0.05), mf.CORNERS["tl"])


def test_max_bytes_searches_quality_then_size(tmp_path):
    src = mf.save_jpeg(tmp_path / "p.jpg", mf.photo_like(2000, 1500), quality=95)
    plain = compress(src, tmp_path / "a", CompressOptions())
    budget = plain.after.bytes // 2
    small = compress(src, tmp_path / "b", CompressOptions(max_bytes=budget))
    assert small.after.bytes <= budget
    tiny = compress(src, tmp_path / "c", CompressOptions(max_bytes=12_000))
    assert tiny.after.bytes <= 12_000
    assert tiny.after.width < 1080  # quality alone was not enough
    with pytest.raises(TargetSizeError, match="cannot be made to fit"):
        compress(src, tmp_path / "d", CompressOptions(max_bytes=600))
    assert not list((tmp_path / "d").rglob("*.jpg"))


def test_profile_square_crop_centred_and_from_box(tmp_path):
    upright = mf.corner_picture(3000, 2000)
    src = mf.save_jpeg(tmp_path / "face.jpg", upright)
    centred = compress(src, tmp_path / "out", CompressOptions(preset="profile"))
    assert centred.after.width == centred.after.height == 1080
    assert len(centred.output.stem) == 32  # uuid4 hex
    boxed = compress(src, tmp_path / "out", CompressOptions(preset="profile", crop=CropBox(0, 0, 600, 600)))
    with Image.open(boxed.output) as out:
        assert out.size == (600, 600)
        assert close(pixel(out, 0.5, 0.5), mf.CORNERS["tl"])


def test_story_fits_1080x1920(tmp_path):
    src = mf.save_jpeg(tmp_path / "tall.jpg", mf.photo_like(1500, 4000))
    result = compress(src, tmp_path / "out", CompressOptions(preset="story"))
    assert (result.after.width, result.after.height) == (720, 1920)


def test_chat_goes_under_chat_media(tmp_path):
    src = mf.save_jpeg(tmp_path / "c.jpg", mf.photo_like(400, 300))
    result = compress(src, tmp_path / "out", CompressOptions(preset="chat", keep_original_if_smaller=False))
    assert result.output.parent == tmp_path / "out" / "chat_media"


def test_never_upscaled(tmp_path):
    src = mf.save_jpeg(tmp_path / "tiny.jpg", mf.photo_like(200, 100))
    result = compress(src, tmp_path / "out", CompressOptions(keep_original_if_smaller=False))
    assert (result.after.width, result.after.height) == (200, 100)


def test_reel_preset_refuses_a_photo(tmp_path):
    src = mf.save_jpeg(tmp_path / "p.jpg", mf.photo_like(200, 100))
    result = run_item(src, tmp_path / "out", CompressOptions(preset="reel"))
    assert result.status is Status.FAILED and "videos only" in result.error


def test_existing_output_is_never_overwritten(tmp_path):
    src = mf.save_jpeg(tmp_path / "x.jpg", mf.photo_like(1500, 1000))
    out = tmp_path / "out"
    out.mkdir()
    (out / "x.jpg").write_bytes(b"precious")
    first = compress(src, out, CompressOptions())
    second = compress(src, out, CompressOptions())
    assert (out / "x.jpg").read_bytes() == b"precious"
    assert first.output.name == "x-1.jpg" and second.output.name == "x-2.jpg"


def test_output_next_to_source_never_replaces_it(tmp_path):
    src = mf.save_jpeg(tmp_path / "same.jpg", mf.photo_like(1500, 1000))
    before = sha(src)
    result = compress(src, tmp_path, CompressOptions())
    assert result.output == tmp_path / "same-1.jpg"
    assert sha(src) == before


def test_unicode_and_spaces_in_paths(tmp_path):
    folder = tmp_path / "Фото с отпуска 🌴"
    folder.mkdir()
    src = mf.save_jpeg(folder / "café au lait 1.jpg", mf.photo_like(1200, 900))
    result = compress(src, tmp_path / "sortie à plat", CompressOptions())
    assert result.output.name == "café au lait 1.jpg" and result.output.exists()


def test_failure_while_writing_leaves_no_temporary_file(tmp_path, monkeypatch):
    src = mf.save_jpeg(tmp_path / "x.jpg", mf.photo_like(1500, 1000))
    import odnix_desktop.core.output as output

    def boom(tmp, final):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output, "commit", boom)
    out = tmp_path / "out"
    with pytest.raises(OSError):
        compress_image(src, out, CompressOptions())
    assert list(out.iterdir()) == []


def test_disk_full_during_write_is_an_output_error_and_leaves_nothing(tmp_path, monkeypatch):
    src = mf.save_jpeg(tmp_path / "x.jpg", mf.photo_like(1500, 1000))
    import os as os_module

    real_fsync = os_module.fsync

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os_module, "fsync", full)
    result = run_item(src, tmp_path / "out", CompressOptions())
    monkeypatch.setattr(os_module, "fsync", real_fsync)
    assert result.status is Status.FAILED and "full" in result.error
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.skipif(
    hasattr(__import__("os"), "geteuid") and __import__("os").geteuid() == 0,
    reason="root ignores folder permissions; the read-only case is simulated below",
)
def test_read_only_output_folder_real(tmp_path):
    src = mf.save_jpeg(tmp_path / "x.jpg", mf.photo_like(500, 400))
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o500)
    try:
        result = run_item(src, out, CompressOptions())
    finally:
        out.chmod(0o700)
    assert result.status is Status.FAILED and "read-only" in result.error
    assert list(out.iterdir()) == []


def test_read_only_output_folder_simulated(tmp_path, monkeypatch):
    import tempfile

    src = mf.save_jpeg(tmp_path / "x.jpg", mf.photo_like(500, 400))

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    result = run_item(src, tmp_path / "out", CompressOptions())
    assert result.status is Status.FAILED
    assert "read-only" in result.error and "x.jpg" not in str(list((tmp_path / "out").iterdir()))


def test_cancel_before_writing_leaves_nothing(tmp_path):
    import threading

    src = mf.save_jpeg(tmp_path / "x.jpg", mf.photo_like(1500, 1000))
    cancel = threading.Event()
    seen = []

    def report(p):
        seen.append(p.fraction)
        if p.stage == "encoding":
            cancel.set()

    result = run_item(src, tmp_path / "out", CompressOptions(), report=report, cancel=cancel)
    assert result.status is Status.CANCELLED
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").rglob("*")) == []


def test_progress_increases_to_one(tmp_path):
    src = mf.save_jpeg(tmp_path / "x.jpg", mf.photo_like(1500, 1000))
    seen = []
    compress(src, tmp_path / "out", CompressOptions(), report=lambda p: seen.append(p.fraction))
    assert seen == sorted(seen) and seen[-1] == 1.0 and seen[0] == 0.0


def test_sRGB_profile_is_not_a_reason_to_convert(tmp_path):
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    src = tmp_path / "s.png"
    Image.new("RGB", (50, 50), (10, 200, 30)).save(src, icc_profile=srgb)
    result = compress(src, tmp_path / "out", CompressOptions(keep_original_if_smaller=False))
    with Image.open(result.output) as out:
        assert close(out.convert("RGB").getpixel((25, 25)), (10, 200, 30), tol=3)


@pytest.mark.parametrize("fmt,ext", [("PNG", ".png"), ("WEBP", ".webp"), ("TIFF", ".tif"), ("HEIF", ".heic")])
def test_orientation_outside_jpeg(tmp_path, fmt, ext):
    """PNG eXIf, WebP EXIF and TIFF tags carry orientation too; HEIC carries irot boxes."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    upright = mf.corner_picture(300, 200)
    src = tmp_path / f"turned{ext}"
    Image.fromarray(mf.store_for_orientation(upright, 6)).save(src, format=fmt, exif=mf.exif_bytes(6, gps=True))
    result = compress(src, tmp_path / "out", CompressOptions(keep_original_if_smaller=False))
    with Image.open(result.output) as out:
        assert out.size == (300, 200)
        for corner, (fx, fy) in {"tl": (0.05, 0.05), "br": (0.95, 0.95)}.items():
            assert close(pixel(out, fx, fy), mf.CORNERS[corner]), (corner, pixel(out, fx, fy))
    assert mf.has_metadata(result.output) == []
