"""Watch a folder (issue 12 §3): files are taken once they stop changing, once, complete."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from odnix_desktop.core.compress import run_item
from odnix_desktop.core.options import CompressOptions, CompressResult, Status
from odnix_desktop.core.output import OUTPUT_MARKER, TEMP_PREFIX, TEMP_SUFFIX
from odnix_desktop.core.watch import FolderWatcher, SettleTracker, is_ignored
from tests import media_factory as mf


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_file_is_due_only_once_it_has_stayed_the_same_for_the_settle_time(tmp_path):
    clock = FakeClock()
    tracker = SettleTracker(settle=2.0, clock=clock)
    f = tmp_path / "a.jpg"
    f.write_bytes(b"x" * 10)
    tracker.touch(f)
    assert tracker.due() == []  # first look
    clock.now += 1.5
    assert tracker.due() == []
    with f.open("ab") as fh:  # still being written: the settle time starts over
        fh.write(b"y" * 10)
    clock.now += 1.0
    assert tracker.due() == []
    clock.now += 1.9
    assert tracker.due() == []
    clock.now += 0.2
    assert tracker.due() == [f]
    tracker.touch(f)  # a late event for the same version: not taken twice
    clock.now += 5
    assert tracker.due() == [] and tracker.due() == []
    assert tracker.pending() == 0


def test_empty_files_and_firefox_placeholders_wait(tmp_path):
    clock = FakeClock()
    tracker = SettleTracker(settle=1.0, clock=clock)
    empty, placeholder = tmp_path / "e.jpg", tmp_path / "p.jpg"
    empty.write_bytes(b"")
    placeholder.write_bytes(b"x")
    (tmp_path / "p.jpg.part").write_bytes(b"downloading")
    for f in (empty, placeholder):
        tracker.touch(f)
    tracker.due()
    clock.now += 10
    assert tracker.due() == []
    (tmp_path / "p.jpg.part").unlink()
    assert tracker.due() == [placeholder]


def test_what_a_watch_never_takes(tmp_path):
    root, out = tmp_path / "in", tmp_path / "in" / "out"
    assert not is_ignored(root / "a.jpg", root, out)
    assert not is_ignored(root / "sub" / "a.jpg", root, out)
    for name in ("a.jpg.crdownload", "a.jpg.part", "a.mp4.partial", "x.tmp", "a.jpg~", "~$doc.jpg", ".hidden.jpg"):
        assert is_ignored(root / name, root, out), name
    assert is_ignored(root / f"{TEMP_PREFIX}abc{TEMP_SUFFIX}", root, out)
    assert is_ignored(root / ".git" / "a.jpg", root, out)
    assert is_ignored(out / "a.jpg", root, out) and is_ignored(out / "sub" / "a.jpg", root, out)
    assert is_ignored(tmp_path / "elsewhere.jpg", root, out)


def _slow_write(path: Path, data: bytes, chunks: int, pause: float, done: threading.Event) -> None:
    """The scenario: a copy that stalls between chunks for longer than a poll interval."""
    step = -(-len(data) // chunks)
    with path.open("wb") as fh:
        for i in range(0, len(data), step):
            fh.write(data[i : i + step])
            fh.flush()
            os.fsync(fh.fileno())
            done.wait(pause)
    done.set()


@pytest.mark.parametrize("polling", [False, True], ids=["native", "polling"])
def test_a_slowly_written_file_is_compressed_once_from_the_complete_file(tmp_path, polling):
    root, out = tmp_path / "in", tmp_path / "in" / "out"
    root.mkdir()
    photo = mf.save_jpeg(tmp_path / "photo.jpg", mf.photo_like(1600, 1200))
    data = photo.read_bytes()
    results: queue.Queue[CompressResult] = queue.Queue()

    def on_ready(path: Path) -> None:
        rel = path.parent.relative_to(root)
        results.put(run_item(path, out, CompressOptions(), rel_dir=rel))

    watcher = FolderWatcher(root, on_ready, out=out, settle=1.0, poll=0.1, polling=polling)
    watcher.start()
    try:
        finished = threading.Event()
        writer = threading.Thread(target=_slow_write, args=(root / "slow.jpg", data, 5, 0.4, finished))
        writer.start()
        first = results.get(timeout=30)
        assert finished.is_set(), "taken before the copy ended"
        writer.join()
        assert first.source.name == "slow.jpg"
        assert first.status is Status.COMPRESSED, first.error
        assert first.before is not None and first.before.bytes == len(data)
        assert (first.before.width, first.before.height) == (1600, 1200)
        # A second file: once its result is in, nothing else came for the first.
        mf.save_jpeg(root / "marker.jpg", mf.photo_like(200, 100))
        second = results.get(timeout=30)
        assert second.source.name == "marker.jpg"
        assert results.empty()
    finally:
        watcher.stop()
    assert sorted(p.name for p in out.iterdir() if p.name != OUTPUT_MARKER) == ["marker.jpg", "slow.jpg"]


def _cli_watch(root: Path, out: Path, *extra: str) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-c", "import sys; from odnix_desktop.cli import main; sys.exit(main())"]
    args = ["watch", str(root), "-o", str(out), "--settle", "0.3", "--json", *extra]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([*cmd, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _line(proc: subprocess.Popen[str]) -> dict:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line, proc.stderr.read() if proc.stderr else "no output"
    return json.loads(line)


def _stop(proc: subprocess.Popen[str]) -> int:
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=30)
    return proc.returncode


@pytest.mark.slow
def test_cli_watch_output_inside_the_folder_ctrl_c_and_restart(tmp_path):
    root = tmp_path / "in"
    out = root / "compressed"  # inside the watched folder: outputs must not come back as inputs
    root.mkdir()
    proc = _cli_watch(root, out)
    try:
        mf.save_jpeg(root / "one.jpg", mf.photo_like(1600, 1200))
        first = _line(proc)
        assert first["source"] == str(root / "one.jpg") and first["status"] == "compressed"
        (root / "two.jpg.crdownload").write_bytes(b"partial download")
        (root / ".hidden.jpg").write_bytes((root / "one.jpg").read_bytes())
        (root / "sub").mkdir()
        mf.save_jpeg(root / "sub" / "two.jpg", mf.photo_like(900, 600, seed=2))
        second = _line(proc)
        assert second["source"] == str(root / "sub" / "two.jpg") and second["status"] == "compressed"
        assert second["output"].endswith("compressed/sub/two.jpg")
    finally:
        code = _stop(proc)
    assert code == 130
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file() and p.name != OUTPUT_MARKER) == [
        "one.jpg",
        "sub/two.jpg",
    ]
    assert not list(root.rglob(f"{TEMP_PREFIX}*"))

    again = _cli_watch(root, out)  # restart: what was finished is skipped through the cache
    try:
        lines = [_line(again), _line(again)]
    finally:
        assert _stop(again) == 130
    assert {Path(x["source"]).name: x["status"] for x in lines} == {"one.jpg": "skipped", "two.jpg": "skipped"}
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file() and p.name != OUTPUT_MARKER) == [
        "one.jpg",
        "sub/two.jpg",
    ]


@pytest.mark.slow
def test_ctrl_c_mid_clip_cancels_cleanly(tmp_path):
    from tests.video_fixtures import make_clip

    root, out = tmp_path / "in", tmp_path / "out"
    root.mkdir()
    clip = make_clip(tmp_path / "clip.mp4", size="1280x720", rate=30, seconds=20)
    proc = _cli_watch(root, out, "-v")
    try:
        (root / "clip.mp4").write_bytes(clip.read_bytes())
        assert proc.stderr is not None
        for line in proc.stderr:  # synchronise on the run's own log: the clip is being compressed
            if "itemrun: compressing" in line:
                break
        proc.send_signal(signal.SIGINT)
        stdout, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    (item,) = [json.loads(line) for line in stdout.splitlines()]
    assert item["status"] == "cancelled"
    assert not [
        p for p in out.rglob("*") if p.is_file() and p.name != OUTPUT_MARKER
    ]  # neither a partial output nor a temporary
