"""Issue 13, item 12: the whole batch at a glance — a progress bar with the time left in the
status bar, the progress in the window's title, and a notification when the batch ends while
the window is in the background."""

from __future__ import annotations

from pathlib import Path

import pytest

from odnix_desktop.core.media import MediaInfo
from odnix_desktop.core.options import Status
from odnix_desktop.core.progress import Progress
from odnix_desktop.ui.batch_status import TITLE, BatchProgress, summary
from odnix_desktop.ui.queue_items import ItemState, QueueItem
from tests.gui_helpers import *  # noqa: F403

pytestmark = pytest.mark.usefixtures("no_dangling_jobs")


def test_the_bar_the_title_and_the_notification_follow_the_batch(qtbot, window, tmp_path):
    window.apply_settings(window.settings.with_changes(image_workers=1))
    window.add_paths(make_photos(tmp_path / "in", 4, (1600, 1200)))
    wait_added(qtbot, window, 4)
    status = window.batch_status
    seen: list[tuple[bool, str, str]] = []

    def look(*_args) -> None:
        window._refresh_now()
        seen.append((status.bar.isVisibleTo(window), window.windowTitle(), status.bar.format()))

    window.model.dataChanged.connect(look)
    with qtbot.waitSignal(status.notified, timeout=60_000) as notified:  # the window is not active
        window.start()
    window.model.dataChanged.disconnect(look)
    assert any(visible and "%" in title and title.endswith(TITLE) for visible, title, _ in seen)
    assert any(" of 4" in fmt for _, _, fmt in seen)
    assert window.windowTitle() == TITLE and not status.bar.isVisibleTo(window)
    assert "4 done" in notified.args[1]


def item(state, size=1000, fraction=None) -> QueueItem:
    i = QueueItem(Path("x.jpg"), state=state)
    i.before = MediaInfo(bytes=size, width=10, height=10, format="JPEG")
    if fraction is not None:
        i.progress = Progress(fraction, "encoding")
    return i


def test_the_time_left_comes_from_the_batchs_own_throughput():
    batch = [item(Status.COMPRESSED), item(ItemState.RUNNING, fraction=0.5), item(ItemState.QUEUED)]
    progress = BatchProgress(started=100.0)
    assert progress.fraction(batch) == pytest.approx(0.5)
    # 1.5 of 3 units in 30 s: 1.5 units left take 30 s more.
    assert progress.eta_seconds(batch, now=130.0) == pytest.approx(30.0)
    assert BatchProgress(started=100.0).eta_seconds([item(ItemState.QUEUED)], now=130.0) is None
    words = summary([item(Status.COMPRESSED), item(Status.CANCELLED), item(Status.FAILED)], 12)
    assert words.startswith("Batch finished in 0:12") and "1 cancelled" in words and "1 failed" in words
