"""The batch's time left in the window's status bar (core/eta.py, as the CLI's progress bar).

The rows' states and progress are fed to an :class:`~odnix_desktop.core.eta.EtaEstimator` (a
photo is one unit, a clip its length in seconds as described) as they change; the estimate is
shown, refreshed twice a second, once about 10% of the work is done.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QObject, QTimer, Slot
from PySide6.QtWidgets import QLabel, QStatusBar

from odnix_desktop.core.eta import EtaEstimator, format_eta
from odnix_desktop.core.media import MediaKind
from odnix_desktop.core.options import Status
from odnix_desktop.ui.queue_items import ItemState, QueueItem
from odnix_desktop.ui.queue_model import QueueModel

TICK_MS = 500
_DONE = (Status.COMPRESSED, Status.KEPT_ORIGINAL)


class EtaStatus(QObject):
    """Follows every row change (``dataChanged``: states and progress) from the first queued
    item until the controller is no longer busy; the label is refreshed twice a second."""

    def __init__(self, model: QueueModel, status_bar: QStatusBar, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(status_bar)
        self.model = model
        self.label = QLabel()
        self.label.setToolTip("Time left for the running batch, learned from this batch's own speed")
        status_bar.addPermanentWidget(self.label)
        self._clock = clock
        self._eta: EtaEstimator | None = None
        self._tracked: dict[int, bool] = {}  # item id -> ended
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.tick)
        model.dataChanged.connect(self._on_changed)

    @Slot(bool)
    def on_busy(self, busy: bool) -> None:
        if busy:
            self._timer.start()
            self.tick()
        else:
            self._timer.stop()
            self._eta = None
            self._tracked = {}
            self.label.setText("")

    def seconds_left(self) -> float | None:
        """The estimate now (None until about 10% of the work is done)."""
        return self._eta.eta() if self._eta is not None else None

    @Slot()
    def tick(self) -> None:
        text = format_eta(self._eta.eta()) if self._eta is not None else ""
        self.label.setText(f"·  {text}" if text else "")  # after the totals, in their style

    @Slot(QModelIndex, QModelIndex)
    def _on_changed(self, top_left: QModelIndex, bottom_right: QModelIndex) -> None:
        for row in range(top_left.row(), bottom_right.row() + 1):
            self._feed(self.model.item(row))

    def _feed(self, item: QueueItem) -> None:
        ended = self._tracked.get(item.id)
        if ended:
            return
        if ended is None:
            if not item.active:
                return
            if self._eta is None:
                self._eta = EtaEstimator(self._clock)
            video = item.kind is MediaKind.VIDEO
            units = (item.before.duration if item.before is not None else None) if video else 1.0
            self._eta.add(item.id, "video" if video else "image", units)
            self._tracked[item.id] = False
        eta = self._eta
        assert eta is not None
        if item.state is ItemState.RUNNING and item.progress is not None:
            eta.update(item.id, item.progress.fraction)
        elif item.state in _DONE:
            eta.finish(item.id)
            self._tracked[item.id] = True
        elif not item.active:  # skipped, failed, cancelled: no work, no speed
            eta.drop(item.id)
            self._tracked[item.id] = True
