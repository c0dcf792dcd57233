"""The queue's table: columns, delegates, sorting, and which rows are selected."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSize, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from odnix_desktop.ui.delegates import PresetDelegate, ProgressDelegate
from odnix_desktop.ui.queue_model import Col, ItemRole, QueueItem, QueueModel, SortRole

#: Column widths at start (logical pixels); the last column stretches.
COLUMN_WIDTHS = {
    Col.THUMB: 60,
    Col.NAME: 220,
    Col.KIND: 50,
    Col.BEFORE_BYTES: 72,
    Col.BEFORE_DIMS: 88,
    Col.FORMAT: 56,
    Col.DURATION: 62,
    Col.FPS: 44,
    Col.AFTER_BYTES: 72,
    Col.AFTER_DIMS: 88,
    Col.SAVED: 54,
    Col.PRESET: 96,
    Col.STATUS: 176,
    Col.UPLOAD: 200,
}


class QueueView(QTableView):
    """The rows of a :class:`QueueModel`, sortable through a proxy; answers in queue items."""

    def __init__(self, model: QueueModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.queue_model = model
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(model)
        self.proxy.setSortRole(SortRole)
        self.proxy.setDynamicSortFilter(False)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.SelectedClicked | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setIconSize(QSize(48, 48))
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(54)
        self.setItemDelegateForColumn(Col.STATUS, ProgressDelegate(self))
        self.setItemDelegateForColumn(Col.UPLOAD, ProgressDelegate(self))
        self.setItemDelegateForColumn(Col.PRESET, PresetDelegate(self))
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for col, width in COLUMN_WIDTHS.items():
            self.setColumnWidth(col, width)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setToolTip("")
        self.setTabKeyNavigation(False)  # Tab leaves the table; arrows move between cells
        self.setAccessibleName("Queue")
        self.setAccessibleDescription("One row per photo or clip; Enter compares, F2 chooses the preset")

    def scroll_to_new(self, _parent: QModelIndex, _first: int, last: int) -> None:
        """New rows come into view (the last one added)."""
        index = self.proxy.mapFromSource(self.queue_model.index(last, Col.NAME))
        if index.isValid():
            self.scrollTo(index)

    def items_in_view_order(self) -> list[QueueItem]:
        """Every row's item, top to bottom as sorted on screen."""
        return [self.proxy.data(self.proxy.index(r, 0), ItemRole) for r in range(self.proxy.rowCount())]

    def selected_items(self) -> list[QueueItem]:
        rows = self.selectionModel().selectedRows() if self.selectionModel() else []
        return [self.proxy.data(r, ItemRole) for r in rows]

    def current_item(self) -> QueueItem | None:
        index = self.currentIndex()
        if index.isValid():
            item: QueueItem = self.proxy.data(index, ItemRole)
            return item
        items = self.selected_items()
        return items[0] if items else None

    def select_item(self, item: QueueItem) -> None:
        """Make ``item`` the current and only selected row."""
        row = self.queue_model.row_of(item.id)
        if row is None:
            return
        index = self.proxy.mapFromSource(self.queue_model.index(row, Col.NAME))
        self.setCurrentIndex(index)
        self.selectionModel().select(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )

    def select_items(self, items: list[QueueItem]) -> None:
        """Select exactly these rows."""
        self.clearSelection()
        for item in items:
            row = self.queue_model.row_of(item.id)
            if row is not None:
                self.selectionModel().select(
                    self.proxy.mapFromSource(self.queue_model.index(row, Col.NAME)),
                    QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
                )
