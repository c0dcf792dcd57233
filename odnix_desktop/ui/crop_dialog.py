"""The profile picture's square crop: drag the square over the photo, wheel to resize.

The box is kept in upright source pixels (``core.options.CropBox``), whatever size the
preview is shown at; the pipeline crops the full-resolution photo with it.
"""

from __future__ import annotations

import itertools

from PySide6.QtCore import QPointF, QRectF, Qt, Signal, Slot
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPainterPath, QPen, QPixmap, QWheelEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from odnix_desktop.core.options import CropBox
from odnix_desktop.jobs.runner import JobRunner
from odnix_desktop.jobs.tasks import PreviewJob
from odnix_desktop.ui.queue_model import QueueItem

PREVIEW_SIDE = 1024
MIN_SIDE = 16


class CropWidget(QWidget):
    """The photo, fitted, with a movable square. ``box`` is in source pixels (x, y, side)."""

    boxChanged = Signal()

    def __init__(self, source_size: tuple[int, int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(360, 300)
        self.setMouseTracking(True)
        self.setToolTip("Drag the square to choose the profile picture · wheel to make it smaller or larger")
        self.source_w, self.source_h = source_size
        side = min(source_size)
        self.box_x = (self.source_w - side) / 2
        self.box_y = (self.source_h - side) / 2
        self.side = float(side)
        self.pixmap: QPixmap | None = None
        self.placeholder = "Loading…"
        self._drag: QPointF | None = None

    def set_pixmap(self, pixmap: QPixmap) -> None:
        self.pixmap = pixmap
        self.update()

    # -- geometry ----------------------------------------------------------------
    def scale(self) -> float:
        """Widget pixels per source pixel."""
        return min(self.width() / self.source_w, self.height() / self.source_h)

    def picture_rect(self) -> QRectF:
        s = self.scale()
        w, h = self.source_w * s, self.source_h * s
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def square_rect(self) -> QRectF:
        s, pic = self.scale(), self.picture_rect()
        return QRectF(pic.x() + self.box_x * s, pic.y() + self.box_y * s, self.side * s, self.side * s)

    def set_box(self, box: CropBox | None) -> None:
        if box is None:
            return
        self.side = float(max(MIN_SIDE, min(box.right - box.left, box.bottom - box.top, self.source_w, self.source_h)))
        self.box_x, self.box_y = float(box.left), float(box.top)
        self._clamp()

    def box(self) -> CropBox:
        left, top, side = round(self.box_x), round(self.box_y), round(self.side)
        return CropBox(left, top, left + side, top + side)

    def move_by(self, dx: float, dy: float) -> None:
        """Move the square by source pixels (kept inside the photo)."""
        self.box_x += dx
        self.box_y += dy
        self._clamp()
        self.boxChanged.emit()
        self.update()

    def resize_by(self, factor: float) -> None:
        cx, cy = self.box_x + self.side / 2, self.box_y + self.side / 2
        self.side = max(MIN_SIDE, min(self.side * factor, self.source_w, self.source_h))
        self.box_x, self.box_y = cx - self.side / 2, cy - self.side / 2
        self._clamp()
        self.boxChanged.emit()
        self.update()

    def _clamp(self) -> None:
        self.side = min(self.side, self.source_w, self.source_h)
        self.box_x = min(max(0.0, self.box_x), self.source_w - self.side)
        self.box_y = min(max(0.0, self.box_y), self.source_h - self.side)

    # -- events --------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag = event.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._drag is not None:
            delta = (pos - self._drag) / self.scale()
            self._drag = pos
            self.move_by(delta.x(), delta.y())
        else:
            inside = self.square_rect().contains(pos)
            self.setCursor(Qt.CursorShape.OpenHandCursor if inside else Qt.CursorShape.ArrowCursor)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag = None
        self.setCursor(Qt.CursorShape.OpenHandCursor)

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.resize_by(0.9**steps)
        event.accept()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().window())
        if self.pixmap is None:
            p.setPen(self.palette().text().color())
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.placeholder)
            p.end()
            return
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        pic = self.picture_rect()
        p.drawPixmap(pic, self.pixmap, QRectF(self.pixmap.rect()))
        square = self.square_rect()
        shade = QPainterPath()
        shade.addRect(pic)
        hole = QPainterPath()
        hole.addRect(square)
        p.fillPath(shade.subtracted(hole), QColor(0, 0, 0, 140))
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(QColor(255, 255, 255), 2))
        p.drawRect(square)
        p.setPen(QPen(QColor(255, 255, 255, 110), 1))
        for i in (1, 2):  # rule of thirds
            x = square.x() + square.width() * i / 3
            y = square.y() + square.height() * i / 3
            p.drawLine(QPointF(x, square.top()), QPointF(x, square.bottom()))
            p.drawLine(QPointF(square.left(), y), QPointF(square.right(), y))
        p.end()


class CropDialog(QDialog):
    """Choose the square of a photo for the profile preset. OK: :meth:`box` is the choice."""

    _serial = itertools.count(1)

    def __init__(self, item: QueueItem, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        assert item.before is not None
        self.item = item
        self.runner = runner
        self.setWindowTitle(f"Profile picture crop — {item.source.name}")
        self.resize(720, 640)
        self.crop = CropWidget((item.before.width, item.before.height), self)
        self.crop.set_box(item.crop)
        self.crop.boxChanged.connect(self._update_label)
        self.label = QLabel()
        self.label.setToolTip("The square in the photo's own pixels (upright)")
        centre = QPushButton("Centre")
        centre.setToolTip("Put back the largest centred square")
        centre.clicked.connect(self.reset)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setToolTip(
            "Use this square (the item uses the profile preset and is compressed again)"
        )
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setToolTip("Keep the previous crop")
        buttons.addButton(centre, QDialogButtonBox.ButtonRole.ResetRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.crop, 1)
        layout.addWidget(self.label)
        layout.addWidget(buttons)
        self._want = next(self._serial)
        self._job: PreviewJob | None = PreviewJob(self._want, item.source, PREVIEW_SIDE)
        self._job.signals.finished.connect(self._on_loaded)
        self._job.signals.failed.connect(self._on_failed)
        runner.start(self._job, priority=20)
        self._update_label()

    def is_loading(self) -> bool:
        return self._job is not None

    def box(self) -> CropBox:
        return self.crop.box()

    @Slot()
    def reset(self) -> None:
        w, h = self.crop.source_w, self.crop.source_h
        side = min(w, h)
        self.crop.set_box(CropBox((w - side) // 2, (h - side) // 2, (w - side) // 2 + side, (h - side) // 2 + side))
        self.crop.update()
        self._update_label()

    @Slot()
    def _update_label(self) -> None:
        b = self.box()
        self.label.setText(
            f"Square {b.right - b.left}×{b.bottom - b.top} px at ({b.left}, {b.top}) · drag to move · wheel to resize"
        )

    @Slot(int, object)
    def _on_loaded(self, key: int, image: QImage) -> None:
        if key != self._want:
            return
        self._job = None
        pixmap = QPixmap.fromImage(image)  # GUI thread
        pixmap.setDevicePixelRatio(self.crop.devicePixelRatioF())
        self.crop.set_pixmap(pixmap)

    @Slot(int, str)
    def _on_failed(self, key: int, message: str) -> None:
        if key != self._want:
            return
        self._job = None
        self.crop.placeholder = message
        self.crop.update()

    def done(self, result: int) -> None:
        if self._job is not None:
            self.runner.cancel(self._job)
            self._job = None
        super().done(result)
