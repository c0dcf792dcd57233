"""Row painting: a progress bar in the status cell, a preset chooser in the preset cell."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
    QWidget,
)

from odnix_desktop.core.presets import PRESETS
from odnix_desktop.ui.queue_model import ItemRole, ProgressRole

Index = QModelIndex | QPersistentModelIndex


class ProgressDelegate(QStyledItemDelegate):
    """Draws a progress bar with the status text (percent, fps and ETA for clips) while running."""

    def paint(self, painter, option: QStyleOptionViewItem, index: Index) -> None:
        fraction = index.data(ProgressRole)
        if fraction is None:
            super().paint(painter, option, index)
            return
        style = option.widget.style() if option.widget else QApplication.style()
        # Selection background first, then the bar inset a little.
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, option.widget)
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(2, 3, -2, -3)
        bar.minimum = 0
        bar.maximum = 1000
        bar.progress = int(fraction * 1000)
        bar.text = index.data(Qt.ItemDataRole.DisplayRole) or ""
        bar.textVisible = True
        bar.textAlignment = Qt.AlignmentFlag.AlignCenter
        bar.state = option.state | QStyle.StateFlag.State_Horizontal
        bar.palette = option.palette
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, option.widget)


class PresetDelegate(QStyledItemDelegate):
    """A combo box with "Batch preset" and the presets that take the item's kind."""

    BATCH = "__batch__"

    def createEditor(self, parent: QWidget, option, index: Index) -> QWidget:
        combo = QComboBox(parent)
        combo.setToolTip("Preset for this item; “Batch preset” follows the toolbar choice")
        item = index.data(ItemRole)
        combo.addItem("Batch preset", self.BATCH)
        for name, preset in PRESETS.items():
            if item is None or item.kind is None or preset.takes(item.kind):
                combo.addItem(preset.title, name)
        return combo

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        current = index.data(Qt.ItemDataRole.EditRole)
        pos = editor.findData(current if current is not None else self.BATCH)
        editor.setCurrentIndex(max(0, pos))

    def setModelData(self, editor: QWidget, model, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        value = editor.currentData()
        model.setData(index, None if value == self.BATCH else value, Qt.ItemDataRole.EditRole)
