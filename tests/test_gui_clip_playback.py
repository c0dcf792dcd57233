"""The compare dialog plays a clip's before and after in step, and previews five seconds at the
chosen settings before the clip is compressed (issue 13 item 11)."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap

from odnix_desktop.ui.compare import ODNIX, SIDE, SPLIT
from tests.gui_helpers import *  # noqa: F403
from tests.test_clip_playback import ramp_clip, second_shown

pytestmark = pytest.mark.usefixtures("no_dangling_jobs")


def shown(pixmap: QPixmap | None) -> int:
    assert pixmap is not None
    image = pixmap.toImage().convertToFormat(QImage.Format.Format_RGB888)
    w, h = image.width(), image.height()
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(h, image.bytesPerLine())
    return second_shown(rows[:, : w * 3])


def test_preview_before_compressing_plays_against_the_original(qtbot, window, tmp_path):
    require_video_pipeline()  # noqa: F405
    clip = ramp_clip(tmp_path / "in" / "steps.mp4", seconds=2.0, size="320x240")
    original = hashlib.sha256(clip.read_bytes()).hexdigest()
    window.add_paths([clip])
    wait_added(qtbot, window, 1)  # noqa: F405
    item = window.model.item(0)
    window.select_item(item)
    dialog = window.compare_current()
    assert dialog is not None and dialog.clip is not None, "a clip opens before it is compressed"
    qtbot.waitUntil(lambda: dialog.view.before is not None and not dialog.is_loading(), timeout=20_000)
    assert dialog.view.after is None and "not compressed yet" in dialog.view.after_label
    clip_controls = dialog.clip
    clip_controls.play()  # nothing to play against yet: it says what to do instead
    assert not clip_controls.is_playing() and "Preview" in dialog.status.text()

    with qtbot.waitSignal(clip_controls.afterChanged, timeout=60_000):
        clip_controls.preview_button.click()
    preview = clip_controls.preview
    assert preview is not None and preview.start == 0.0 and preview.seconds == pytest.approx(2.0, abs=0.1)
    assert preview.path.exists() and not preview.path.is_relative_to(tmp_path / "out")
    assert "After (preview)" in dialog.view.after_label and "whole clip" in dialog.view.after_label
    job = clip_controls._play_job
    assert job is not None, "the preview plays as soon as it is made"
    with qtbot.waitSignal(job.signals.finished, timeout=30_000) as ended:
        pass
    end = ended.args[1]
    assert end.shown >= 10 and end.t == pytest.approx(2.0, abs=0.15)
    assert shown(dialog.view.before) == shown(dialog.view.after) == 1  # the last second, both sides
    assert clip_controls.play_button.text() == "▶ Play"
    folder = preview.path.parent
    dialog.close()
    assert not folder.exists(), "the preview is removed with the dialog"
    assert hashlib.sha256(clip.read_bytes()).hexdigest() == original
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.mp4"))


def test_play_pause_keeps_split_and_side_by_side(qtbot, window, tmp_path):
    require_video_pipeline()  # noqa: F405
    clip = ramp_clip(tmp_path / "in" / "steps.mp4", seconds=3.0, size="320x240")
    window.add_paths([clip])
    wait_added(qtbot, window, 1)  # noqa: F405
    with qtbot.waitSignal(window.queue.batchFinished, timeout=60_000):
        window.start()
    item = window.model.item(0)
    assert item.finished and item.output is not None, item.error
    window.select_item(item)
    dialog = window.compare_current()
    qtbot.waitUntil(lambda: dialog.view.before is not None and not dialog.is_loading(), timeout=20_000)
    controls = dialog.clip
    controls.slider.setValue(0)
    qtbot.waitUntil(lambda: not dialog.is_loading(), timeout=20_000)
    dialog.view.set_mode(ODNIX)
    qtbot.keyClick(dialog, Qt.Key.Key_P)  # P plays, from the slider's moment
    job = controls._play_job
    assert job is not None and controls.play_button.text() == "❚❚ Pause"
    assert dialog.view.mode == SPLIT, "the Odnix simulation is one frame at a time: play in split view"
    for _ in range(3):
        with qtbot.waitSignal(job.signals.frame, timeout=20_000):
            pass
    dialog.view.set_mode(SIDE)
    with qtbot.waitSignal(job.signals.frame, timeout=20_000) as frame:
        pass
    assert frame.args[2].size() == frame.args[3].size()  # same box for both sides
    assert dialog.view.mode == SIDE and controls.current_time() > 0.0, "the slider follows playback"
    with qtbot.waitSignal(job.signals.cancelled, timeout=20_000):
        qtbot.keyClick(dialog, Qt.Key.Key_P)  # P again pauses
    assert not controls.is_playing() and controls.play_button.text() == "▶ Play"
    assert "Paused" in dialog.status.text()
    assert shown(dialog.view.before) == shown(dialog.view.after)
    dialog.close()
