"""A button that shows a colour and opens the colour chooser (the upload dialog's story and post
colours)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QColorDialog, QPushButton, QWidget


class ColorButton(QPushButton):
    """A swatch and the colour's hex (``#rrggbb``); a click opens a colour dialog.

    ``color()`` is the text as held: ``set_color`` keeps what it is given, so the checks (not
    this button) say when it is not a colour the server takes.
    """

    colorChanged = Signal(str)

    def __init__(self, color: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._color = ""
        self.title = title
        self.picker: QColorDialog | None = None
        self.clicked.connect(self.choose)
        self.set_color(color)

    def color(self) -> str:
        return self._color

    def set_color(self, color: str) -> None:
        if color == self._color:
            return
        self._color = color
        self.setText(color)
        swatch = QPixmap(16, 16)
        swatch.fill(Qt.GlobalColor.transparent)
        qc = QColor(color)
        painter = QPainter(swatch)
        painter.setPen(QColor(110, 110, 110))
        painter.setBrush(qc if qc.isValid() else Qt.GlobalColor.transparent)
        painter.drawRect(0, 0, 15, 15)
        painter.end()
        self.setIcon(QIcon(swatch))
        self.colorChanged.emit(color)

    @Slot()
    def choose(self) -> QColorDialog:
        """The colour dialog (window-modal; the colour is taken when it is accepted)."""
        if self.picker is None:
            self.picker = QColorDialog(self)
            self.picker.setWindowTitle(self.title)
            self.picker.colorSelected.connect(self._on_selected)
        current = QColor(self._color)
        if current.isValid():
            self.picker.setCurrentColor(current)
        self.picker.open()
        return self.picker

    @Slot(QColor)
    def _on_selected(self, color: QColor) -> None:
        if color.isValid():
            self.set_color(color.name())  # "#rrggbb", lower case
