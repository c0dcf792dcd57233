"""Keeping file dates (issue 12 §2): outputs get their source's times, never EXIF dates or GPS."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from odnix_desktop.cli import main
from odnix_desktop.core.dates import capture_date, folder_pairs, with_capture_date
from tests import media_factory as mf

# 2019-06-01 12:00:00 UTC and a minute later, as nanoseconds.
PAST_NS = 1_559_390_400 * 10**9
ATIME_NS = PAST_NS + 60 * 10**9


def run_json(capsys, *args: str) -> tuple[int, list[dict]]:
    code = main([*args, "--json"])
    return code, [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def _date(path: Path, offset_s: int = 0) -> Path:
    os.utime(path, ns=(ATIME_NS + offset_s * 10**9, PAST_NS + offset_s * 10**9))
    return path


@pytest.fixture
def dated(tmp_path: Path) -> Path:
    folder = tmp_path / "trip"
    (folder / "day2").mkdir(parents=True)
    _date(mf.save_jpeg(folder / "big.jpg", mf.photo_like(1600, 1200), exif=mf.exif_bytes(6, gps=True)), 1)
    # Already within the box and coarser than quality 80: re-encoding would not help, it is kept.
    _date(mf.save_jpeg(folder / "day2" / "small.jpg", mf.photo_like(300, 200, seed=3), quality=40), 2)
    _date(folder / "day2", 3)
    _date(folder, 4)
    return folder


def test_output_mtimes_equal_the_sources(tmp_path, capsys, dated):
    code, lines = run_json(capsys, str(dated), "-o", str(tmp_path / "out"), "--min-saving", "99")
    assert code == 0
    statuses = {Path(x["source"]).name: x["status"] for x in lines}
    assert statuses == {"big.jpg": "compressed", "small.jpg": "kept-original"}
    for item in lines:
        src, out = os.stat(item["source"]), os.stat(item["output"])
        assert out.st_mtime_ns == src.st_mtime_ns
        assert out.st_atime_ns == src.st_atime_ns
    # Privacy is not weakened: no EXIF (so no date, no GPS) in the output.
    big = next(Path(x["output"]) for x in lines if x["source"].endswith("big.jpg"))
    assert mf.has_metadata(big) == []
    # Mirrored folders keep their folders' dates.
    out_trip = tmp_path / "out" / "trip"
    assert out_trip.stat().st_mtime_ns == dated.stat().st_mtime_ns
    assert (out_trip / "day2").stat().st_mtime_ns == (dated / "day2").stat().st_mtime_ns


def test_no_keep_dates_leaves_fresh_times(tmp_path, capsys, dated):
    code, lines = run_json(capsys, str(dated / "big.jpg"), "-o", str(tmp_path / "out"), "--no-keep-dates")
    assert code == 0
    assert Path(lines[0]["output"]).stat().st_mtime_ns > PAST_NS + 365 * 86400 * 10**9  # written now


def test_folder_pairs_follow_the_mirrored_part(tmp_path):
    from pathlib import PurePath

    pairs = folder_pairs(tmp_path / "in" / "a" / "b" / "x.jpg", tmp_path / "out" / "a" / "b" / "x.jpg", PurePath("a/b"))
    assert pairs == [
        (tmp_path / "in" / "a" / "b", tmp_path / "out" / "a" / "b"),
        (tmp_path / "in" / "a", tmp_path / "out" / "a"),
    ]


def test_capture_date_is_checked_before_it_reaches_ffmpeg():
    assert capture_date({"creation_time": "2020-01-02T03:04:05.000000Z"}) == "2020-01-02T03:04:05.000000Z"
    assert capture_date({"creation_time": "2020-01-02 03:04:05"}) == "2020-01-02 03:04:05"
    assert capture_date({"creation_time": "now; -i /etc/passwd"}) is None
    assert capture_date({"location": "+43.1-004.8/"}) is None
    args = ["ffmpeg", "-i", "in.mov", "-map_metadata", "-1", "-f", "mp4", "out.mp4"]
    assert with_capture_date(args, "2020-01-02T03:04:05Z")[-7:] == [
        "-metadata",
        "creation_time=2020-01-02T03:04:05Z",
        "-fflags",
        "+bitexact",
        "-f",
        "mp4",
        "out.mp4",
    ]
    assert with_capture_date(args, None) == args


def test_export_keeps_the_outputs_dates(qtbot, tmp_path):
    from odnix_desktop.jobs.tasks import ExportJob

    src = _date(mf.save_jpeg(tmp_path / "done.jpg", mf.photo_like(64, 48)))
    (written,) = ExportJob(1, [src], tmp_path / "exported").work()
    assert written.stat().st_mtime_ns == PAST_NS
    assert written.read_bytes() == src.read_bytes()


@pytest.mark.slow
def test_keep_capture_date_keeps_only_creation_time(tmp_path):
    from odnix_desktop.core.options import CompressOptions
    from odnix_desktop.core.video.pipeline import compress_video
    from odnix_desktop.core.video.probe import probe
    from tests.video_fixtures import GPS, make_clip

    tags = ("creation_time=2020-01-02T03:04:05Z", f"location={GPS}", "com.apple.quicktime.make=Apple")
    src = make_clip(tmp_path / "clip.mov", extra=tuple(x for t in tags for x in ("-metadata", t)))
    assert {"creation_time", "location"} <= set(probe(src).tags)
    _date(src)
    kept = compress_video(src, tmp_path / "kept", CompressOptions(keep_capture_date=True))
    plain = compress_video(src, tmp_path / "plain", CompressOptions())
    assert kept.output is not None and plain.output is not None
    kept_tags, plain_tags = probe(kept.output).tags, probe(plain.output).tags
    assert kept_tags.get("creation_time", "").startswith("2020-01-02T03:04:05")
    assert not {"location", "com.apple.quicktime.make", "encoder"} & set(kept_tags)
    assert "creation_time" not in plain_tags and "location" not in plain_tags
    assert not any("Apple" in v or "43.1969" in v for v in kept_tags.values())
