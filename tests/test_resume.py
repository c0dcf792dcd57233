"""Crash-resume of a CLI batch (issue 12 §1): a rerun after a hard kill redoes only the items in
flight, leaves no temporary file and never writes a second copy of a finished item."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path, PurePath

import pytest

from odnix_desktop.core.batch import WorkItem
from odnix_desktop.core.cache import ResultCache
from odnix_desktop.core.itemrun import ADOPTED_NOTE, ItemRunner
from odnix_desktop.core.options import CompressOptions, Status
from odnix_desktop.core.output import (
    OUTPUT_MARKER,
    TEMP_PREFIX,
    TEMP_SUFFIX,
    output_observer,
    temporary_output,
    write_bytes,
)
from odnix_desktop.core.resume import ItemKey, ResumeJournal
from tests import media_factory as mf

DEAD_PID = 2**22 + 12345  # above Linux's pid_max: no such process


def temporaries(root: Path) -> list[Path]:
    return [p for p in root.rglob(f"{TEMP_PREFIX}*{TEMP_SUFFIX}")]


def _as_dead(db: Path) -> None:
    """What a SIGKILL leaves: the rows of a run whose process is gone."""
    import sqlite3

    with sqlite3.connect(db) as con:
        con.execute("UPDATE inflight SET pid=?, run='dead'", (DEAD_PID,))


def test_a_dead_runs_committed_output_is_adopted_not_copied(tmp_path):
    src = mf.save_jpeg(tmp_path / "a.jpg", mf.photo_like(1600, 1200))
    out, options = tmp_path / "out", CompressOptions()
    item = WorkItem(src, PurePath(), None)
    db = tmp_path / "journal.sqlite3"
    journal = ResumeJournal(db)
    key = ItemKey.make(out, src, options.fingerprint())
    inflight = journal.begin(key)
    # The killed run had compressed the item and given it its name, but died before the cache knew.
    token = output_observer.set(inflight.observe)
    try:
        first = write_bytes(out / "a.jpg", b"\xff\xd8" + src.read_bytes()[2:])
    finally:
        output_observer.reset(token)
    journal.close()
    _as_dead(db)

    runner = ItemRunner(out, options, cache=ResultCache(tmp_path / "cache.sqlite3"), journal=ResumeJournal(db))
    result = runner.run(item)
    assert result.status is Status.SKIPPED and result.warnings == (ADOPTED_NOTE,)
    assert result.output == first
    assert sorted(p.name for p in out.iterdir() if p.name != OUTPUT_MARKER) == ["a.jpg"]  # no a-1.jpg
    again = runner.run(item)  # recorded in the cache now
    assert again.status is Status.SKIPPED and again.output == first
    runner.close()


def test_a_dead_runs_temporaries_are_removed_and_the_item_redone(tmp_path):
    src = mf.save_jpeg(tmp_path / "a.jpg", mf.photo_like(1600, 1200))
    out, options = tmp_path / "out", CompressOptions()
    db = tmp_path / "journal.sqlite3"
    journal = ResumeJournal(db)
    inflight = journal.begin(ItemKey.make(out, src, options.fingerprint()))
    token = output_observer.set(inflight.observe)
    try:
        with temporary_output(out / "a.jpg") as tmp:
            tmp.write_bytes(b"half a file")
            os.link(tmp, tmp.with_name(tmp.name + ".kept"))  # what the kill leaves behind
    finally:
        output_observer.reset(token)
    left = tmp.with_name(tmp.name + ".kept")
    os.replace(left, tmp)
    journal.close()
    _as_dead(db)
    assert temporaries(out) == [tmp]

    runner = ItemRunner(out, options, journal=ResumeJournal(db))
    result = runner.run(WorkItem(src, PurePath(), None))
    runner.close()
    assert result.status is Status.COMPRESSED
    assert temporaries(out) == []
    assert sorted(p.name for p in out.iterdir() if p.name != OUTPUT_MARKER) == ["a.jpg"]


def test_a_live_runs_items_are_left_alone(tmp_path):
    src = mf.save_jpeg(tmp_path / "a.jpg", mf.photo_like(64, 64))
    key = ItemKey.make(tmp_path / "out", src, "opts")
    first = ResumeJournal(tmp_path / "j.sqlite3")
    inflight = first.begin(key)
    inflight.observe(tmp_path / f"{TEMP_PREFIX}x{TEMP_SUFFIX}", None)
    other = ResumeJournal(tmp_path / "j.sqlite3")  # this process is alive: its item is not taken
    assert other.recover(key) is None
    first.close()
    other.close()


def _batch(folder: Path, n: int) -> Path:
    """``n`` photos and one clip long enough to be in flight (its temporary file open) at the kill."""
    from tests.video_fixtures import make_clip

    folder.mkdir()
    make_clip(folder / "clip.mp4", size="640x360", rate=30, seconds=8)
    for i in range(n - 1):
        mf.save_jpeg(folder / f"p{i:02d}.jpg", mf.photo_like(1800, 1350, seed=i), quality=95)
    return folder


@pytest.mark.slow
def test_sigkill_mid_batch_then_rerun(tmp_path):
    jobs, n = 2, 24
    src = _batch(tmp_path / "in", n)
    out = tmp_path / "out"
    cmd = [sys.executable, "-c", "import sys; from odnix_desktop.cli import main; sys.exit(main())"]
    args = [str(src), "-o", str(out), "--jobs", str(jobs), "--json", "-v"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    first = subprocess.Popen([*cmd, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    seen = []
    assert first.stdout is not None
    for line in first.stdout:  # synchronise on the run's own output: 6 items done
        seen.append(json.loads(line))
        if len(seen) == 6:
            break
    first.send_signal(signal.SIGKILL)
    _, stderr = first.communicate(timeout=60)
    assert first.returncode == -signal.SIGKILL
    started = {
        line.split("compressing ", 1)[1].strip() for line in stderr.splitlines() if "itemrun: compressing " in line
    }
    assert len(seen) == 6 and len(started) < n, "the kill came too late to test anything"
    assert {x["source"] for x in seen} <= started  # the log names every item begun

    second = subprocess.run([*cmd, *args], capture_output=True, text=True, env=env, timeout=300)
    assert second.returncode == 0, second.stderr
    lines = [json.loads(line) for line in second.stdout.splitlines()]
    assert len(lines) == n
    compressed = {x["source"] for x in lines if x["status"] == "compressed"}
    redone = compressed & started
    assert len(redone) <= jobs, redone
    for x in seen:  # every item the first run reported is skipped, with the same output
        again = next(y for y in lines if y["source"] == x["source"])
        assert again["status"] == "skipped" and again["output"] == x["output"]
    # Every source has exactly one output, and nothing temporary is left.
    outputs = sorted(p.name for p in (out / "in").iterdir() if p.name != OUTPUT_MARKER)
    assert outputs == sorted(["clip.mp4", *(f"p{i:02d}.jpg" for i in range(n - 1))])
    assert temporaries(out) == []
