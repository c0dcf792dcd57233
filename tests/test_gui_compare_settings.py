"""Compare view (synced zoom/pan, keys, checkerboard), compare dialogs, settings dialog, job guard."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QObject, QPoint, QPointF, Qt, Slot
from PySide6.QtGui import QColor, QImage, QPixmap, QWheelEvent
from PySide6.QtWidgets import QApplication

from odnix_desktop.core import settings as settings_store
from odnix_desktop.core.image.quality import search as search_mod
from odnix_desktop.core.media import MediaKind
from odnix_desktop.jobs.base import Job
from odnix_desktop.jobs.runner import JobRunner
from odnix_desktop.ui.compare import AFTER, BEFORE, SPLIT, CompareView
from tests.gui_helpers import *  # noqa: F403

pytestmark = pytest.mark.usefixtures("no_dangling_jobs")


def pixmap(w: int, h: int, colour) -> QPixmap:
    img = QImage(w, h, QImage.Format.Format_ARGB32)
    img.fill(colour)
    return QPixmap.fromImage(img)


def wheel(widget, pos: QPointF, steps: int = 1) -> None:
    ev = QWheelEvent(
        pos,
        widget.mapToGlobal(pos),
        QPoint(0, 0),
        QPoint(0, 120 * steps),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, ev)


@pytest.fixture
def view(qtbot):
    v = CompareView()
    qtbot.addWidget(v)
    v.resize(600, 400)
    v.show()
    qtbot.waitExposed(v)
    v.set_pixmaps(pixmap(1200, 800, QColor("red")), pixmap(600, 400, QColor("blue")))
    return v


def test_wheel_zooms_at_the_cursor_and_both_sides_follow(view, qtbot):
    assert view.scale == pytest.approx(0.5)  # fitted
    cursor = QPointF(150, 120)
    under = view.image_point(cursor)
    wheel(view, cursor, 2)
    assert view.scale == pytest.approx(0.5 * 1.25**2)
    assert view.image_point(cursor).x() == pytest.approx(under.x())
    assert view.image_point(cursor).y() == pytest.approx(under.y())
    assert view.side_rect(BEFORE) == view.side_rect(AFTER)

    # Pan by dragging away from the divider.
    start = view.side_rect(BEFORE).topLeft()
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=QPoint(100, 100))
    qtbot.mouseMove(view, QPoint(140, 130))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(140, 130))
    moved = view.side_rect(BEFORE).topLeft() - start
    assert (moved.x(), moved.y()) == pytest.approx((40, 30))
    assert view.side_rect(BEFORE) == view.side_rect(AFTER)

    view.fit()
    assert view.scale == pytest.approx(0.5)
    view.actual_size()
    assert view.scale == pytest.approx(1 / view.devicePixelRatioF())


def test_divider_drags_and_keys_switch(view, qtbot):
    x = int(view.divider_x())
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=QPoint(x, 200))
    qtbot.mouseMove(view, QPoint(450, 200))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(450, 200))
    assert view.split == pytest.approx(0.75)
    # Left of the divider shows before (red), right shows after (blue).
    grab = view.grab().toImage()
    dpr = grab.devicePixelRatio()
    assert grab.pixelColor(int(300 * dpr), int(300 * dpr)).red() > 200
    assert grab.pixelColor(int(500 * dpr), int(300 * dpr)).blue() > 200
    for key, mode in ((Qt.Key.Key_1, BEFORE), (Qt.Key.Key_2, AFTER), (Qt.Key.Key_3, SPLIT)):
        qtbot.keyClick(view, key)
        assert view.mode == mode
    qtbot.keyClick(view, Qt.Key.Key_2)
    grab = view.grab().toImage()
    assert grab.pixelColor(int(300 * dpr), int(300 * dpr)).blue() > 200


def test_checkerboard_behind_transparency(qtbot):
    v = CompareView()
    qtbot.addWidget(v)
    v.resize(400, 300)
    v.set_pixmaps(pixmap(400, 300, QColor(0, 0, 0, 0)), pixmap(400, 300, QColor(0, 0, 0, 0)))
    img = v.grab().toImage()
    colours = {img.pixelColor(x, 150).name() for x in range(100, 140)}
    assert colours == {"#ffffff", "#cccccc"}


def test_image_compare_dialog_loads_both_sides(qtbot, window, tmp_path):
    src = make_photo(tmp_path / "in" / "a.png", (500, 300), fmt="PNG", alpha=True)
    window.add_paths([src])
    wait_added(qtbot, window, 1)
    with qtbot.waitSignal(window.queue.batchFinished, timeout=30_000):
        window.start()
    window.select_item(window.model.item(0))
    dialog = window.compare_current()
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.view.before is not None and not dialog.is_loading(), timeout=10_000)
    assert dialog.view.before.size().toTuple() == (500, 300)
    assert dialog.view.after is not None
    assert "Before" in dialog.view.before_label and "500×300" in dialog.view.before_label
    assert "saved" in dialog.view.after_label or "larger" in dialog.view.after_label
    qtbot.keyClick(dialog, Qt.Key.Key_1)
    assert dialog.view.mode == BEFORE and dialog.mode_buttons.checkedId() == 1
    dialog.close()


def test_video_compare_fetches_frames_at_the_scrubbed_time(qtbot, window, tmp_path):
    require_video_pipeline()
    clip = make_clip(tmp_path / "in" / "clip.mp4")
    window.add_paths([clip])
    wait_added(qtbot, window, 1)
    with qtbot.waitSignal(window.queue.batchFinished, timeout=60_000):
        window.start()
    item = window.model.item(0)
    assert item.kind is MediaKind.VIDEO and item.finished, item.error
    window.select_item(item)
    dialog = window.compare_current()
    qtbot.waitUntil(lambda: dialog.view.before is not None and not dialog.is_loading(), timeout=20_000)
    first = dialog._want
    dialog.clip.slider.setValue(800)
    qtbot.waitUntil(lambda: dialog._want != first and not dialog.is_loading(), timeout=20_000)
    assert dialog.current_time() == pytest.approx(0.8 * item.before.duration, abs=0.06)
    assert dialog.view.after is not None
    dialog.close()


def test_compare_shows_how_the_photo_looks(qtbot, window, tmp_path):
    src = make_photo(tmp_path / "in" / "p.png", (900, 600), fmt="PNG")
    window.add_paths([src])
    wait_added(qtbot, window, 1)
    with qtbot.waitSignal(window.queue.batchFinished, timeout=30_000):
        window.start()
    item = window.model.item(0)
    assert item.looks is not None
    window.select_item(item)
    dialog = window.compare_current()
    assert dialog is not None
    assert f"looks: {item.looks:.0f} / 100" in dialog.view.after_label
    dialog.close()


def test_settings_dialog_cancel_restores_and_ok_persists(qtbot, window):
    before = window.settings
    dialog = window.edit_settings()
    dialog.quality.setValue(55)
    dialog.workers.setValue(3)
    dialog.after_batch.setCurrentIndex(dialog.after_batch.findData("open-folder"))
    dialog.reject()
    assert window.settings == before
    assert settings_store.load() == settings_store.Settings()  # nothing saved

    dialog = window.edit_settings()
    dialog.quality.setValue(55)
    dialog.max_dimension.setValue(2048)
    dialog.fps_cap.setCurrentIndex(dialog.fps_cap.findData(30))
    dialog.keep_original.setChecked(False)
    dialog.workers.setValue(3)
    dialog.min_saving.setValue(12)
    dialog.keep_dates.setChecked(False)
    dialog.keep_capture_date.setChecked(True)
    dialog.accept()
    s = window.settings
    assert (s.min_saving_percent, s.keep_dates, s.keep_capture_date) == (12.0, False, True)
    options = s.compress_options(None)
    assert (options.min_saving, options.keep_dates, options.keep_capture_date) == (0.12, False, True)
    assert (s.quality, s.max_dimension, s.fps_cap, s.keep_original_if_smaller, s.image_workers) == (
        55,
        2048,
        30,
        False,
        3,
    )
    assert settings_store.load() == s
    assert window.runner.pools["images"].maxThreadCount() == 3
    assert settings_store.settings_path().is_relative_to(__import__("os").environ["ODNIX_USER_DIR"])


def test_settings_file_survives_bad_values(tmp_path):
    path = tmp_path / "s.json"
    path.write_text('{"quality": 500, "fps_cap": 30, "unknown": 1}')
    s = settings_store.load(path)
    assert s.quality is None and s.target == "auto" and s.fps_cap == 30
    # a file from before the per-photo target: its quality 80 was the old default, not a choice
    path.write_text('{"quality": 80, "fps_cap": 30}')
    assert settings_store.load(path).compress_options(None).quality is None
    path.write_text('{"quality": 80, "target": "auto"}')
    assert settings_store.load(path).quality == 80


def test_settings_dialog_target_slider_marks_the_default(qtbot, window):
    dialog = window.edit_settings()
    assert dialog.target.value() == round(search_mod.AUTO_TARGET)
    assert "default" in dialog.target_value.text()
    dialog.target.setValue(85)
    assert dialog.target_value.text() == "85"
    dialog.accept()
    assert window.settings.target == 85 and window.settings.quality is None
    assert window.settings.compress_options(None).target == 85


class _Blocking(Job):
    def __init__(self, gate: threading.Event) -> None:
        super().__init__(1)
        self.gate = gate

    def work(self):
        self.gate.wait(10)
        return "done"


def test_the_guard_fails_a_test_that_leaves_jobs_running(qtbot):
    runner = JobRunner(1)
    gate = threading.Event()
    job = runner.start(_Blocking(gate))
    qtbot.waitSignal(job.signals.started, timeout=5000)
    gate.set()  # let shutdown finish quickly
    with pytest.raises(pytest.fail.Exception, match="left pool jobs running"):
        assert_no_dangling_jobs()
    assert runner.live_jobs() == []


class _Recorder(QObject):
    """Receives job signals on the GUI thread (@Slot methods, never lambdas across threads)."""

    def __init__(self) -> None:
        super().__init__()
        self.ends: list[str] = []

    @Slot(int, object)
    def on_finished(self, key, result) -> None:
        self.ends.append("finished")

    @Slot(int, str)
    def on_failed(self, key, message) -> None:
        self.ends.append("failed")

    @Slot(int)
    def on_cancelled(self, key) -> None:
        self.ends.append("cancelled")


def test_a_job_ends_exactly_once(qtbot):
    runner = JobRunner(1)
    gate = threading.Event()
    job = _Blocking(gate)
    recorder = _Recorder()
    ends = recorder.ends
    job.signals.finished.connect(recorder.on_finished)
    job.signals.failed.connect(recorder.on_failed)
    job.signals.cancelled.connect(recorder.on_cancelled)
    with qtbot.waitSignal(job.signals.ended, timeout=5000):
        runner.start(job)
        runner.cancel(job)
        gate.set()
    assert ends == ["finished"] or ends == ["cancelled"]
    job2 = _Blocking(gate)
    job2.cancel()
    with qtbot.waitSignal(job2.signals.cancelled, timeout=5000):
        runner.start(job2)
    assert runner.wait(5000)


def test_on_odnix_view_shows_the_servers_geometry_and_says_what_it_does(qtbot, window, tmp_path):
    from tests.test_odnix_shaping import transparent_png

    (tmp_path / "in").mkdir()
    src = transparent_png(tmp_path / "in" / "logo.png", (1600, 1000))
    window.add_paths([src])
    wait_added(qtbot, window, 1)
    with qtbot.waitSignal(window.queue.batchFinished, timeout=30_000):
        window.start()
    window.select_item(window.model.item(0))
    dialog = window.compare_current()
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.view.before is not None and not dialog.is_loading(), timeout=10_000)
    assert dialog.odnix.current_target() == "post"
    qtbot.keyClick(dialog, Qt.Key.Key_5)
    assert dialog.view.mode == "odnix" and dialog.mode_buttons.checkedId() == 5
    qtbot.waitUntil(lambda: dialog.view.odnix is not None and not dialog.odnix.is_busy(), timeout=20_000)
    odnix = dialog.view.odnix
    assert (odnix.width(), odnix.height()) == (900, 563)  # the server's thumbnail((900, 900))
    label = dialog.view.odnix_label
    assert "900×563" in label and "WEBP" in label and "flattened onto #ffffff" in label
    corner = odnix.toImage().pixelColor(3, 3)
    assert min(corner.red(), corner.green(), corner.blue()) > 235  # white, not black
    dialog.close()
