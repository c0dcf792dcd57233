"""Issue 10 items 5-9: a path is a path. Each test would have caught the old behaviour."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from odnix_desktop.cli import main
from odnix_desktop.core.batch import SkippedFile, WorkItem, collect
from odnix_desktop.core.compress import run_item
from odnix_desktop.core.options import CompressOptions, Status
from odnix_desktop.core.video.probe import probe
from tests import media_factory as mf
from tests.video_fixtures import make_clip

posix_only = pytest.mark.skipif(os.name == "nt", reason="names with ':' and FIFOs are POSIX")


@posix_only
def test_a_clip_named_concat_compresses_itself_not_another_file(tmp_path: Path, monkeypatch) -> None:
    make_clip(tmp_path / "other.mp4", size="64x48", seconds=0.5, audio=False)
    make_clip(tmp_path / "concat:other.mp4", size="96x64", seconds=0.5, audio=False)
    monkeypatch.chdir(tmp_path)  # the CLI run in the folder: relative names
    result = run_item(Path("concat:other.mp4"), Path("out"), CompressOptions())
    assert result.status is Status.COMPRESSED, result.error
    assert result.before is not None and (result.before.width, result.before.height) == (96, 64)
    assert result.output is not None and probe(result.output).display_size == (96, 64)


@posix_only
def test_a_clip_named_like_a_url_makes_no_connection(tmp_path: Path, monkeypatch) -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(0.0)
    port = listener.getsockname()[1]
    name = f"http:127.0.0.1:{port}"
    make_clip(tmp_path / "c.mp4", size="64x48", seconds=0.5, audio=False).rename(tmp_path / name)
    monkeypatch.chdir(tmp_path)
    try:
        result = run_item(Path(name), Path("out"), CompressOptions())
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody connected
    finally:
        listener.close()
    assert result.status is Status.COMPRESSED, result.error


def test_libvips_never_reads_options_from_a_name(tmp_path: Path) -> None:
    mf.save_jpeg(tmp_path / "x.jpg", np.full((1200, 1600, 3), (220, 30, 30), np.uint8))
    named = mf.save_jpeg(tmp_path / "x.jpg[shrink=2]", np.full((600, 800, 3), (30, 30, 220), np.uint8))
    result = run_item(named, tmp_path / "out", CompressOptions())
    assert result.status in (Status.COMPRESSED, Status.KEPT_ORIGINAL), result.error
    assert result.before is not None and (result.before.width, result.before.height) == (800, 600)
    with Image.open(result.output) as out:
        r, g, b = np.asarray(out.convert("RGB")).reshape(-1, 3).mean(axis=0)
    assert b > 180 and r < 80, (r, g, b)  # the named blue picture, not x.jpg's red one


def _in_thread(fn, timeout: float = 60.0):
    box: dict[str, object] = {}
    t = threading.Thread(target=lambda: box.setdefault("value", fn()), daemon=True)
    t.start()
    t.join(timeout)
    assert not t.is_alive(), "hung (a special file was opened?)"
    return box["value"]


@posix_only
def test_special_files_are_skipped_unopened(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    mf.save_jpeg(folder / "a.jpg", mf.photo_like(300, 200))
    os.mkfifo(folder / "pipe.jpg")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(folder / "sock.mp4"))
    try:
        entries = _in_thread(lambda: collect([folder]))
        skipped = {e.source.name: e.reason for e in entries if isinstance(e, SkippedFile)}
        assert "named pipe" in skipped["pipe.jpg"] and "socket" in skipped["sock.mp4"]
        assert [e.source.name for e in entries if isinstance(e, WorkItem)] == ["a.jpg"]
        # Named directly: in collect, in the pipeline, and through the CLI.
        (direct,) = _in_thread(lambda: collect([folder / "pipe.jpg"]))
        assert isinstance(direct, SkippedFile) and "named pipe" in direct.reason
        result = _in_thread(lambda: run_item(folder / "pipe.jpg", tmp_path / "out", CompressOptions()))
        assert result.status is Status.SKIPPED and "pipe.jpg" in result.warnings[0]
        dev = _in_thread(lambda: run_item(Path("/dev/zero"), tmp_path / "out", CompressOptions()))
        assert dev.status is Status.SKIPPED and "device" in dev.warnings[0]
        code = _in_thread(lambda: main([str(folder), str(folder / "pipe.jpg"), "-o", str(tmp_path / "o"), "--json"]))
        assert code == 0
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert {r["status"] for r in lines if "pipe" in r["source"] or "sock" in r["source"]} == {"skipped"}
    finally:
        sock.close()


def _tree(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def test_dotdot_from_a_subfolder_writes_only_inside_the_output_folder(tmp_path: Path, monkeypatch, capsys) -> None:
    top = tmp_path / "top"
    sub = top / "sub"
    sub.mkdir(parents=True)
    mf.save_jpeg(top / "a.jpg", mf.photo_like(300, 200))
    mf.save_jpeg(sub / "b.jpg", mf.photo_like(300, 200, seed=2))
    before = _tree(tmp_path)
    monkeypatch.chdir(sub)
    assert main(["..", "--json"]) == 0
    results = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    out_root = (sub / "odnix-compressed").resolve()
    new = _tree(tmp_path) - before
    assert new and all(out_root in p.resolve().parents for p in new), new
    assert {r["status"] for r in results} == {"compressed"}
    assert sorted(Path(r["output"]).name for r in results) == ["a.jpg", "b.jpg"]


def test_running_on_the_current_folder_three_times_never_takes_outputs_as_input(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    mf.save_jpeg(tmp_path / "a.jpg", mf.photo_like(300, 200))
    mf.save_jpeg(tmp_path / "b.jpg", mf.photo_like(300, 200, seed=3))
    monkeypatch.chdir(tmp_path)
    for run in range(3):
        assert main([".", "--json"] + (["--force"] if run == 2 else [])) == 0
        results = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert sorted(Path(r["source"]).name for r in results) == ["a.jpg", "b.jpg"], results
    outputs = [p for p in _tree(tmp_path / "odnix-compressed") if not p.name.startswith(".")]
    assert not any("odnix-compressed" in p.relative_to(tmp_path / "odnix-compressed").parts for p in outputs)
    # An earlier run's output folder, named with -o elsewhere, is not input either.
    assert main([".", "-o", str(tmp_path / "other"), "--json"]) == 0
    results = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert all("odnix-compressed" not in r["source"] for r in results), results
    # And naming the output folder itself is a skip with a reason.
    assert main(["odnix-compressed", "--json"]) == 0
    (only,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert only["status"] == "skipped" and "output folder" in only["warnings"][0]


def test_two_identical_files_are_two_items(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    a = mf.save_jpeg(folder / "a.jpg", mf.photo_like(400, 300))
    (folder / "b.jpg").write_bytes(a.read_bytes())
    out = tmp_path / "o"
    # The first run writes both (compressed, or kept when the target makes it no smaller); the second skips both.
    for expected in ({"compressed", "kept-original"}, {"skipped"}):
        assert main([str(folder), "-o", str(out), "--jobs", "1", "--json"]) == 0
        results = {Path(r["source"]).name: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
        statuses = [r["status"] for r in results.values()]
        assert len(statuses) == 2 and len(set(statuses)) == 1 and statuses[0] in expected, results
        assert Path(results["a.jpg"]["output"]).name == "a.jpg"
        assert Path(results["b.jpg"]["output"]).name == "b.jpg"
        assert Path(results["b.jpg"]["output"]).is_absolute() or "compressed" in expected
    assert (out / "in" / "b.jpg").is_file()


def test_cli_on_hostile_names_exits_0_or_1_without_traceback(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    mf.save_jpeg(folder / "x.jpg[shrink=2]", mf.photo_like(200, 100))
    (folder / "concat:nothing.mp4").write_bytes(b"\x00\x00\x00\x18ftypisom" + b"\0" * 40)
    if os.name != "nt":
        os.mkfifo(folder / "pipe.jpg")
    proc = subprocess.run(
        [sys.executable, "-m", "odnix_desktop", ".", "--json"],
        cwd=folder,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr


@posix_only
def test_the_windows_folder_scan_skips_a_fifo(tmp_path: Path) -> None:
    from odnix_desktop.jobs.tasks import CollectJob

    folder = tmp_path / "in"
    folder.mkdir()
    mf.save_jpeg(folder / "a.jpg", mf.photo_like(300, 200))
    os.mkfifo(folder / "pipe.jpg")
    job = CollectJob(1, [folder, folder / "pipe.jpg"])
    entries = _in_thread(job.work)
    skipped = [e for e in entries if isinstance(e, SkippedFile)]
    assert [e.source.name for e in skipped] == ["pipe.jpg"] and "named pipe" in skipped[0].reason
    assert [e.source.name for e in entries if isinstance(e, WorkItem)] == ["a.jpg"]
