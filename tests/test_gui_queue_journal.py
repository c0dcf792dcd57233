"""The window's queue survives a crash (issue 12 §1): a window process killed with SIGKILL,
then a new window offers its queue back; finished items keep their outputs and are not redone."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from odnix_desktop.core.options import Status
from odnix_desktop.core.queue_journal import QueueJournal
from odnix_desktop.core.settings import Settings
from odnix_desktop.ui.queue_items import ItemState
from tests import media_factory as mf
from tests.gui_helpers import assert_no_dangling_jobs, make_window

CRASHING_WINDOW = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication
    from odnix_desktop.core.queue_journal import QueueJournal
    from odnix_desktop.core.settings import Settings
    from odnix_desktop.app import build_window

    folder = Path(sys.argv[1])
    app = QApplication([])
    journal = QueueJournal(folder / "queue.sqlite3")
    win = build_window(Settings(output_folder=str(folder / "out")), queue_journal=journal)
    assert win.keeper.offer_restore() == 0


    def wait(signal):
        loop = QEventLoop()
        signal.connect(loop.quit)
        QTimer.singleShot(60_000, loop.quit)
        loop.exec()


    win.add_paths([folder / "in" / "a.jpg", folder / "in" / "b.jpg"])
    wait(win.queue.describedAll)
    win.start()
    wait(win.queue.batchFinished)
    win.add_paths([folder / "in" / "c.jpg"])
    wait(win.queue.describedAll)
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for i, name in enumerate(("a.jpg", "b.jpg", "c.jpg")):
        mf.save_jpeg(folder / name, mf.photo_like(1400, 1000, seed=i))
    return folder


def _window(qtbot, tmp_path: Path):
    win = make_window(qtbot, tmp_path, window_kwargs={"queue_journal": QueueJournal(tmp_path / "queue.sqlite3")})
    win.asked = []
    win.keeper.ask = lambda question: win.asked.append(question) or True
    win.keeper.ask_keep = lambda n: win.asked.append(n) or True
    return win


def test_the_queue_survives_a_killed_window(qtbot, tmp_path, photos):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    crashed = subprocess.run(
        [sys.executable, "-c", CRASHING_WINDOW, str(tmp_path)], capture_output=True, text=True, env=env, timeout=120
    )
    assert crashed.returncode == -9, crashed.stderr
    outputs = sorted(p.name for p in (tmp_path / "out").rglob("*.jpg"))
    assert outputs == ["a.jpg", "b.jpg"]
    kept = QueueJournal(tmp_path / "queue.sqlite3").entries()
    assert [e.source.name for e in kept] == ["a.jpg", "b.jpg", "c.jpg"]
    assert all(e.options == Settings().compress_options(e.options.preset) for e in kept)  # the run's options
    assert kept[0].after is not None and kept[0].after["width"] == 1080

    win = _window(qtbot, tmp_path)
    with qtbot.waitSignal(win.queue.describedAll, timeout=30_000):
        assert win.keeper.offer_restore() == 3
    assert win.asked == ["Restore the last queue (3 items, 1 unfinished)?"]
    items = {item.source.name: item for item in win.model.items()}
    assert items["a.jpg"].state is Status.COMPRESSED and items["a.jpg"].output.exists()
    assert items["b.jpg"].state is Status.COMPRESSED and items["a.jpg"].after is not None
    assert items["c.jpg"].state is ItemState.READY and items["c.jpg"].output is None

    with qtbot.waitSignal(win.queue.batchFinished, timeout=60_000):
        assert win.start() == 1  # only the unfinished item
    assert items["c.jpg"].state is Status.COMPRESSED
    # Nothing compressed twice into two names.
    assert sorted(p.name for p in (tmp_path / "out").rglob("*.jpg")) == ["a.jpg", "b.jpg", "c.jpg"]
    win.close()  # nothing unfinished: no question
    assert win.asked == ["Restore the last queue (3 items, 1 unfinished)?"]
    assert QueueJournal(tmp_path / "queue.sqlite3").offer() is None
    assert_no_dangling_jobs()


def test_a_normal_quit_with_unfinished_items_asks_once_and_keeps_the_queue(qtbot, tmp_path, photos):
    win = _window(qtbot, tmp_path)
    assert win.keeper.offer_restore() == 0 and win.asked == []  # nothing to offer the first time
    with qtbot.waitSignal(win.queue.describedAll, timeout=30_000):
        win.add_paths([photos / "a.jpg", photos / "b.jpg"])
    win.close()
    assert win.asked == [2]
    offer = QueueJournal(tmp_path / "queue.sqlite3").offer()
    assert offer is not None and not offer.crashed and (offer.items, offer.unfinished) == (2, 2)
    assert_no_dangling_jobs()
