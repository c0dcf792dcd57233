"""The window's "Watch folder…" action (issue 12 §3): a file that settles in the folder becomes
a row and is compressed into the output folder, mirroring its sub-folder."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QToolBar

from odnix_desktop.core.options import Status
from odnix_desktop.ui.watch_folder import WATCH_TEXT
from tests import media_factory as mf
from tests.gui_helpers import window  # noqa: F401 (fixture)


def test_watching_a_folder_adds_and_compresses_each_new_file(qtbot, window, tmp_path):
    watched = tmp_path / "incoming"
    (watched / "sub").mkdir(parents=True)
    watch = window.folder_watch
    watch.settle = 0.3
    watch.choose_folder = lambda: watched
    toolbar = window.findChild(QToolBar, "mainToolbar")
    assert watch.action in toolbar.actions()
    watch.action.trigger()  # the toolbar action: choose the folder, start watching
    assert watch.watcher is not None and watch.action.isChecked()

    mf.save_jpeg(watched / "sub" / "new.jpg", mf.photo_like(1600, 1200))
    (watched / "half.jpg.crdownload").write_bytes(b"downloading")
    qtbot.waitUntil(lambda: any(i.state is Status.COMPRESSED for i in window.model.items()), timeout=30_000)
    (item,) = window.model.items()  # the partial download never became a row
    assert item.source == watched / "sub" / "new.jpg"
    assert item.output == Path(window.settings.output_path) / "sub" / "new.jpg"
    assert item.after is not None and (item.after.width, item.after.height) == (1080, 810)

    watch.action.trigger()  # stop
    assert watch.watcher is None and not watch.action.isChecked() and watch.action.text() == WATCH_TEXT
    qtbot.waitUntil(lambda: window.queue.pending_describes() == 0)
