"""The compare window's "On Odnix" view: the simulated result of the server's own processing for
a chosen upload target, with its size and dimensions, and what the server does in words."""

from __future__ import annotations

import itertools
import shutil
import tempfile
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QComboBox, QWidget

from odnix_desktop.core.media import MediaKind
from odnix_desktop.jobs.odnix import OnOdnixJob
from odnix_desktop.jobs.runner import JobRunner
from odnix_desktop.ui import text
from odnix_desktop.ui.queue_model import QueueItem

WARN_MARK = "⚠"
_TARGETS = {
    MediaKind.IMAGE: (("post", "Feed post"), ("chat", "Chat"), ("story", "Story"), ("profile", "Profile picture")),
    MediaKind.VIDEO: (("reel", "Reel"), ("story", "Story"), ("chat", "Chat")),
}


def odnix_label(result) -> str:  # core.odnix.preview.OnOdnix -> the label drawn over the view
    head = f"On Odnix · {text.human_bytes(result.bytes)} · {text.dims(*result.size)} · {result.format}"
    lines = [head] + [f"{WARN_MARK} {w}" if w in result.warnings else f"• {w}" for w in result.words]
    return "\n".join(lines)


class OnOdnixPane(QObject):
    """Owns the target chooser and the job; hands the view its picture and label."""

    statusChanged = Signal(str)

    _serial = itertools.count(1)

    def __init__(self, item: QueueItem, runner: JobRunner, view, background: str = "#ffffff", parent=None) -> None:
        super().__init__(parent)
        self.item = item
        self.runner = runner
        self.view = view
        self.background = background
        self._job: OnOdnixJob | None = None
        self._want = 0
        self._tmp: Path | None = None
        self.target = QComboBox()
        self.target.setToolTip("The upload target whose server processing the On Odnix view simulates")
        kind = item.kind or MediaKind.IMAGE
        for value, label in _TARGETS.get(kind, _TARGETS[MediaKind.IMAGE]):
            self.target.addItem(f"as {label}", value)
        found = self.target.findData(item.used_preset)
        self.target.setCurrentIndex(max(0, found))
        self.target.currentIndexChanged.connect(self._on_target_changed)

    def widget(self) -> QWidget:
        return self.target

    def current_target(self) -> str:
        return str(self.target.currentData())

    @Slot()
    def _on_target_changed(self, *_args) -> None:
        self._reset_cache()
        self.view.odnix, self.view.odnix_label = None, ""
        self.view.update()
        self.request()

    def request(self, t: float | None = None) -> None:
        """Simulate the server's step for the current target (for a clip: the frame at ``t``)."""
        item = self.item
        if item.output is None:
            return
        if self._job is not None:
            self.runner.cancel(self._job)
        self._want = next(self._serial)
        simulated = None
        if item.kind is MediaKind.VIDEO:
            if self._tmp is None:
                self._tmp = Path(tempfile.mkdtemp(prefix="odnix-view-"))
            simulated = self._tmp / f"{self.current_target()}.mp4"
        job = OnOdnixJob(
            self._want,
            self.current_target(),
            item.source,
            item.output,
            background=self.background,
            t=(t or 0.0) if item.kind is MediaKind.VIDEO else None,
            simulated=simulated,
        )
        job.signals.finished.connect(self._on_done)
        job.signals.failed.connect(self._on_failed)
        self._job = job
        self.statusChanged.emit("Simulating what Odnix will do…")
        self.runner.start(job, priority=20)

    @Slot(int, object)
    def _on_done(self, key: int, payload) -> None:
        if key != self._want:
            return
        self._job = None
        image, result = payload
        pixmap = QPixmap.fromImage(image if isinstance(image, QImage) else QImage())
        pixmap.setDevicePixelRatio(self.view.devicePixelRatioF())
        self.view.odnix = pixmap
        self.view.odnix_label = odnix_label(result)
        self.view.update()
        self.statusChanged.emit(f"On Odnix as {self.target.currentText()[3:].lower()}")

    @Slot(int, str)
    def _on_failed(self, key: int, message: str) -> None:
        if key != self._want:
            return
        self._job = None
        self.view.odnix_label = f"On Odnix: could not simulate the server ({message})"
        self.view.update()
        self.statusChanged.emit("Could not simulate Odnix")

    def is_busy(self) -> bool:
        return self._job is not None

    def _reset_cache(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def stop(self) -> None:
        if self._job is not None:
            self.runner.cancel(self._job)
            self._job = None
        self._reset_cache()


__all__ = ["OnOdnixPane", "odnix_label"]
