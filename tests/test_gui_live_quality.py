"""Issue 13, item 10: the compare view's live quality slider (re-encodes from the decoded
pixels, shows the new picture, its size and its score), "Apply to this item" / "Apply to all
photos", the zoom readout and next/previous item keys."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from odnix_desktop.core.options import Status
from tests.gui_helpers import *  # noqa: F403
from tests.gui_helpers import make_photos, wait_added, wait_idle

pytestmark = pytest.mark.usefixtures("no_dangling_jobs")


def two_done(qtbot, window, tmp_path):
    window.add_paths(make_photos(tmp_path / "in", 2, (1600, 1200)))
    wait_added(qtbot, window, 2)
    with qtbot.waitSignal(window.queue.batchFinished, timeout=60_000):
        window.start()
    first = window.model.items()[0]
    window.select_item(first)
    return first


def test_moving_the_slider_shows_the_photo_at_that_quality(qtbot, window, tmp_path):
    first = two_done(qtbot, window, tmp_path)
    dialog = window.compare_current()
    qtbot.waitUntil(lambda: not dialog.is_loading(), timeout=20_000)
    live = dialog.live
    assert live is not None and live.row.isVisibleTo(dialog)
    shown = dialog.view.after
    with qtbot.waitSignal(live.scored, timeout=30_000):
        live.slider.setValue(20)  # the keyboard's way: no release, encoded at once
    low = live.result
    assert low is not None and low.quality == 20 and dialog.view.after is not shown
    assert "looks:" in live.result_label.text() and "kB" in live.result_label.text()
    with qtbot.waitSignal(live.updated, timeout=30_000):
        live.slider.setValue(95)
    assert dialog.view.after is not None and live.result.quality == 95  # the picture first
    qtbot.waitUntil(lambda: not live.is_busy(), timeout=30_000)  # then its score
    high = live.result
    assert high.bytes > low.bytes and high.looks > low.looks  # bigger and better, as measured
    assert live.zoom_label.text().endswith("%")  # the readout follows the view
    dialog.view.actual_size()
    assert live.zoom_label.text() == "100%"

    before = first.output
    with qtbot.waitSignal(window.queue.batchFinished, timeout=60_000):
        live.apply_item.click()
    assert first.quality == 95 and first.state is Status.COMPRESSED and first.output == before
    assert first.after.bytes == pytest.approx(high.bytes, rel=0.05)  # what the slider showed
    dialog.close()
    wait_idle(qtbot, window)


def test_page_down_goes_to_the_next_item_and_apply_to_all_sets_the_quality(qtbot, window, tmp_path):
    first = two_done(qtbot, window, tmp_path)
    second = window.model.items()[1]
    dialog = window.compare_current()
    qtbot.waitUntil(lambda: not dialog.is_loading(), timeout=20_000)
    qtbot.keyClick(dialog, Qt.Key.Key_PageDown)
    assert window.compare_dialog is not dialog and window.compare_dialog.item is second
    following = window.compare_dialog
    qtbot.waitUntil(lambda: not following.is_loading(), timeout=20_000)
    qtbot.keyClick(following, Qt.Key.Key_PageUp)
    assert window.compare_dialog.item is first
    last = window.compare_dialog
    qtbot.waitUntil(lambda: not last.is_loading(), timeout=20_000)
    last.live.slider.setValue(50)
    qtbot.waitUntil(lambda: not last.live.is_busy(), timeout=30_000)
    with qtbot.waitSignal(window.queue.batchFinished, timeout=60_000):
        last.live.apply_all.click()
    assert window.settings.quality == 50
    assert all(i.state is Status.COMPRESSED and not i.stale for i in window.model.items())
    last.close()
    wait_idle(qtbot, window)
