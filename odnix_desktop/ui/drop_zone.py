"""The drop zone: accepts files and folders dragged from the file manager and emits their paths."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QFont
from PySide6.QtWidgets import QLabel, QStackedLayout, QVBoxLayout, QWidget


def local_paths(mime: QMimeData) -> list[Path]:
    """Local files named by a drag or the clipboard (URLs, or lines of text that are paths)."""
    paths: list[Path] = []
    if mime.hasUrls():
        paths = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]
    elif mime.hasText():
        for line in mime.text().splitlines():
            line = line.strip().strip('"')
            if line.startswith("file://"):
                from PySide6.QtCore import QUrl

                line = QUrl(line).toLocalFile()
            if line and Path(line).exists():
                paths.append(Path(line))
    return paths


class DropZoneWidget(QWidget):
    """Shows a big empty-state message, or the content widget once there is something queued.

    The whole area accepts drops, whichever page shows. It only emits the paths.
    """

    pathsDropped = Signal(list)  # list[Path]

    def __init__(self, content: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setObjectName("dropZone")
        self.empty = QLabel(
            "<div style='font-size:20pt; font-weight:600'>Drop photos and clips here</div>"
            "<p>or use <b>Add files…</b> / <b>Add folder…</b> (Ctrl+O), or paste (Ctrl+V).</p>"
            "<p>Folders are searched recursively. JPEG, PNG, WebP, HEIC, AVIF, GIF · MP4, MOV, MKV, WebM</p>"
        )
        self.empty.setObjectName("dropZoneMessage")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setToolTip("Drag files or folders from your file manager onto this window")
        font = QFont(self.empty.font())
        self.empty.setFont(font)
        self.empty.setMargin(24)
        frame = QWidget()
        lay = QVBoxLayout(frame)
        lay.setContentsMargins(24, 24, 24, 24)
        lay.addWidget(self.empty)
        frame.setObjectName("dropZoneFrame")
        self._stack = QStackedLayout(self)
        self._stack.addWidget(frame)
        self._stack.addWidget(content)
        self._hovering = False
        self._apply_style()

    def _apply_style(self) -> None:
        colour = "palette(highlight)" if self._hovering else "palette(mid)"
        self.empty.setStyleSheet(f"QLabel#dropZoneMessage {{ border: 3px dashed {colour}; border-radius: 16px; }}")

    def set_empty(self, empty: bool) -> None:
        self._stack.setCurrentIndex(0 if empty else 1)

    def is_empty_shown(self) -> bool:
        return self._stack.currentIndex() == 0

    # -- drag and drop -------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_paths(event.mimeData()):
            event.acceptProposedAction()
            self._hovering = True
            self._apply_style()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        event.acceptProposedAction()

    def dragLeaveEvent(self, event) -> None:
        self._hovering = False
        self._apply_style()

    def dropEvent(self, event: QDropEvent) -> None:
        self._hovering = False
        self._apply_style()
        paths = local_paths(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.pathsDropped.emit(paths)
        else:
            event.ignore()
