"""Issue 15: the fast SSIMULACRA2 against the reference, and the per-photo quality search."""

from __future__ import annotations

import io
import json
import threading

import numpy as np
import pytest
from PIL import Image

from odnix_desktop.cli import main
from odnix_desktop.core.compress import run_item
from odnix_desktop.core.image import encode
from odnix_desktop.core.image.quality import search, ssim2
from odnix_desktop.core.options import CompressOptions, Status
from odnix_desktop.core.progress import Progress
from tests.media_factory import scene


def _ranks(x: list[float]) -> np.ndarray:
    return np.argsort(np.argsort(np.asarray(x))).astype(float)


def spearman(a: list[float], b: list[float]) -> float:
    return float(np.corrcoef(_ranks(a), _ranks(b))[0, 1])


def _jpeg(pixels: np.ndarray, q: int) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "JPEG", quality=q)
    return np.asarray(Image.open(buf).convert("RGB"))


def test_fast_metric_ranks_and_scores_like_the_reference(tmp_path):
    from ssimulacra2 import compute_ssimulacra2

    ours, theirs = [], []
    for i, kind in enumerate(("easy", "hard", "night", "grey")):
        ref = scene(kind, 200, 152, seed=i)
        Image.fromarray(ref).save(tmp_path / "ref.png")
        prepared = ssim2.Reference(ref)
        for q in (20, 40, 60, 75, 85, 95):
            dist = _jpeg(ref, q)
            Image.fromarray(dist).save(tmp_path / "d.png")
            ours.append(prepared.score(dist))
            theirs.append(float(compute_ssimulacra2(str(tmp_path / "ref.png"), str(tmp_path / "d.png"))))
    assert max(ours) - min(ours) > 30  # a real spread of qualities
    assert spearman(ours, theirs) >= 0.95
    assert np.max(np.abs(np.subtract(ours, theirs))) < 0.1


def test_fast_metric_is_100_for_identical_and_refuses_other_sizes():
    ref = scene("hard", 96, 64)
    assert ssim2.ssimulacra2(ref, ref) == pytest.approx(100.0)
    with pytest.raises(ValueError):
        ssim2.Reference(ref).score(ref[:32])


@pytest.mark.parametrize("target", [75, 85])
def test_search_reaches_the_target_and_easy_photos_get_fewer_bytes(target):
    sizes = {}
    for kind in ("easy", "hard"):
        pixels = scene(kind, 1024, 704, seed=3)
        found = search.search(pixels, encode.encode_jpeg, float(target))
        assert found.probes <= search.MAX_PROBES
        data = encode.encode_jpeg(Image.fromarray(pixels), found.quality)
        whole = ssim2.Reference(pixels).score(np.asarray(Image.open(io.BytesIO(data))))
        # the mosaic estimate and the score of the whole picture both land near the target
        assert target - 0.01 <= found.achieved <= target + search.TOLERANCE + 0.01 or found.probes == search.MAX_PROBES
        assert abs(whole - target) <= 2.5, (kind, found, whole)
        sizes[kind] = len(data)
    assert sizes["easy"] < sizes["hard"]


def test_auto_spends_above_the_floor_only_on_photos_the_typical_quality_already_reaches():
    probed: list[int] = []

    def encoder(img: Image.Image, q: int) -> bytes:
        probed.append(q)
        return encode.encode_jpeg(img, q)

    # small and fine-grained: its floor is above the typical quality, and its few bytes made
    # the mosaic's extrapolated slopes ask for q95+ before spending was limited
    costly = scene("easy", 640, 480, seed=1)
    floor = search.search(costly, encoder, 80.0)
    assert probed[0] == search.start_quality(80.0) and floor.quality > probed[0]  # needed more than typical
    assert search.search(costly, encode.encode_jpeg, 80.0, slope=search.AUTO_SLOPE) == floor
    big = Image.fromarray(scene("easy", 1600, 1200, seed=0))  # downscaled: smoother, reaches 80 below typical
    easy = np.asarray(big.resize((1080, 810), Image.Resampling.LANCZOS))
    lowest = search.search(easy, encode.encode_jpeg, 80.0)
    spent = search.search(easy, encode.encode_jpeg, 80.0, slope=search.AUTO_SLOPE)
    assert lowest.quality < search.start_quality(80.0) and spent.quality > lowest.quality
    assert spent.achieved > lowest.achieved


def test_a_higher_target_costs_more_quality():
    pixels = scene("hard", 800, 600, seed=5)
    low = search.search(pixels, encode.encode_jpeg, 70.0)
    high = search.search(pixels, encode.encode_jpeg, 88.0)
    assert low.quality < high.quality


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "hard.png"  # PNG source: the JPEG output is not "kept original"
    Image.fromarray(scene("hard", 1200, 900, seed=7)).save(path)
    return path


def test_pipeline_reports_the_target_and_fixed_quality_bypasses_the_search(tmp_path, photo):
    auto = run_item(photo, tmp_path / "a", CompressOptions(keep_original_if_smaller=False))
    assert auto.status is Status.COMPRESSED and auto.quality is not None
    assert auto.quality.target == search.AUTO_TARGET and 1 <= auto.quality.probes <= search.MAX_PROBES
    assert auto.quality.achieved is not None
    fixed = run_item(photo, tmp_path / "f", CompressOptions(quality=63, keep_original_if_smaller=False))
    assert fixed.quality is not None
    assert (fixed.quality.quality, fixed.quality.target, fixed.quality.probes) == (63, None, 0)
    assert fixed.output is not None
    with Image.open(fixed.output) as out:
        assert list(out.quantization[0]) == encode.quant_table(encode._LUMA_80, 63)
    assert json.loads(json.dumps(auto.to_json()))["quality"]["probes"] == auto.quality.probes
    assert auto.quality.quality is not None and search.MIN_QUALITY <= auto.quality.quality <= search.MAX_QUALITY


def test_max_bytes_wins_over_the_target_with_a_warning(tmp_path, photo):
    result = run_item(photo, tmp_path / "o", CompressOptions(target=95, max_bytes=60_000))
    assert result.status is Status.COMPRESSED and result.after is not None
    assert result.after.bytes <= 60_000
    assert result.quality is not None and result.quality.achieved is None
    assert any("target 95 could not be met" in w for w in result.warnings)


def test_cancel_during_the_search_leaves_nothing_behind(tmp_path, photo):
    cancel = threading.Event()
    seen: list[str] = []

    def report(p: Progress) -> None:
        seen.append(p.stage)
        if p.stage == "finding the quality":
            cancel.set()

    out = tmp_path / "out"
    result = run_item(photo, out, CompressOptions(), report=report, cancel=cancel)
    assert result.status is Status.CANCELLED
    assert "finding the quality" in seen
    assert not out.exists() or not any(out.rglob("*"))


def test_cli_target_option_and_json(tmp_path, capsys, photo):
    code = main([str(photo), "-o", str(tmp_path / "o"), "--target", "70", "--json", "--no-keep-original"])
    assert code == 0
    row = json.loads(capsys.readouterr().out.splitlines()[0])
    assert row["quality"]["target"] == 70 and row["quality"]["probes"] >= 1
    assert main([str(photo), "--target", "best"]) == 2
    assert "--target" in capsys.readouterr().err


def cut_out(kind: str) -> Image.Image:
    """A product shot on transparency: a photo inside a soft-edged disc."""
    rgb = scene(kind, 640, 480, seed=2)
    y, x = np.mgrid[0:480, 0:640]
    alpha = np.clip((200 - np.hypot(x - 320, y - 240)) * 16, 0, 255).astype(np.uint8)
    return Image.fromarray(np.dstack([rgb, alpha]))


@pytest.mark.parametrize("kind", ["easy", "hard"])
def test_photo_like_rgba_becomes_a_smaller_lossy_png_with_the_same_alpha(tmp_path, kind):
    src = tmp_path / "cutout.png"
    cut_out(kind).save(src)
    result = run_item(src, tmp_path / "o", CompressOptions())
    assert result.status is Status.COMPRESSED and result.output is not None and result.output.suffix == ".png"
    assert result.quality is not None and result.quality.achieved is not None
    assert result.quality.achieved >= search.AUTO_TARGET
    lossless = len(encode.encode_png(cut_out(kind)))
    assert result.output.stat().st_size < lossless * 0.8
    with Image.open(result.output) as out, Image.open(src) as original:
        got, want = np.asarray(out.convert("RGBA")), np.asarray(original)
    assert np.array_equal(got[..., 3], want[..., 3])  # transparency untouched, nothing flattened
    opaque = want[..., 3] == 255
    assert np.abs(got[opaque, :3].astype(int) - want[opaque, :3]).max() <= 16


def test_rgba_graphic_and_fixed_quality_stay_lossless(tmp_path):
    graphic = np.zeros((200, 300, 4), np.uint8)
    graphic[50:150, 50:250] = (200, 30, 30, 255)
    graphic[80:120, 100:200] = (20, 20, 220, 128)
    src = tmp_path / "logo.png"
    Image.fromarray(graphic).save(src)
    result = run_item(src, tmp_path / "o", CompressOptions(keep_original_if_smaller=False))
    assert result.output is not None
    with Image.open(result.output) as out:
        assert np.array_equal(np.asarray(out.convert("RGBA")), graphic)
    photo = tmp_path / "cutout.png"
    cut_out("hard").save(photo)
    fixed = run_item(photo, tmp_path / "f", CompressOptions(quality=80, keep_original_if_smaller=False))
    assert fixed.output is not None
    with Image.open(fixed.output) as out, Image.open(photo) as original:
        assert np.array_equal(np.asarray(out.convert("RGBA")), np.asarray(original))


def test_a_greyscale_photo_png_is_a_photo_not_a_graphic(tmp_path):
    src = tmp_path / "grey.png"
    Image.fromarray(scene("grey", 900, 600, seed=4)[..., 0]).save(src)
    result = run_item(src, tmp_path / "o", CompressOptions(keep_original_if_smaller=False))
    assert result.output is not None and result.output.suffix == ".jpg"
    assert result.quality is not None and result.quality.probes >= 1


def test_output_is_progressive_with_the_pixels_the_probes_scored():
    img = Image.fromarray(scene("hard", 320, 240, seed=9))
    base, prog = encode.encode_jpeg(img, 77), encode.encode_still(img, "JPEG", 77)
    with Image.open(io.BytesIO(prog)) as p, Image.open(io.BytesIO(base)) as b:
        assert p.info.get("progressive") and not b.info.get("progressive")
        assert np.array_equal(np.asarray(p), np.asarray(b))


@pytest.mark.parametrize("size", [(1, 1), (5, 7), (31, 200)])
def test_tiny_pictures_are_not_searched(tmp_path, size):
    src = tmp_path / "tiny.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)).save(src)
    result = run_item(src, tmp_path / "o", CompressOptions(keep_original_if_smaller=False))
    assert result.status is Status.COMPRESSED, result.error
    assert result.quality is not None and result.quality.probes == 0 and result.quality.achieved is None
    with pytest.raises(ValueError, match="too small"):
        ssim2.Reference(np.zeros((4, 40, 3), np.uint8))
