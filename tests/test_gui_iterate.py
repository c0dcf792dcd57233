"""Issue 13, items 3, 4, 5 and 9: compress again after a change (replacing the item's own output,
skipping unchanged work), Esc asks before cancelling, failures stand out and stay summarised,
and the details (new rows in view, the output folder's place, export keeps the tree)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QAbstractItemView, QApplication, QMessageBox

from odnix_desktop.core.options import Status
from odnix_desktop.core.presets import PRESETS
from odnix_desktop.ui.queue_model import ERROR_COLOUR, Col
from odnix_desktop.ui.text import for_person
from tests.gui_helpers import *  # noqa: F403

pytestmark = pytest.mark.usefixtures("no_dangling_jobs")


def compressed(qtbot, win, paths):
    win.add_paths(paths)
    wait_added(qtbot, win, len(paths))
    with qtbot.waitSignal(win.queue.batchFinished, timeout=60_000):
        assert win.start() == len(paths)
    win._refresh_now()
    return win.model.items()


def files_in(folder):
    return sorted(p.name for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".odnix_"))


# ----------------------------------------------------------------------------- 3: iterate
def test_changed_quality_marks_rows_and_recompress_replaces_the_items_own_output(qtbot, window, tmp_path):
    source = make_photo(tmp_path / "in" / "photo.jpg", (1200, 900))
    original = source.read_bytes()
    (item,) = compressed(qtbot, window, [source])
    first = item.output
    assert item.state is Status.COMPRESSED and first is not None
    first_size = first.stat().st_size
    assert not window.acts.start.isEnabled()  # nothing left to do

    window.apply_settings(window.settings.with_changes(quality=30))
    window._refresh_now()
    assert item.stale and window.acts.start.isEnabled()
    assert window.model.index(0, Col.STATUS).data() == "Needs recompressing"

    with qtbot.waitSignal(window.queue.batchFinished, timeout=60_000):
        assert window.start() == 1
    assert item.state is Status.COMPRESSED and not item.stale
    assert item.output == first  # the same name: replaced, not photo-1.jpg
    assert first.stat().st_size < first_size  # and really re-encoded at quality 30
    assert files_in(tmp_path / "out") == ["photo.jpg"]
    assert source.read_bytes() == original and not temp_files(tmp_path / "out")


def test_recompress_never_replaces_a_file_that_is_no_longer_the_items_output(qtbot, window, tmp_path):
    source = make_photo(tmp_path / "in" / "photo.jpg", (800, 600))
    (item,) = compressed(qtbot, window, [source])
    mine = item.output
    mine.write_bytes(b"the user's own edit")  # changed since: not ours any more
    window.select_item(item)
    with qtbot.waitSignal(window.queue.batchFinished, timeout=60_000):
        assert window.recompress_selected() == 1
    assert mine.read_bytes() == b"the user's own edit"
    assert item.output == mine.with_name("photo-1.jpg") and item.output.stat().st_size > 100


def test_a_preset_chosen_in_a_finished_row_sticks_and_asks_for_recompressing(qtbot, window, tmp_path):
    source = make_photo(tmp_path / "in" / "photo.jpg", (800, 600))
    (item,) = compressed(qtbot, window, [source])
    index = window.model.index(0, Col.PRESET)
    assert window.model.flags(index) & window.model.flags(index).ItemIsEditable
    assert window.model.setData(index, "chat")
    assert item.preset == "chat" and item.stale
    assert index.data() == PRESETS["chat"].title  # not reverted to the preset of the last run
    assert "Double-click" in index.data(3)  # the tip's promise: a double-click opens the chooser
    window.show()
    window._on_double_clicked(window.proxy.mapFromSource(index))
    assert window.table.state() is QAbstractItemView.State.EditingState


def test_running_the_same_files_again_skips_unchanged_work(qtbot, window, tmp_path):
    sources = make_photos(tmp_path / "in", 2, (640, 480))
    compressed(qtbot, window, sources)
    before = files_in(tmp_path / "out")
    window.clear_finished()
    items = compressed(qtbot, window, sources)
    assert [i.state for i in items] == [Status.SKIPPED, Status.SKIPPED]
    assert files_in(tmp_path / "out") == before  # no photo_000-1.jpg


# ----------------------------------------------------------------------------- 4: cancel
def answer_next_question(button: QMessageBox.StandardButton, asked: list[str]) -> None:
    def click() -> None:  # the question runs its own event loop: answer from inside it
        boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
        if not boxes:
            QTimer.singleShot(10, click)
            return
        asked.append(boxes[0].text())
        boxes[0].button(button).click()

    QTimer.singleShot(0, click)


def test_esc_asks_before_cancelling_and_reports_cancelled_items_as_cancelled(qtbot, window, tmp_path):
    window.apply_settings(window.settings.with_changes(image_workers=1))
    window.add_paths(make_photos(tmp_path / "in", 8, (2400, 1800)))
    wait_added(qtbot, window, 8)
    window.show()
    assert window.acts.cancel_all.shortcut().toString() == "Esc"
    window.start()
    window._refresh_now()  # (the window refreshes its actions within 100 ms)
    asked: list[str] = []
    answer_next_question(QMessageBox.StandardButton.No, asked)
    window.acts.cancel_all.trigger()
    assert asked and "Cancel" in asked[0] and window.queue.is_busy()  # asked; "No" cancels nothing
    answer_next_question(QMessageBox.StandardButton.Yes, asked)
    with qtbot.waitSignal(window.queue.batchFinished, timeout=60_000):
        window.acts.cancel_all.trigger()
    assert len(asked) == 2
    states = [i.state for i in window.model.items()]
    assert Status.CANCELLED in states and Status.FAILED not in states
    words = window.batch_status.summary.text()
    assert "cancelled" in words and "failed" not in words


# ----------------------------------------------------------------------------- 5: failures
def test_failed_rows_are_red_and_the_summary_stays_until_the_next_batch(qtbot, window, tmp_path):
    good = make_photo(tmp_path / "in" / "good.jpg", (640, 480))
    bad = make_truncated(tmp_path / "in" / "bad.jpg")
    compressed(qtbot, window, [good, bad])
    failed = next(i for i in window.model.items() if i.state is Status.FAILED)
    row = window.model.row_of(failed.id)
    for col in (Col.NAME, Col.STATUS, Col.ERROR):
        assert window.model.index(row, col).data(9) == ERROR_COLOUR  # ForegroundRole
    summary = window.batch_status.summary.text()
    assert "1 done" in summary and "1 failed" in summary
    window.statusBar().showMessage("something else", 1)
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == "")
    assert window.batch_status.summary.text() == summary  # kept, not a timed message
    window.apply_settings(window.settings.with_changes(quality=50))
    window.start()
    window._refresh_now()
    assert window.batch_status.summary.text() == ""  # the next batch clears it
    wait_idle(qtbot, window)


def test_library_internals_are_worded_for_a_person():
    raw = "photo.jpg: could not be decoded or encoded (unable to write to memory\nVipsJpeg: out of order read)"
    assert for_person(raw) == "photo.jpg: could not be decoded or encoded"
    assert "Vips" not in for_person("VipsJpeg: unable to write to memory")


# ----------------------------------------------------------------------------- 9: details
def test_new_rows_scroll_into_view(qtbot, window, tmp_path):
    window.resize(1280, 720)
    window.show()
    qtbot.waitExposed(window)
    window.add_paths(make_photos(tmp_path / "in", 24, (64, 48)))
    wait_added(qtbot, window, 24)
    last = window.proxy.mapFromSource(window.model.index(23, Col.NAME))
    rect = window.table.visualRect(last)
    assert window.table.viewport().rect().intersects(rect)


def test_open_output_folder_without_a_file_manager_says_where_it_is(qtbot, window, monkeypatch):
    shown: list[str] = []
    window.open_url = lambda url: False  # no file manager
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, message: shown.append(message))
    window.open_output_folder()
    assert shown and str(window.settings.output_path) in shown[0]


def test_export_keeps_the_subfolders(qtbot, window, tmp_path):
    a = make_photo(tmp_path / "in" / "trip" / "day1" / "a.jpg", (320, 240))
    b = make_photo(tmp_path / "in" / "trip" / "day2" / "a.jpg", (320, 240), seed=2)
    window.add_paths([tmp_path / "in"])
    wait_added(qtbot, window, 2)
    with qtbot.waitSignal(window.queue.batchFinished, timeout=60_000):
        window.start()
    window.table.selectAll()
    with qtbot.waitSignal(window.exported, timeout=10_000) as blocker:
        assert window.export_selected(tmp_path / "export")
    written = sorted(p.relative_to(tmp_path / "export").as_posix() for p in blocker.args[0])
    assert written == ["in/trip/day1/a.jpg", "in/trip/day2/a.jpg"], written  # the dropped folder, then its tree
    assert a.exists() and b.exists()


def test_a_click_on_the_clip_slider_track_jumps_there(qtbot):
    from PySide6.QtCore import QPoint

    from odnix_desktop.ui.time_slider import TimeSlider, clip_time

    slider = TimeSlider()
    slider.setRange(0, 1000)
    slider.setValue(100)
    slider.resize(400, 24)
    qtbot.addWidget(slider)
    slider.show()
    qtbot.waitExposed(slider)
    qtbot.mouseClick(slider, Qt.MouseButton.LeftButton, pos=QPoint(300, 12))
    assert abs(slider.value() - 750) < 40  # at the click, not one page step (0.06 s) further
    assert clip_time(65.2) == "1:05.20" and clip_time(0.5) == "0:00.50"  # one format: header and label


def test_a_photo_quality_change_does_not_ask_a_clip_to_be_recompressed(qtbot, window, tmp_path):
    require_video_pipeline()
    clip = make_clip(tmp_path / "in" / "clip.mp4", seconds=0.5)
    photo = make_photo(tmp_path / "in" / "photo.jpg", (640, 480))
    items = compressed(qtbot, window, [clip, photo])
    window.apply_settings(window.settings.with_changes(quality=40))
    stale = {i.source.name: i.stale for i in items}
    assert stale == {"clip.mp4": False, "photo.jpg": True}
