"""Issue 5 leftovers: the profile crop box, side-by-side compare, open-folder after the batch,
and high DPI (a real offscreen run at QT_SCALE_FACTOR=2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDesktopServices

from odnix_desktop.core.options import CropBox
from odnix_desktop.ui import main_window as main_window_module
from odnix_desktop.ui.compare import SIDE, SPLIT
from odnix_desktop.ui.queue_model import Col
from tests.gui_helpers import *  # noqa: F403
from tests.test_gui_compare_settings import pixmap, view, wheel  # noqa: F401 - the view fixture

pytestmark = pytest.mark.usefixtures("no_dangling_jobs")

ROOT = Path(__file__).resolve().parents[1]


def halves(path: Path, size=(1200, 600)) -> Path:
    """Left half red, right half blue."""
    w, h = size
    img = Image.new("RGB", size, (220, 30, 30))
    img.paste((30, 30, 220), (w // 2, 0, w, h))
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, "PNG")
    return path


def mean_colour(path: Path) -> tuple[int, int, int]:
    with Image.open(path) as img:
        return img.convert("RGB").resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))


def drag(qtbot, widget, start: QPointF, end: QPointF) -> None:
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=start.toPoint())
    qtbot.mouseMove(widget, QPoint(int((start.x() + end.x()) / 2), int(start.y())))
    qtbot.mouseMove(widget, end.toPoint())
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=end.toPoint())


def test_moving_the_profile_crop_changes_the_output(qtbot, window, tmp_path):
    src = halves(tmp_path / "in" / "face.png")
    window.add_paths([src])
    wait_added(qtbot, window, 1)
    item = window.model.item(0)
    window.select_item(item)
    dialog = window.crop_current()
    qtbot.waitUntil(lambda: not dialog.is_loading(), timeout=10_000)
    qtbot.waitExposed(dialog)
    crop = dialog.crop
    assert dialog.box() == CropBox(300, 0, 900, 600)  # centred to start with
    centre = crop.square_rect().center()
    drag(qtbot, crop, centre, QPointF(crop.width() - 1, centre.y()))  # all the way right
    assert dialog.box() == CropBox(600, 0, 1200, 600)
    assert "600×600 px at (600, 0)" in dialog.label.text()
    dialog.accept()
    assert item.preset == "profile" and item.crop == CropBox(600, 0, 1200, 600)
    with qtbot.waitSignal(window.queue.batchFinished, timeout=30_000):
        window.start()
    right = mean_colour(item.output)
    assert right[2] > 180 and right[0] < 60, right  # blue
    with Image.open(item.output) as out:
        assert out.size[0] == out.size[1]

    # Move it to the left: the item is compressed again, now red.
    dialog = window.crop_item(item)
    qtbot.waitUntil(lambda: not dialog.is_loading(), timeout=10_000)
    qtbot.waitExposed(dialog)
    centre = dialog.crop.square_rect().center()
    drag(qtbot, dialog.crop, centre, QPointF(1, centre.y()))
    assert dialog.box() == CropBox(0, 0, 600, 600)
    with qtbot.waitSignal(window.queue.batchFinished, timeout=30_000):
        dialog.accept()
    left = mean_colour(item.output)
    assert left[0] > 180 and left[2] < 60, left  # red


def test_choosing_the_profile_preset_opens_the_crop_dialog(qtbot, window, tmp_path):
    window.add_paths([halves(tmp_path / "in" / "p.png", (400, 300))])
    wait_added(qtbot, window, 1)
    item = window.model.item(0)
    assert window.model.setData(window.model.index(0, Col.PRESET), "profile")
    dialog = window.crop_dialog
    assert dialog is not None and dialog.isVisible() and dialog.item is item
    qtbot.waitUntil(lambda: not dialog.is_loading(), timeout=10_000)
    dialog.crop.resize_by(0.5)  # wheel-size: half the side, same centre
    assert dialog.box() == CropBox(125, 75, 275, 225)
    dialog.reject()
    assert item.crop is None


def test_side_by_side_shows_both_with_one_view(view, qtbot):
    qtbot.keyClick(view, Qt.Key.Key_4)
    assert view.mode == SIDE
    assert view.scale == pytest.approx(0.25)  # 1200×800 fitted in a 300×400 pane
    grab = view.grab().toImage()
    dpr = grab.devicePixelRatio()
    assert grab.pixelColor(int(150 * dpr), int(200 * dpr)).red() > 200  # before, left pane
    assert grab.pixelColor(int(450 * dpr), int(200 * dpr)).blue() > 200  # after, right pane
    # Zoom at a point of the right pane: the same picture point stays under it, in both panes.
    pos = QPointF(420, 150)
    under = view.image_point(pos)
    wheel(view, pos, 2)
    assert view.image_point(pos).x() == pytest.approx(under.x())
    assert view.image_point(QPointF(120, 150)).x() == pytest.approx(under.x())
    qtbot.keyClick(view, Qt.Key.Key_3)
    assert view.mode == SPLIT


def test_compare_dialog_has_side_by_side(qtbot, window, tmp_path):
    window.add_paths([make_photo(tmp_path / "in" / "a.jpg", (500, 300))])
    wait_added(qtbot, window, 1)
    with qtbot.waitSignal(window.queue.batchFinished, timeout=30_000):
        window.start()
    window.select_item(window.model.item(0))
    dialog = window.compare_current()
    qtbot.waitUntil(lambda: dialog.view.before is not None and not dialog.is_loading(), timeout=10_000)
    dialog.mode_buttons.button(4).click()
    assert dialog.view.mode == SIDE
    qtbot.keyClick(dialog, Qt.Key.Key_3)
    assert dialog.mode_buttons.checkedId() == 3
    dialog.close()


def test_after_the_batch_the_output_folder_opens(qtbot, tmp_path, monkeypatch):
    opened: list[QUrl] = []
    monkeypatch.setattr(main_window_module.QDesktopServices, "openUrl", staticmethod(opened.append))
    win = make_window(qtbot, tmp_path, after_batch="open-folder")
    del win.open_url  # the real method, which calls QDesktopServices.openUrl (mocked)
    win.add_paths(make_photos(tmp_path / "in", 2, (300, 200)))
    wait_added(qtbot, win, 2)
    with qtbot.waitSignal(win.queue.batchFinished, timeout=30_000):
        win.start()
    assert opened == [QUrl.fromLocalFile(str(tmp_path / "out"))]
    assert QDesktopServices.openUrl is not None
    win.close()


def test_nothing_opens_after_the_batch_by_default(qtbot, window, tmp_path):
    window.add_paths(make_photos(tmp_path / "in", 1, (300, 200)))
    wait_added(qtbot, window, 1)
    with qtbot.waitSignal(window.queue.batchFinished, timeout=30_000):
        window.start()
    assert window.opened_urls == []


HIDPI_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    from PySide6.QtCore import QDeadlineTimer, QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication
    from odnix_desktop.core.settings import Settings
    from odnix_desktop.app import build_window
    from odnix_desktop.ui.queue_model import state_words
    from tests.gui_helpers import make_photo

    tmp = Path(sys.argv[2])
    app = QApplication([])
    warnings = []
    from PySide6.QtCore import qInstallMessageHandler
    qInstallMessageHandler(lambda mode, ctx, msg: warnings.append(msg))

    def wait(cond, ms=60000):
        deadline = QDeadlineTimer(ms)
        timer = QTimer(); timer.start(20)  # wakes the loop to re-check
        while not cond():
            if deadline.hasExpired():
                raise TimeoutError
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)

    win = build_window(Settings(output_folder=str(tmp / "out")))
    win.resize(1200, 600)
    win.show()
    win.add_paths([make_photo(tmp / "in" / "a.jpg", (1600, 1200))])
    c = win.queue
    wait(lambda: win.model.rowCount() == 1 and not c.pending_describes() and not c.pending_collects())
    win.start()
    wait(lambda: win.model.item(0).finished)
    item = win.model.item(0)
    win.select_item(item)
    shot = win.grab()
    dialog = win.compare_current()
    wait(lambda: dialog.view.before is not None and not dialog.is_loading())
    view_shot = dialog.view.grab()
    dialog.view.actual_size()
    out = {
        "window_dpr": win.devicePixelRatioF(),
        "grab_dpr": shot.devicePixelRatio(),
        "grab_size": [shot.width(), shot.height()],
        "thumb_dpr": item.thumbnail.devicePixelRatio(),
        "thumb_px": item.thumbnail.width(),
        "compare_dpr": dialog.view.before.devicePixelRatio(),
        "view_grab_dpr": view_shot.devicePixelRatio(),
        "view_grab_blank": view_shot.toImage().pixelColor(view_shot.width() // 2, view_shot.height() // 2).name(),
        "actual_scale": dialog.view.scale,
        "state": state_words(item.state),
        "warnings": [w for w in warnings if "propagateSizeHints" not in w],
    }
    dialog.close()
    win.close()
    print(json.dumps(out))
    """
)


def test_high_dpi_window_and_compare_render_crisp(tmp_path):
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "QT_SCALE_FACTOR": "2",
        "ODNIX_USER_DIR": str(tmp_path / "user"),
    }
    run = subprocess.run(
        [sys.executable, "-c", HIDPI_SCRIPT, str(ROOT), str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["window_dpr"] == 2 and out["grab_dpr"] == 2
    assert out["grab_size"] == [2400, 1200]  # device pixels: twice the logical size
    assert out["thumb_dpr"] == 2 and out["thumb_px"] == 96  # 48 logical px, one pixel per dot
    assert out["compare_dpr"] == 2 and out["view_grab_dpr"] == 2
    assert out["actual_scale"] == pytest.approx(1.0)  # 100%: a picture pixel per device pixel
    assert out["view_grab_blank"] != QColor("white").name()
    assert out["warnings"] == [], out["warnings"]
