"""The before/after picture: a split view with synced zoom and pan (photos and clip frames)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QKeyEvent, QMouseEvent, QPainter, QPen, QPixmap, QWheelEvent
from PySide6.QtWidgets import QWidget

BEFORE, AFTER, SPLIT, SIDE, ODNIX = "before", "after", "split", "side", "odnix"
MODES = (BEFORE, AFTER, SPLIT, SIDE, ODNIX)
MIN_SCALE, MAX_SCALE = 0.02, 32.0


def checkerboard(size: int = 8) -> QPixmap:
    tile = QPixmap(size * 2, size * 2)
    tile.fill(QColor(204, 204, 204))
    p = QPainter(tile)
    p.fillRect(0, 0, size, size, QColor(255, 255, 255))
    p.fillRect(size, size, size, size, QColor(255, 255, 255))
    p.end()
    return tile


class CompareView(QWidget):
    """Both pictures share one transform (scale and offset), so zoom and pan are always in sync.

    The after picture is drawn over the before picture's rectangle, whatever its own size,
    so the same detail sits under the same screen point on both sides of the divider.
    """

    viewChanged = Signal()
    modeChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(320, 240)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setToolTip(
            "Drag the divider to compare · wheel to zoom at the cursor · drag to pan\n"
            "Keys: 1 before · 2 after · 3 split · 4 side by side · 5 on Odnix · F fit · 0 100%"
        )
        self.before: QPixmap | None = None
        self.after: QPixmap | None = None
        self.odnix: QPixmap | None = None  # what viewers get on Odnix (simulated server step)
        self.odnix_label = ""
        self.before_label = ""
        self.after_label = ""
        self.mode = SPLIT
        self.split = 0.5
        self.scale = 1.0
        self.offset = QPointF(0, 0)
        self._fit = True
        self._drag: str | None = None
        self._last = QPointF()
        self._checker = QBrush(checkerboard())
        self.placeholder = "Loading…"

    # -- content ---------------------------------------------------------------
    def set_pixmaps(self, before: QPixmap | None, after: QPixmap | None, keep_view: bool = False) -> None:
        self.before, self.after = before, after
        if not keep_view or self._fit:
            self.fit()
        self.update()

    def set_labels(self, before: str, after: str) -> None:
        self.before_label, self.after_label = before, after
        self.update()

    def image_size(self) -> QSize:
        pm = self.before or self.after
        if pm is None:
            return QSize(1, 1)
        return pm.deviceIndependentSize().toSize() if pm.devicePixelRatio() != 1 else pm.size()

    def pane_width(self) -> float:
        """Width of one picture's pane: half the widget side by side, else all of it."""
        return self.width() / 2 if self.mode == SIDE else float(self.width())

    def local(self, pos: QPointF) -> QPointF:
        """A widget point in its pane's coordinates (side by side, the right pane starts at half)."""
        if self.mode == SIDE and pos.x() >= self.pane_width():
            return QPointF(pos.x() - self.pane_width(), pos.y())
        return QPointF(pos)

    # -- view --------------------------------------------------------------------
    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(mode)
        if mode != self.mode:
            # The picture point at the centre of the pane stays at the centre of the new pane.
            centre = (QPointF(self.pane_width() / 2, self.height() / 2) - self.offset) / self.scale
            self.mode = mode
            if self._fit:
                self.fit()
            else:
                self.offset = QPointF(self.pane_width() / 2, self.height() / 2) - centre * self.scale
                self.viewChanged.emit()
            self.modeChanged.emit(mode)
            self.update()

    def side_rect(self, side: str) -> QRectF:
        """Where a side's picture is drawn (both share it: the view is synced by construction)."""
        size = self.image_size()
        return QRectF(self.offset.x(), self.offset.y(), size.width() * self.scale, size.height() * self.scale)

    def divider_x(self) -> float:
        return self.width() * self.split

    @Slot()
    def fit(self) -> None:
        size = self.image_size()
        w, h = max(1.0, self.pane_width()), max(1, self.height())
        self.scale = max(MIN_SCALE, min(w / size.width(), h / size.height()))
        self.offset = QPointF((w - size.width() * self.scale) / 2, (h - size.height() * self.scale) / 2)
        self._fit = True
        self.viewChanged.emit()
        self.update()

    @Slot()
    def actual_size(self) -> None:
        """100%: one picture pixel on one screen pixel, keeping the centre where it is.

        A pixmap with a device pixel ratio already counts in logical pixels."""
        pm = self.before or self.after
        ratio = pm.devicePixelRatio() if pm is not None else 1.0
        self._set_scale(ratio / self.devicePixelRatioF(), QPointF(self.pane_width() / 2, self.height() / 2))

    def zoom_at(self, pos: QPointF, factor: float) -> None:
        """Zoom keeping the picture point under ``pos`` (a widget point) where it is."""
        self._set_scale(self.scale * factor, self.local(pos))

    def _set_scale(self, scale: float, anchor: QPointF) -> None:
        scale = min(MAX_SCALE, max(MIN_SCALE, scale))
        img_pt = (anchor - self.offset) / self.scale
        self.scale = scale
        self.offset = anchor - img_pt * scale
        self._fit = False
        self.viewChanged.emit()
        self.update()

    def pan(self, delta: QPointF) -> None:
        self.offset += delta
        self._fit = False
        self.viewChanged.emit()
        self.update()

    def image_point(self, pos: QPointF) -> QPointF:
        return (self.local(pos) - self.offset) / self.scale

    # -- events ----------------------------------------------------------------
    def resizeEvent(self, event) -> None:
        if self._fit:
            self.fit()
        super().resizeEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom_at(event.position(), 1.25**steps)
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        pos = event.position()
        if self.mode == SPLIT and abs(pos.x() - self.divider_x()) <= 8:
            self._drag = "divider"
        else:
            self._drag = "pan"
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        self._last = pos
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._drag == "divider":
            self.split = min(1.0, max(0.0, pos.x() / max(1, self.width())))
            self.update()
        elif self._drag == "pan":
            self.pan(pos - self._last)
        elif self.mode == SPLIT and abs(pos.x() - self.divider_x()) <= 8:
            self.setCursor(Qt.CursorShape.SplitHCursor)
        else:
            self.setCursor(Qt.CursorShape.OpenHandCursor)
        self._last = pos

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag = None
        self.setCursor(Qt.CursorShape.OpenHandCursor)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self._fit:
            self.actual_size()
        else:
            self.fit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_1:
            self.set_mode(BEFORE)
        elif key == Qt.Key.Key_2:
            self.set_mode(AFTER)
        elif key == Qt.Key.Key_3:
            self.set_mode(SPLIT)
        elif key == Qt.Key.Key_4:
            self.set_mode(SIDE)
        elif key == Qt.Key.Key_5:
            self.set_mode(ODNIX)
        elif key == Qt.Key.Key_F:
            self.fit()
        elif key == Qt.Key.Key_0:
            self.actual_size()
        else:
            super().keyPressEvent(event)

    # -- painting ----------------------------------------------------------------
    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().window())
        if self.before is None and self.after is None:
            p.setPen(self.palette().text().color())
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.placeholder)
            p.end()
            return
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.scale < 2)
        target = self.side_rect(SPLIT)
        if self.mode == SIDE:
            self._paint_side_by_side(p, target)
            p.end()
            return
        split_x = self.divider_x()
        if self.mode == ODNIX:
            self._paint_odnix(p, target)
            p.end()
            return
        sides = []
        if self.mode in (BEFORE, SPLIT):
            clip = QRectF(0, 0, split_x if self.mode == SPLIT else self.width(), self.height())
            sides.append((self.before, clip))
        if self.mode in (AFTER, SPLIT):
            left = split_x if self.mode == SPLIT else 0
            sides.append((self.after, QRectF(left, 0, self.width() - left, self.height())))
        for pixmap, clip in sides:
            p.save()
            p.setClipRect(clip)
            p.setBrushOrigin(target.topLeft())
            p.fillRect(target, self._checker)
            if pixmap is not None:
                p.drawPixmap(target, pixmap, QRectF(pixmap.rect()))
            p.restore()
        if self.mode == SPLIT:
            self._paint_divider(p, split_x)
        if self.mode in (BEFORE, SPLIT):
            self._paint_label(p, self.before_label, left=True)
        if self.mode in (AFTER, SPLIT):
            self._paint_label(p, self.after_label, left=False)
        p.end()

    def _paint_side_by_side(self, p: QPainter, target: QRectF) -> None:
        half = self.pane_width()
        for pixmap, x0 in ((self.before, 0.0), (self.after, half)):
            p.save()
            p.setClipRect(QRectF(x0, 0, half, self.height()))
            p.translate(x0, 0)
            p.setBrushOrigin(target.topLeft())
            p.fillRect(target, self._checker)
            if pixmap is not None:
                p.drawPixmap(target, pixmap, QRectF(pixmap.rect()))
            p.restore()
        p.setPen(QPen(self.palette().mid().color(), 2))
        p.drawLine(QPointF(half, 0), QPointF(half, self.height()))
        self._paint_label(p, self.before_label, left=True)
        self._paint_label(p, self.after_label, left=False)

    def _paint_odnix(self, p: QPainter, target: QRectF) -> None:
        """The simulated server result over the before picture's rectangle, whatever its size."""
        p.save()
        p.setBrushOrigin(target.topLeft())
        p.fillRect(target, self._checker)
        if self.odnix is not None:
            p.drawPixmap(target, self.odnix, QRectF(self.odnix.rect()))
        p.restore()
        self._paint_label(p, self.odnix_label or "On Odnix · working out what the server will do…", left=True)

    def _paint_divider(self, p: QPainter, x: float) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(QColor(255, 255, 255, 230), 2))
        p.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        handle = QRectF(x - 10, self.height() / 2 - 18, 20, 36)
        p.setBrush(QColor(40, 40, 40, 200))
        p.drawRoundedRect(handle, 6, 6)
        p.setPen(QPen(QColor(255, 255, 255), 1.5))
        cy = self.height() / 2
        for dx in (-3, 3):
            p.drawLine(QPointF(x + dx, cy - 8), QPointF(x + dx, cy + 8))

    def _paint_label(self, p: QPainter, label: str, left: bool) -> None:
        if not label:
            return
        fm = p.fontMetrics()
        lines = label.splitlines()
        w = max(fm.horizontalAdvance(line) for line in lines) + 16
        h = fm.height() * len(lines) + 10
        x = 10 if left else self.width() - w - 10
        box = QRectF(x, 10, w, h)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(0, 0, 0, 170))
        p.drawRoundedRect(box, 6, 6)
        p.setPen(QColor(255, 255, 255))
        p.drawText(box.adjusted(8, 5, -8, -5), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, label)
