"""The window's queue journal (issue 12 §1), Qt-free: it survives a hard kill and offers the
queue back; finished items keep their outputs only while those are unchanged."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import PurePath

from odnix_desktop.core.options import CompressOptions, CropBox
from odnix_desktop.core.queue_journal import (
    Entry,
    EntryState,
    QueueJournal,
    default_path,
    options_from_json,
    options_to_json,
)

CRASHING_WINDOW = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path, PurePath
    from odnix_desktop.core.options import CompressOptions
    from odnix_desktop.core.queue_journal import Entry, EntryState, QueueJournal

    folder = Path(sys.argv[1])
    journal = QueueJournal(folder / "queue.sqlite3")
    assert journal.offer() is None
    journal.begin(restore=False)
    out = folder / "out" / "a.jpg"
    out.parent.mkdir()
    out.write_bytes(b"compressed a")
    a = Entry("a", folder / "a.jpg", PurePath("trip"), "post", CompressOptions(quality=70))
    journal.put(a)
    journal.finished(a, out)
    journal.put(Entry("b", folder / "b.mp4", state=EntryState.RUNNING, upload=None))
    journal.put(Entry("c", folder / "c.png", preset="story"))
    journal.put(Entry("d", folder / "d.jpg", state=EntryState.FAILED, error="d.jpg: truncated"))
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def test_the_queue_survives_a_hard_kill_and_is_offered_back(tmp_path):
    done = subprocess.run([sys.executable, "-c", CRASHING_WINDOW, str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == -9, done.stderr
    journal = QueueJournal(tmp_path / "queue.sqlite3")
    offer = journal.offer()
    assert offer is not None and offer.crashed
    assert offer.question == "Restore the last queue (4 items, 3 unfinished)?"
    entries = journal.begin(restore=True)
    assert [e.key for e in entries] == ["a", "b", "c", "d"]  # the queue's order
    a, b, c, d = entries
    assert a.state is EntryState.DONE and a.output == tmp_path / "out" / "a.jpg"
    assert a.rel_dir == PurePath("trip") and a.preset == "post" and a.options.quality == 70
    assert b.state is EntryState.WAITING and b.output is None  # interrupted: redone from the start
    assert c.state is EntryState.WAITING and c.preset == "story"
    assert d.state is EntryState.FAILED and d.error == "d.jpg: truncated"
    journal.close()


def test_a_finished_items_changed_or_missing_output_is_redone(tmp_path):
    journal = QueueJournal(tmp_path / "q.sqlite3")
    journal.begin(restore=False)
    outs = []
    for name in ("same", "changed", "gone"):
        out = tmp_path / f"{name}.jpg"
        out.write_bytes(b"output")
        outs.append(journal.finished(Entry(name, tmp_path / f"src-{name}.jpg"), out))
    (tmp_path / "changed.jpg").write_bytes(b"someone else's file")
    (tmp_path / "gone.jpg").unlink()
    journal.close()

    again = QueueJournal(tmp_path / "q.sqlite3")
    states = {e.key: e.state for e in again.begin(restore=True)}
    assert states == {"same": EntryState.DONE, "changed": EntryState.WAITING, "gone": EntryState.WAITING}
    again.close()


def test_a_normal_quit_keeps_the_queue_only_when_asked(tmp_path):
    path = tmp_path / "q.sqlite3"
    journal = QueueJournal(path)
    journal.begin(restore=False)
    journal.put(Entry("a", tmp_path / "a.jpg"))
    journal.end(keep=True)
    journal.close()
    journal = QueueJournal(path)
    offer = journal.offer()
    assert offer is not None and not offer.crashed and offer.unfinished == 1
    assert journal.begin(restore=False) == []  # declined: the old queue is dropped
    journal.put(Entry("b", tmp_path / "b.jpg"))
    journal.end(keep=False)
    journal.close()
    journal = QueueJournal(path)
    assert journal.offer() is None and journal.entries() == []
    journal.close()


def test_items_are_updated_in_place_and_removed(tmp_path):
    journal = QueueJournal(tmp_path / "q.sqlite3")
    journal.put(Entry("a", tmp_path / "a.jpg"))
    journal.put(Entry("b", tmp_path / "b.jpg"))
    journal.put(Entry("a", tmp_path / "a.jpg", state=EntryState.RUNNING))
    assert [(e.key, e.state) for e in journal.entries()] == [("a", EntryState.RUNNING), ("b", EntryState.WAITING)]
    journal.put(Entry("a", tmp_path / "a.jpg", upload={"url": "https://odnix.example/p/1", "id": 1}))
    assert journal.entries()[0].upload == {"url": "https://odnix.example/p/1", "id": 1}
    journal.remove("a")
    assert [e.key for e in journal.entries()] == ["b"]
    journal.close()


def test_options_round_trip_and_the_file_lives_in_the_user_data_folder():
    options = CompressOptions(preset="profile", crop=CropBox(1, 2, 30, 40), min_saving=0.1, keep_capture_date=True)
    assert options_from_json(options_to_json(options)) == options
    assert default_path().is_relative_to(os.environ["ODNIX_USER_DIR"])
    assert default_path().parent.name == "data"
