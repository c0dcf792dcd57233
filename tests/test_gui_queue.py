"""The queue window: adding by drop and paste, a real batch, cancel, retry, errors, closing."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication

from odnix_desktop.core.media import MediaKind
from odnix_desktop.core.options import Status
from odnix_desktop.ui.queue_model import Col, ItemState
from tests.gui_helpers import *  # noqa: F403 - fixtures and helpers

pytestmark = pytest.mark.usefixtures("no_dangling_jobs")


def drop(widget, paths: list[Path]) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = QPoint(widget.width() // 2, widget.height() // 2)
    enter = QDragEnterEvent(
        pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    ev = QDropEvent(
        QPointF(pos), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(widget, ev)
    assert ev.isAccepted()


FINISHED = (Status.COMPRESSED, Status.KEPT_ORIGINAL, Status.SKIPPED)


def states(win) -> dict[str, ItemState | Status]:
    return {i.source.name: i.state for i in win.model.items()}


def test_drop_files_and_folder_fills_the_model(qtbot, window, tmp_path):
    folder = tmp_path / "trip"
    make_photos(folder, 2, (320, 240))
    make_photo(folder / "sub" / "deep.png", (200, 100), fmt="PNG")
    (folder / "notes.txt").write_text("not a photo")
    single = make_photo(tmp_path / "single.jpg", (640, 480), seed=3)
    assert window.drop_zone.is_empty_shown()

    drop(window.drop_zone, [folder, single])
    wait_added(qtbot, window, 5)

    assert not window.drop_zone.is_empty_shown()
    by_name = {i.source.name: i for i in window.model.items()}
    assert set(by_name) == {"photo_000.jpg", "photo_001.jpg", "deep.png", "notes.txt", "single.jpg"}
    assert by_name["notes.txt"].state is ItemState.UNSUPPORTED
    assert "text file" in by_name["notes.txt"].error
    # The reason shows in the row, the full message on hover.
    row = window.model.row_of(by_name["notes.txt"].id)
    assert "text file" in window.model.index(row, Col.ERROR).data()
    assert "text file" in window.model.index(row, Col.ERROR).data(Qt.ItemDataRole.ToolTipRole)
    single_item = by_name["single.jpg"]
    assert single_item.state is ItemState.READY and single_item.kind is MediaKind.IMAGE
    assert (single_item.before.width, single_item.before.height) == (640, 480)
    assert single_item.before.bytes == single.stat().st_size
    assert single_item.thumbnail is not None and not single_item.thumbnail.isNull()
    assert by_name["deep.png"].rel_dir.as_posix() == "trip/sub"

    # Duplicates are ignored.
    drop(window.drop_zone, [single, folder / "photo_000.jpg"])
    qtbot.waitUntil(lambda: window.queue.pending_collects() == 0)
    assert window.model.rowCount() == 5


def test_batch_runs_to_the_end_with_values_equal_to_the_files(qtbot, window, tmp_path):
    sources = make_photos(tmp_path / "in", 3, (1600, 1200))
    sources.append(make_photo(tmp_path / "in" / "logo.png", (600, 400), fmt="PNG", alpha=True))
    window.add_paths(sources)
    wait_added(qtbot, window, 4)
    with qtbot.waitSignal(window.queue.batchFinished, timeout=60_000):
        assert window.start() == 4
    for item in window.model.items():
        assert item.state in (Status.COMPRESSED, Status.KEPT_ORIGINAL), (item.source, item.error)
        assert item.output is not None and item.output.exists()
        assert item.output.is_relative_to(tmp_path / "out")
        assert item.after.bytes == item.output.stat().st_size
        assert item.before.bytes == item.source.stat().st_size
        with Image.open(item.output) as out:
            assert (item.after.width, item.after.height) == out.size
        row = window.model.row_of(item.id)
        saved = window.model.index(row, Col.SAVED).data()
        assert saved == f"{(1 - item.after.bytes / item.before.bytes) * 100:.0f}%"
    big = [i for i in window.model.items() if i.source.suffix == ".jpg"]
    assert all(max(i.after.width, i.after.height) == 1080 for i in big)
    totals = window.model.totals()
    assert totals.finished == 4
    assert totals.after_bytes == sum(i.output.stat().st_size for i in window.model.items())
    assert "4 done" in window.footer.text() and "saved" in window.footer.text()
    assert temp_files(tmp_path / "out") == []


def test_a_clip_runs_with_the_photos(qtbot, window, tmp_path):
    require_video_pipeline()
    clip = make_clip(tmp_path / "in" / "clip.mp4")
    photo = make_photo(tmp_path / "in" / "p.jpg", (1200, 900))
    window.add_paths([clip, photo])
    wait_added(qtbot, window, 2)
    item = next(i for i in window.model.items() if i.kind is MediaKind.VIDEO)
    assert item.before.duration == pytest.approx(1.0, abs=0.2)
    with qtbot.waitSignal(window.queue.batchFinished, timeout=60_000):
        window.start()
    for i in window.model.items():
        assert i.finished, i.error
        assert i.after.bytes == i.output.stat().st_size


def test_a_bad_file_shows_its_error_and_the_batch_goes_on(qtbot, window, tmp_path):
    bad = make_truncated(tmp_path / "in" / "broken.jpg")
    good = make_photos(tmp_path / "in", 2, (800, 600))
    window.add_paths([bad, *good])
    wait_added(qtbot, window, 3)
    with qtbot.waitSignal(window.queue.batchFinished, timeout=60_000):
        window.start()
    s = states(window)
    assert s["broken.jpg"] is Status.FAILED
    assert s["photo_000.jpg"] in FINISHED and s["photo_001.jpg"] in FINISHED
    item = next(i for i in window.model.items() if i.source == bad)
    assert "broken.jpg" in item.error
    row = window.model.row_of(item.id)
    assert window.model.index(row, Col.ERROR).data(Qt.ItemDataRole.ToolTipRole).startswith(item.error)

    # Retry after the file is fixed: it now compresses.
    make_photo(bad, (800, 600), seed=9)
    window.select_item(item)
    with qtbot.waitSignal(window.queue.batchFinished, timeout=60_000):
        assert window.retry_failed() == 1
    assert states(window)["broken.jpg"] is Status.COMPRESSED


def test_cancel_one_then_cancel_all(qtbot, tmp_path):
    win = make_window(qtbot, tmp_path, image_workers=1)
    sources = make_photos(tmp_path / "in", 6, (1600, 1200))
    win.add_paths(sources)
    wait_added(qtbot, win, 6)
    with qtbot.waitSignal(win.queue.batchFinished, timeout=60_000):
        win.start()
        last = next(i for i in win.model.items() if i.source == sources[-1])
        win.select_item(last)
        win.cancel_selected()  # still queued: ends as soon as a thread takes it, doing nothing
    # Only the chosen one was cancelled; the rest ran.
    final = states(win)
    assert final["photo_005.jpg"] is Status.CANCELLED
    assert all(s in FINISHED for name, s in final.items() if name != "photo_005.jpg")

    # Cancel all: retry the cancelled one together with fresh copies, then cancel everything.
    more = [make_photo(tmp_path / "in2" / f"more_{i}.jpg", (1600, 1200), seed=i) for i in range(5)]
    win.add_paths(more)
    wait_added(qtbot, win, 11)
    with qtbot.waitSignal(win.queue.batchFinished, timeout=60_000):
        win.start()
        win.retry_failed()
        win.cancel_all()
    final = states(win)
    assert sum(s is Status.CANCELLED for s in final.values()) >= 5  # the running one may finish
    assert all(s in FINISHED or s is Status.CANCELLED for s in final.values())
    assert temp_files(tmp_path / "out") == []
    # Cancelled items can be retried.
    with qtbot.waitSignal(win.queue.batchFinished, timeout=60_000):
        win.table.clearSelection()
        assert win.retry_failed() >= 5
    assert all(s in FINISHED for s in states(win).values())
    assert len(win.model.items()) == 11
    win.close()


def test_remove_and_clear_finished(qtbot, window, tmp_path):
    window.add_paths(make_photos(tmp_path / "in", 3, (300, 200)))
    wait_added(qtbot, window, 3)
    first = window.model.item(0)
    with qtbot.waitSignal(window.queue.batchFinished, timeout=30_000):
        window.queue.start([first.id])
    window.clear_finished()
    assert window.model.rowCount() == 2
    window.select_item(window.model.item(0))
    window.remove_selected()
    assert window.model.rowCount() == 1


def test_closing_while_running_asks_then_cancels_and_leaves_no_temp_files(qtbot, tmp_path):
    win = make_window(qtbot, tmp_path, image_workers=2)
    asked = []
    win.ask_to_close = lambda: asked.append(True) or True
    win.add_paths(make_photos(tmp_path / "in", 8, (1600, 1200)))
    wait_added(qtbot, win, 8)
    win.start()
    qtbot.waitUntil(lambda: any(i.state is ItemState.RUNNING for i in win.model.items()))
    assert win.close()
    assert asked == [True]
    assert win.runner.live_jobs() == [] and win.runner.active_threads() == 0
    assert temp_files(tmp_path / "out") == []


def test_close_refused_keeps_the_jobs(qtbot, tmp_path):
    win = make_window(qtbot, tmp_path, image_workers=1)
    win.ask_to_close = lambda: False
    win.add_paths(make_photos(tmp_path / "in", 3, (1200, 900)))
    wait_added(qtbot, win, 3)
    with qtbot.waitSignal(win.queue.batchFinished, timeout=60_000):
        win.start()
        assert not win.close()
    win.ask_to_close = lambda: True


def test_paste_image_and_paths(qtbot, window, tmp_path):
    image = QImage(64, 48, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.darkCyan)
    QGuiApplication.clipboard().setImage(image)
    assert window.paste_from_clipboard() == []  # a picture is saved off the GUI thread, then queued
    wait_added(qtbot, window, 1)
    pasted = [window.model.item(0).source]
    assert pasted[0].exists() and pasted[0].suffix == ".png"
    photo = make_photo(tmp_path / "c.jpg", (100, 80))
    mime = QMimeData()
    mime.setText(f"{photo}\n{tmp_path / 'missing.jpg'}")
    QGuiApplication.clipboard().setMimeData(mime)
    assert window.paste_from_clipboard() == [photo]
    wait_added(qtbot, window, 2)
    folder = pasted[0].parent
    window.close()
    assert not folder.exists()  # the pasted image's temp file is gone


def test_shortcuts_delete_and_start(qtbot, window, tmp_path):
    window.add_paths(make_photos(tmp_path / "in", 2, (300, 200)))
    wait_added(qtbot, window, 2)
    window.show()
    qtbot.waitExposed(window)
    with warnings.catch_warnings():  # offscreen windows only become active this way
        warnings.simplefilter("ignore", DeprecationWarning)
        QApplication.setActiveWindow(window)
    window.select_item(window.model.item(0))
    qtbot.waitUntil(window.acts.remove.isEnabled)  # actions refresh at most every 100 ms
    qtbot.keyClick(window.table, Qt.Key.Key_Delete)
    assert window.model.rowCount() == 1
    with qtbot.waitSignal(window.queue.batchFinished, timeout=30_000):
        qtbot.keyClick(window.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.model.item(0).finished


def test_export_selected(qtbot, window, tmp_path):
    window.add_paths(make_photos(tmp_path / "in", 2, (300, 200)))
    wait_added(qtbot, window, 2)
    with qtbot.waitSignal(window.queue.batchFinished, timeout=30_000):
        window.start()
    window.table.selectAll()
    dest = tmp_path / "export"
    with qtbot.waitSignal(window.exported, timeout=10_000) as blocker:
        window.export_selected(dest)
    written = blocker.args[0]
    assert sorted(p.name for p in written) == ["photo_000.jpg", "photo_001.jpg"]
    with qtbot.waitSignal(window.exported, timeout=10_000) as blocker:
        window.export_selected(dest)  # never overwrites
    assert sorted(p.name for p in blocker.args[0]) == ["photo_000-1.jpg", "photo_001-1.jpg"]
    window.copy_output_path()
    assert QGuiApplication.clipboard().text().splitlines()[0].endswith(".jpg")
    window.select_item(window.model.item(0))
    window.show_in_folder()
    assert window.opened_urls[-1].toLocalFile() == str(window.model.item(0).output.parent)


def test_window_module_imports_no_pipeline():
    code = (
        "import sys; import odnix_desktop.app, odnix_desktop.ui.main_window; "
        "heavy = [m for m in ('PIL', 'numpy', 'moviepy', 'odnix_desktop.core.image.pipeline') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_window_is_given_its_parts_and_builds_none(qtbot, tmp_path):
    from odnix_desktop import app
    from odnix_desktop.core.settings import Settings
    from odnix_desktop.ui.main_window import MainWindow

    parts = app.build(Settings(output_folder=str(tmp_path / "out")))
    win = MainWindow(parts)
    qtbot.addWidget(win)
    assert win.queue is parts.queue and win.uploads is parts.uploads and win.account is parts.account
    assert win.runner is parts.runner and win.model is parts.model
    # Settings applied through the controller reach the queue's model and the photo pool.
    parts.settings.apply(parts.settings.current().with_changes(batch_preset="story", image_workers=1))
    assert parts.model.batch_preset == "story" and parts.runner.pools["images"].maxThreadCount() == 1
    assert win.settings.batch_preset == "story"
    win.close()
