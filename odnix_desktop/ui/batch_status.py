"""The whole batch at a glance: a progress bar with its ETA in the status bar, the progress in the
window's title, a summary that stays until the next batch, and a desktop notification when a
batch ends while the window is in the background.

The ETA comes from the batch's own measured throughput (bytes of originals finished per second
since the batch started), so it adapts to this machine and this mix of photos and clips.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSystemTrayIcon,
    QWidget,
)

from odnix_desktop.core.options import Status
from odnix_desktop.ui import text
from odnix_desktop.ui.queue_items import QueueItem

TITLE = "Odnix Desktop"


@dataclass
class BatchProgress:
    """What one batch (the items compressed since the queue was last idle) has done so far."""

    started: float = field(default_factory=time.monotonic)
    ids: set[int] = field(default_factory=set)

    def track(self, items: list[QueueItem]) -> list[QueueItem]:
        """Add the items that are queued or running now; return every item of the batch."""
        self.ids.update(i.id for i in items if i.active)
        return [i for i in items if i.id in self.ids]

    @staticmethod
    def fraction(batch: list[QueueItem]) -> float:
        if not batch:
            return 0.0
        done = sum(1.0 if not i.active else (i.progress.fraction if i.progress else 0.0) for i in batch)
        return done / len(batch)

    def eta_seconds(self, batch: list[QueueItem], now: float | None = None) -> float | None:
        """Seconds left at the throughput measured so far; None until something finished."""
        weight = [(i.before.bytes if i.before else 0) or 1 for i in batch]
        done = float(sum(w for i, w in zip(batch, weight, strict=True) if not i.active))
        done += sum(w * i.progress.fraction for i, w in zip(batch, weight, strict=True) if i.active and i.progress)
        elapsed = (now if now is not None else time.monotonic()) - self.started
        if done <= 0 or elapsed <= 0.5:
            return None
        return max(0.0, (sum(weight) - done) / (done / elapsed))


def summary(batch: list[QueueItem], seconds: float) -> str:
    """ "Batch finished in 0:12 — 18 done, 1 failed, 3 cancelled" (cancelled is not a failure)."""
    counts = {s: sum(1 for i in batch if i.state is s) for s in Status}
    done = counts[Status.COMPRESSED] + counts[Status.KEPT_ORIGINAL] + counts[Status.SKIPPED]
    head = "Batch cancelled" if counts[Status.CANCELLED] and not done else "Batch finished"
    parts = [f"{done} done"]
    if counts[Status.SKIPPED]:
        parts.append(f"{counts[Status.SKIPPED]} already done before")
    if counts[Status.FAILED]:
        parts.append(f"{counts[Status.FAILED]} failed (in red; hover a row for the reason)")
    if counts[Status.CANCELLED]:
        parts.append(f"{counts[Status.CANCELLED]} cancelled")
    return f"{head} in {text.duration(seconds)} — " + ", ".join(parts)


class BatchStatus(QObject):
    """Owns the status bar's batch widgets and the window title's progress."""

    #: A notification was shown (title, message): the batch ended in the background.
    notified = Signal(str, str)

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setMaximumWidth(220)
        self.bar.setTextVisible(True)
        self.bar.setAccessibleName("Batch progress")
        self.bar.hide()
        self.eta = QLabel()
        self.eta.setAccessibleName("Time left in the batch")
        self.eta.hide()
        self.summary = QLabel()
        self.summary.setAccessibleName("Last batch")
        self.summary.setToolTip("How the last batch ended (stays until the next batch starts)")
        status = window.statusBar()
        status.addWidget(self.summary, 1)
        status.addPermanentWidget(self.eta)
        status.addPermanentWidget(self.bar)
        self.current: BatchProgress | None = None
        #: Seconds left from core/eta's per-kind estimator (photos/s, clip seconds/s) when set;
        #: else the batch's own bytes-per-second throughput.
        self.eta_source: Callable[[], float | None] | None = None
        self._tray: QSystemTrayIcon | None = None

    def begin(self, item_ids: list[int]) -> None:
        """Items were queued: a new batch starts (the last summary goes), or the batch grows."""
        if self.current is None:
            self.current = BatchProgress()
            self.summary.clear()
        self.current.ids.update(item_ids)

    def refresh(self, items: list[QueueItem], busy: bool) -> None:
        """Called (at most every 100 ms) with the queue's rows."""
        if self.current is None or not busy:
            return
        batch = self.current.track(items)
        fraction = self.current.fraction(batch)
        done = sum(1 for i in batch if not i.active)
        self.bar.setValue(round(fraction * 1000))
        self.bar.setFormat(f"{done} of {len(batch)} · {fraction * 100:.0f}%")
        eta = self.eta_source() if self.eta_source is not None else self.current.eta_seconds(batch)
        self.eta.setText("estimating time left…" if eta is None else f"about {text.duration(eta)} left")
        self.bar.show()
        self.eta.show()
        self.window.setWindowTitle(f"{fraction * 100:.0f}% · {done}/{len(batch)} — {TITLE}")

    def finish(self, items: list[QueueItem]) -> str:
        """The batch ended: the summary stays, the bar goes, the title is the app's again."""
        current, self.current = self.current, None
        batch = current.track(items) if current else []
        seconds = time.monotonic() - current.started if current else 0.0
        words = summary(batch, seconds)
        self.summary.setText(words)
        self.bar.hide()
        self.eta.hide()
        self.window.setWindowTitle(TITLE)
        if not self.window.isActiveWindow():
            self.notify(words)
        return words

    def notify(self, message: str) -> None:
        """A desktop notification (the tray's balloon where there is a tray), and the taskbar
        entry asks for attention."""
        title = "Odnix Desktop: batch finished"
        if QSystemTrayIcon.isSystemTrayAvailable() and QSystemTrayIcon.supportsMessages():
            if self._tray is None:
                self._tray = QSystemTrayIcon(self.window.windowIcon(), self)
            self._tray.show()
            self._tray.showMessage(title, message, QSystemTrayIcon.MessageIcon.Information, 8000)
        QApplication.alert(self.window)
        self.notified.emit(title, message)


def confirm_cancel(parent: QWidget, running: int) -> bool:
    """Esc asks once before the whole batch is cancelled."""
    them = "them" if running != 1 else "it"
    answer = QMessageBox.question(
        parent,
        "Cancel the batch?",
        f"{running} item{'s are' if running != 1 else ' is'} waiting or being compressed. Cancel {them}?\n"
        "Finished outputs are kept; nothing half-written is left behind.",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes
