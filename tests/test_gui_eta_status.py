"""The window's status bar shows the batch's time left (issue 12 §5), from the rows' own changes."""

from __future__ import annotations

from pathlib import Path

from odnix_desktop.core.media import MediaInfo, MediaKind
from odnix_desktop.core.options import Status
from odnix_desktop.core.progress import Progress
from odnix_desktop.ui.queue_items import ItemState, QueueItem
from odnix_desktop.ui.queue_model import QueueModel
from tests import media_factory as mf
from tests.gui_helpers import window  # noqa: F401 (fixture)


class FakeClock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_time_left_from_photos_and_clip_seconds(qtbot):
    from PySide6.QtWidgets import QMainWindow

    from odnix_desktop.ui.eta_status import EtaStatus

    host = QMainWindow()
    qtbot.addWidget(host)
    model = QueueModel()
    clock = FakeClock()
    status = EtaStatus(model, host.statusBar(), clock)
    photos = model.add([QueueItem(Path(f"/p{i}.jpg"), kind=MediaKind.IMAGE) for i in range(4)])
    (clip,) = model.add([QueueItem(Path("/c.mp4"), kind=MediaKind.VIDEO, before=MediaInfo(1, 2, 2, "H.264", 30.0))])
    for item in [*photos, clip]:
        model.update(item.id, state=ItemState.QUEUED)
    status.on_busy(True)
    assert status.label.text() == ""
    model.update(photos[0].id, state=ItemState.RUNNING, progress=Progress(0.0))
    model.update(clip.id, state=ItemState.RUNNING, progress=Progress(0.0))
    clock.now = 2.0
    model.update(photos[0].id, state=Status.COMPRESSED)  # 1 photo in 1 s of machine (shared)
    model.update(clip.id, progress=Progress(0.2))  # 6 s of clip in 1 s of machine
    status.tick()
    # Left: 3 photos (3 s) + 24 s of clip (4 s) of machine time.
    assert status.label.text() == "·  ETA 0:07"
    status.on_busy(False)
    assert status.label.text() == ""


def test_the_window_feeds_every_item_of_a_batch_and_clears_at_the_end(qtbot, window, tmp_path, monkeypatch):
    from odnix_desktop.core.eta import EtaEstimator
    from odnix_desktop.ui import eta_status

    calls: list[tuple[str, object]] = []

    class Spy(EtaEstimator):
        def add(self, key, kind, units=1.0):
            calls.append(("add", key))
            super().add(key, kind, units)

        def finish(self, key):
            calls.append(("finish", key))
            super().finish(key)

    monkeypatch.setattr(eta_status, "EtaEstimator", Spy)
    for i in range(6):
        mf.save_jpeg(tmp_path / f"p{i}.jpg", mf.photo_like(1600, 1200, seed=i))
    with qtbot.waitSignal(window.queue.describedAll, timeout=30_000):
        window.add_paths([tmp_path / f"p{i}.jpg" for i in range(6)])
    ids = {item.id for item in window.model.items()}
    with qtbot.waitSignal(window.queue.batchFinished, timeout=60_000):
        window.start()
    qtbot.waitUntil(lambda: window.eta_status._eta is None)  # cleared once not busy
    assert {key for op, key in calls if op == "add"} == ids
    assert {key for op, key in calls if op == "finish"} == ids
    assert window.eta_status.label.text() == ""
