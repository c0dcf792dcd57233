"""The compare view's live quality slider, as Squoosh has for one image, here for any photo of
the batch: moving it encodes this photo again from its already-decoded pixels and shows the
new "after" picture, its size and how it looks (SSIMULACRA2). "Apply to this item" and "Apply
to all photos" make the choice stick; a zoom readout follows the view."""

from __future__ import annotations

import itertools
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QImage, QKeyEvent, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

from odnix_desktop.core.media import MediaKind
from odnix_desktop.core.options import CompressOptions
from odnix_desktop.jobs.base import Job
from odnix_desktop.jobs.live import LiveEncodeJob, LivePrepareJob, LiveScoreJob
from odnix_desktop.jobs.runner import JobRunner
from odnix_desktop.ui import text
from odnix_desktop.ui.compare import CompareDialog, CompareView
from odnix_desktop.ui.queue_items import QueueItem

if TYPE_CHECKING:
    from odnix_desktop.core.image.live import LiveEncoder, LiveResult

#: Where the slider starts when the item's quality is not known (a per-photo target chose it).
START_QUALITY = 75


def zoom_percent(view: CompareView) -> int:
    """Screen pixels per picture pixel, in percent (100%: one for one)."""
    pm = view.before or view.after
    ratio = pm.devicePixelRatio() if pm is not None else 1.0
    return round(view.scale * view.devicePixelRatioF() / ratio * 100)


class LiveQuality(QObject):
    """The slider row under the compare view (photos only) and the jobs behind it."""

    #: The user wants this quality for this item (item id, quality).
    applyToItem = Signal(int, int)
    #: The user wants this quality for every photo (quality).
    applyToAll = Signal(int)
    #: A new "after" picture is shown (seconds from the request to the picture).
    updated = Signal(float)
    #: Its score is known (SSIMULACRA2, or None for a picture too small to score).
    scored = Signal(object)

    _serial = itertools.count(1)

    def __init__(
        self, item: QueueItem, options: CompressOptions, runner: JobRunner, view: CompareView, parent: QObject
    ) -> None:
        super().__init__(parent)
        self.item, self.options, self.runner, self.view = item, options, runner, view
        self.encoder: LiveEncoder | None = None
        self.result: LiveResult | None = None
        self.latencies: list[float] = []
        self._job: Job | None = None
        self._want = 0
        self._asked_at = 0.0
        self._pending: int | None = None
        self.row = self._build()
        view.viewChanged.connect(self._show_zoom)

    def _build(self) -> QWidget:  # declarative layout
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Quality"))
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(1, 100)
        self.slider.setValue(self.options.quality or START_QUALITY)
        self.slider.setToolTip("Encode this photo again at another quality: release to see it (← → by one)")
        self.slider.setAccessibleName("Quality of this photo")
        self.slider.sliderReleased.connect(self.request)
        self.slider.valueChanged.connect(self._on_value)
        layout.addWidget(self.slider, 1)
        self.value_label = QLabel()
        self.value_label.setMinimumWidth(28)
        layout.addWidget(self.value_label)
        self.result_label = QLabel("Move the slider to try another quality")
        self.result_label.setToolTip("The new file's size and how it looks (SSIMULACRA2: 100 = identical)")
        layout.addWidget(self.result_label)
        self.apply_item = QPushButton("Apply to this item")
        self.apply_item.setToolTip("Compress this item again at this quality (replaces its own output)")
        self.apply_item.clicked.connect(lambda: self.applyToItem.emit(self.item.id, self.slider.value()))
        self.apply_all = QPushButton("Apply to all photos")
        self.apply_all.setToolTip("Use this quality for every photo (Settings ▸ Fixed quality); Start recompresses")
        self.apply_all.clicked.connect(lambda: self.applyToAll.emit(self.slider.value()))
        layout.addWidget(self.apply_item)
        layout.addWidget(self.apply_all)
        self.zoom_label = QLabel()
        self.zoom_label.setToolTip("Zoom: screen pixels per picture pixel (0: 100%, F: fit)")
        self.zoom_label.setAccessibleName("Zoom")
        layout.addWidget(self.zoom_label)
        self.value_label.setText(str(self.slider.value()))
        return row

    @Slot(int)
    def _on_value(self, value: int) -> None:
        self.value_label.setText(str(value))
        if not self.slider.isSliderDown():  # keys and clicks: no release comes
            self.request()

    @Slot()
    def _show_zoom(self) -> None:
        self.zoom_label.setText(f"{zoom_percent(self.view)}%")

    @Slot()
    def request(self) -> None:
        """Encode at the slider's quality (the photo is prepared first, once)."""
        self._asked_at = time.perf_counter()
        self._pending = self.slider.value()
        if self._job is not None:
            self.runner.cancel(self._job)
        self._want = next(self._serial)
        job: Job
        if self.encoder is None:
            job = LivePrepareJob(self._want, self.item.source, self.options)
            job.signals.finished.connect(self._on_prepared)
        else:
            job = LiveEncodeJob(self._want, self.encoder, self._pending)
            job.signals.finished.connect(self._on_encoded)
        job.signals.failed.connect(self._on_failed)
        self._job = job
        self.result_label.setText("Encoding…")
        self.runner.start(job, priority=30)

    def is_busy(self) -> bool:
        return self._job is not None

    @Slot(int, object)
    def _on_prepared(self, key: int, encoder: LiveEncoder) -> None:
        if key != self._want:
            return
        self.encoder = encoder
        asked = self._asked_at
        self.request()
        self._asked_at = asked  # the latency counts from the user's move

    @Slot(int, object)
    def _on_encoded(self, key: int, payload: tuple[LiveResult, QImage]) -> None:
        if key != self._want:
            return
        result, image = payload
        self.result = result
        pixmap = QPixmap.fromImage(image)
        pixmap.setDevicePixelRatio(self.view.devicePixelRatioF())
        self.view.set_pixmaps(self.view.before, pixmap, keep_view=True)
        self._show_result(result)
        seconds = time.perf_counter() - self._asked_at  # release to new picture
        self.latencies.append(seconds)
        assert self.encoder is not None
        job = LiveScoreJob(key, self.encoder, result)  # then how it looks
        job.signals.finished.connect(self._on_scored)
        job.signals.failed.connect(self._on_failed)
        self._job = job
        self.runner.start(job, priority=30)
        self.updated.emit(seconds)

    @Slot(int, object)
    def _on_scored(self, key: int, result: LiveResult) -> None:
        if key != self._want:
            return
        self._job = None
        self.result = result
        self._show_result(result)
        self.scored.emit(result.looks)

    def _show_result(self, result: LiveResult) -> None:
        looks = "looks: …" if result.looks is None else f"looks: {result.looks:.0f} / 100"
        self.result_label.setText(f"{text.human_bytes(result.bytes)} · {looks}")
        width, height = self.encoder.size if self.encoder is not None else (0, 0)
        after = f"After · quality {result.quality} · {text.human_bytes(result.bytes)} · {text.dims(width, height)}"
        self.view.set_labels(self.view.before_label, f"{after}\n{looks}")

    @Slot(int, str)
    def _on_failed(self, key: int, message: str) -> None:
        if key == self._want:
            self._job = None
            self.result_label.setText(f"Could not encode: {message}")

    def stop(self) -> None:
        if self._job is not None:
            self.runner.cancel(self._job)
            self._job = None


class LiveCompareDialog(CompareDialog):
    """The compare dialog with the live quality slider (photos) and next/previous item keys:
    Page Down / Page Up (or Alt+→ / Alt+←)."""

    #: The user asked for the next (+1) or previous (-1) item.
    stepRequested = Signal(int)

    def __init__(
        self,
        item: QueueItem,
        runner: JobRunner,
        parent: QWidget | None = None,
        *,
        background: str = "#ffffff",
        options: CompressOptions | None = None,
    ) -> None:
        super().__init__(item, runner, parent, background=background, options=options)
        self.live: LiveQuality | None = None
        if options is not None and item.kind is MediaKind.IMAGE:
            self.live = LiveQuality(item, options, runner, self.view, self)
            layout = self.layout()
            assert layout is not None
            layout.addWidget(self.live.row)
            self.view.viewChanged.connect(self.live._show_zoom)
        self.setToolTip("Page Down / Page Up: next or previous item")

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        alt = event.modifiers() & Qt.KeyboardModifier.AltModifier
        if event.key() == Qt.Key.Key_PageDown or (alt and event.key() == Qt.Key.Key_Right):
            self.stepRequested.emit(1)
        elif event.key() == Qt.Key.Key_PageUp or (alt and event.key() == Qt.Key.Key_Left):
            self.stepRequested.emit(-1)
        else:
            super().keyPressEvent(event)

    def done(self, result: int) -> None:
        if self.live is not None:
            self.live.stop()
        super().done(result)
