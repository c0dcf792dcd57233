"""``odnix-compress``: JSON lines, exit codes, folder mirroring, skipping, the cache."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from odnix_desktop.cli import main
from odnix_desktop.cli.common import parse_size
from tests import media_factory as mf

KEYS = {"source", "output", "status", "error", "before", "after", "warnings", "seconds", "quality"}
INFO_KEYS = {"bytes", "width", "height", "format"}


def run_json(capsys, *args: str) -> tuple[int, list[dict]]:
    code = main([*args, "--json"])
    out = capsys.readouterr().out
    lines = [json.loads(line) for line in out.splitlines()]
    return code, lines


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    mf.save_jpeg(folder / "a.jpg", mf.photo_like(1600, 1200), exif=mf.exif_bytes(6, gps=True))
    mf.save_jpeg(folder / "sub" / "b.jpg", mf.photo_like(1300, 900, seed=2))
    (folder / "readme.txt").write_text("not a photo")
    return folder


def test_json_schema_and_folder_mirroring(tmp_path, capsys, photos):
    code, lines = run_json(capsys, str(photos), "-o", str(tmp_path / "out"))
    assert code == 0
    assert len(lines) == 3
    by_name = {Path(x["source"]).name: x for x in lines}
    for item in lines:
        assert set(item) == KEYS
        assert isinstance(item["warnings"], list) and isinstance(item["seconds"], float)
    a = by_name["a.jpg"]
    assert a["status"] == "compressed" and a["error"] is None
    assert set(a["before"]) >= INFO_KEYS and set(a["after"]) >= INFO_KEYS
    assert (a["before"]["width"], a["before"]["height"]) == (1200, 1600)  # upright
    assert (a["after"]["width"], a["after"]["height"]) == (810, 1080)
    assert Path(a["output"]) == tmp_path / "out" / "in" / "a.jpg"
    assert a["after"]["bytes"] == Path(a["output"]).stat().st_size
    assert Path(by_name["b.jpg"]["output"]) == tmp_path / "out" / "in" / "sub" / "b.jpg"
    txt = by_name["readme.txt"]
    assert txt["status"] == "skipped" and txt["output"] is None
    assert "text file" in txt["warnings"][0]


def test_bad_file_named_directly_fails_with_exit_1_and_batch_goes_on(tmp_path, capsys):
    good = mf.save_jpeg(tmp_path / "good.jpg", mf.photo_like(1500, 1000))
    bad = tmp_path / "bad.jpg"
    bad.write_text("this is text pretending to be a photo")
    code, lines = run_json(capsys, str(bad), str(good), str(tmp_path / "missing.png"), "-o", str(tmp_path / "o"))
    assert code == 1
    status = {Path(x["source"]).name: x for x in lines}
    assert status["good.jpg"]["status"] == "compressed"
    assert status["bad.jpg"]["status"] == "failed" and "bad.jpg" in status["bad.jpg"]["error"]
    assert status["missing.png"]["status"] == "failed" and "no such file" in status["missing.png"]["error"]


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--quality", "0", "x.jpg"],
        ["--quality", "abc", "x.jpg"],
        ["--preset", "nope", "x.jpg"],
        ["--max-bytes", "lots", "x.jpg"],
        ["--jobs", "0", "x.jpg"],
    ],
)
def test_usage_errors_exit_2(args, capsys):
    assert main(args) == 2
    assert "usage" in capsys.readouterr().err


def test_rerun_skips_unchanged_outputs_and_force_redoes(tmp_path, capsys, photos):
    out = tmp_path / "out"
    _, first = run_json(capsys, str(photos), "-o", str(out))
    _, second = run_json(capsys, str(photos), "-o", str(out))
    done = [x for x in second if x["output"]]
    assert len(done) == 2 and all(x["status"] == "skipped" for x in done)
    assert {x["output"] for x in done} == {x["output"] for x in first if x["output"]}
    # An output that changed is redone (into a new name, the changed file is kept).
    changed = Path(next(x["output"] for x in first if x["output"] and x["output"].endswith("a.jpg")))
    changed.write_bytes(changed.read_bytes() + b"\0")
    _, third = run_json(capsys, str(photos), "-o", str(out))
    statuses = {Path(x["source"]).name: x["status"] for x in third}
    assert statuses["a.jpg"] == "compressed" and statuses["b.jpg"] == "skipped"
    _, forced = run_json(capsys, str(photos), "-o", str(out), "--force")
    assert {x["status"] for x in forced if x["output"]} == {"compressed"}
    _, fresh = run_json(capsys, str(photos), "-o", str(tmp_path / "other"))
    assert {x["status"] for x in fresh if x["output"]} == {"compressed"}


def test_originals_are_byte_identical_afterwards(tmp_path, capsys, photos):
    before = {p: p.read_bytes() for p in photos.rglob("*") if p.is_file()}
    main([str(photos), "-o", str(photos), "--json"])  # even writing into the source folder
    capsys.readouterr()
    for path, data in before.items():
        assert path.read_bytes() == data


def test_jobs_and_max_bytes(tmp_path, capsys, photos):
    code, lines = run_json(capsys, str(photos), "-o", str(tmp_path / "o"), "--jobs", "1", "--max-bytes", "20k")
    assert code == 0
    for x in lines:
        if x["after"]:
            assert x["after"]["bytes"] <= 20_000


def test_profile_preset_from_cli(tmp_path, capsys):
    src = mf.save_jpeg(tmp_path / "me.jpg", mf.corner_picture(900, 600))
    code, [item] = run_json(capsys, str(src), "--preset", "profile", "-o", str(tmp_path / "o"))
    assert code == 0 and item["after"]["width"] == item["after"]["height"] == 600


@pytest.mark.parametrize(
    "text,value", [("500000", 500000), ("500k", 500000), ("2M", 2000000), ("1.5MB", 1500000), ("300KiB", 307200)]
)
def test_parse_size(text, value):
    assert parse_size(text) == value


def test_real_command_line_table_and_exit_status(tmp_path):
    src = mf.save_jpeg(tmp_path / "x.jpg", mf.photo_like(1500, 1000))
    bad = tmp_path / "y.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 20)
    proc = subprocess.run(
        [sys.executable, "-m", "odnix_desktop", str(src), str(bad), "-o", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "x.jpg" in proc.stdout and "compressed" in proc.stdout and "failed" in proc.stdout
    assert "y.png" in proc.stdout
    with Image.open(tmp_path / "o" / "x.jpg") as out:
        assert out.size == (1080, 720)


def test_markup_in_names_and_errors_is_printed_as_text(tmp_path, capsys):
    """rich reads ``[red]`` as a style (and ``[/x]`` as a bad closing tag): names are escaped, not parsed."""
    folder = tmp_path / "[bold]in"
    folder.mkdir()
    mf.save_jpeg(folder / "[red]photo.jpg", mf.photo_like(400, 300))
    (folder / "[i]broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    code = main([str(folder), "-o", str(tmp_path / "out"), "--force"])
    out = capsys.readouterr().out
    assert code == 1  # the broken one failed, the batch went on
    assert "[red]photo.jpg" in out and "[i]broken.jpg" in out
    assert (tmp_path / "out" / "[bold]in" / "[red]photo.jpg").exists()
