"""Every control gets an accessible name (what a screen reader says), from its own words: a
button's text, its form label, or its tooltip's first sentence."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QScrollBar,
    QTextEdit,
    QWidget,
)

#: The kinds of widget a person operates (or reads a value from).
CONTROLS: tuple[type[QWidget], ...] = (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QTextEdit,
)


def _form_label(widget: QWidget) -> str:
    parent = widget.parentWidget()
    while parent is not None:
        layout = parent.layout()
        if isinstance(layout, QFormLayout):
            label = layout.labelForField(widget)
            if isinstance(label, QLabel) and label.text():
                return label.text()
        parent = parent.parentWidget() if parent.layout() is None else None
    return ""


def words_for(widget: QWidget) -> str:
    """The name a screen reader should say for ``widget`` ("" when nothing names it)."""
    if isinstance(widget, QAbstractButton) and widget.text():
        return widget.text().replace("&", "").rstrip("…").strip()
    label = _form_label(widget)
    if label:
        return label.replace("&", "").strip()
    tip = widget.toolTip().split("\n")[0]
    return tip.split(". ")[0].strip() if tip else ""


def _part_of_another(widget: QWidget) -> bool:
    """Qt's own pieces (a spin box's line edit, a combo's popup list, the toolbar's "»")."""
    if widget.objectName().startswith("qt_"):
        return True
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QComboBox | QAbstractSpinBox):
            return True
        parent = parent.parentWidget()
    return False


def nameless(root: QWidget) -> list[QWidget]:
    """The controls under ``root`` a screen reader has no name for."""
    return [
        w
        for w in [root, *root.findChildren(QWidget)]
        if isinstance(w, CONTROLS) and not isinstance(w, QScrollBar) and not w.accessibleName()
        if not _part_of_another(w)
    ]


def name_controls(root: QWidget) -> list[QWidget]:
    """Give each control under ``root`` (and ``root``) an accessible name where it has none.
    Returns the controls still without one."""
    nameless = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not isinstance(widget, CONTROLS) or isinstance(widget, QScrollBar) or widget.accessibleName():
            continue
        if isinstance(widget, QHeaderView):
            vertical = widget.orientation() is Qt.Orientation.Vertical
            widget.setAccessibleName("Row headers" if vertical else "Column headers")
            continue
        if _part_of_another(widget):
            continue
        words = words_for(widget)
        if words:
            widget.setAccessibleName(words)
        else:
            nameless.append(widget)
    return nameless
