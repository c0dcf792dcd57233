"""Skipping small gains (issue 12 §4): a source that meets the preset is kept when the output
would save less than --min-saving."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from odnix_desktop.cli import main
from odnix_desktop.core.gains import keeps_source
from odnix_desktop.core.options import CompressOptions
from tests import media_factory as mf


def run_json(capsys, *args: str) -> list[dict]:
    assert main([*args, "--json"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


@pytest.fixture
def fitting(tmp_path: Path) -> Path:
    """Upright, within the 1080 box, sRGB (untagged), but with EXIF and GPS to strip."""
    return mf.save_jpeg(tmp_path / "fits.jpg", mf.photo_like(800, 600), quality=85, exif=mf.exif_bytes(1, gps=True))


def test_min_saving_keeps_the_original(tmp_path, capsys, fitting):
    (plain,) = run_json(capsys, str(fitting), "-o", str(tmp_path / "a"), "--min-saving", "0")
    assert plain["status"] == "compressed"
    saved = 1 - plain["after"]["bytes"] / plain["before"]["bytes"]
    assert 0 < saved < 0.99  # so 99% is a minimum this output does not reach

    (kept,) = run_json(capsys, str(fitting), "-o", str(tmp_path / "b"), "--min-saving", "99")
    assert kept["status"] == "kept-original"
    assert any("--min-saving" in w and f"{saved:.1%}" in w for w in kept["warnings"]), kept["warnings"]
    out = Path(kept["output"])
    assert mf.has_metadata(out) == []  # stripped losslessly: same pixels, no EXIF/GPS
    with Image.open(out) as a, Image.open(fitting) as b:
        assert np.array_equal(np.asarray(a), np.asarray(b))


def test_a_source_outside_the_preset_is_compressed_whatever_the_minimum(tmp_path, capsys):
    big = mf.save_jpeg(tmp_path / "big.jpg", mf.photo_like(1600, 1200), quality=85)
    (item,) = run_json(capsys, str(big), "-o", str(tmp_path / "out"), "--min-saving", "99")
    assert item["status"] == "compressed"
    assert (item["after"]["width"], item["after"]["height"]) == (1080, 810)


def test_the_decision():
    assert keeps_source(97, 100, 0.05) and not keeps_source(94, 100, 0.05)
    assert keeps_source(100, 100, 0.0) and not keeps_source(99, 100, 0.0)
    assert CompressOptions(min_saving=0.1).fingerprint() != CompressOptions().fingerprint()
    with pytest.raises(ValueError):
        CompressOptions(min_saving=1.0)


def test_bad_percentages_are_usage_errors(capsys, fitting):
    assert main([str(fitting), "--min-saving", "abc"]) == 2
    assert main([str(fitting), "--min-saving", "100"]) == 2
