"""The upload history: a table over the core's ``UploadHistory.rows()`` (read in a worker)."""

from __future__ import annotations

import itertools
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QColor, QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from odnix_desktop.core.upload.answers import is_web_link
from odnix_desktop.core.upload.history import HistoryRead, HistoryRow, UploadHistory, UploadStatus
from odnix_desktop.jobs.runner import JobRunner
from odnix_desktop.jobs.upload import HistoryJob
from odnix_desktop.ui import text

COLUMNS = (
    ("When", "When the upload started (local time)"),
    ("Target", "Post, reel, story, chat or profile picture"),
    ("File", "The source file (hover for the file that was sent)"),
    ("Size", "Bytes sent"),
    ("Account", "User and server"),
    ("Status", "done, refused, failed, unknown (sent, no answer), cancelled, or sending (unfinished)"),
    ("Result", "The link or id of what was created, or why it failed"),
)
_STATUS_COLOURS = {
    UploadStatus.DONE: QColor(40, 150, 70),
    UploadStatus.REFUSED: QColor(210, 60, 50),
    UploadStatus.FAILED: QColor(210, 60, 50),
    UploadStatus.UNKNOWN: QColor(200, 140, 20),
}


class HistoryModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[HistoryRow] = []

    def set_rows(self, rows: list[HistoryRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][0]
        if role == Qt.ItemDataRole.ToolTipRole:
            return COLUMNS[section][1]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(r, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            return text.plain_tooltip(self._tooltip(r, col))  # server text and names, never HTML
        if role == Qt.ItemDataRole.ForegroundRole and col == 5:
            return _STATUS_COLOURS.get(r.status)
        return None

    def _tooltip(self, r: HistoryRow, col: int) -> str | None:
        if col == 2:
            return f"{r.source_path or ''}\nsent: {r.output_path or ''}\nsha256 {r.output_sha256 or ''}"
        if col == 6:
            lines = (r.result_url, r.result_id and f"id {r.result_id}", r.error, r.caption and f"caption: {r.caption}")
            return "\n".join(x for x in lines if x) or None
        return self._display(r, col)

    @staticmethod
    def _display(r: HistoryRow, col: int) -> str:
        match col:
            case 0:
                return r.started_at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
            case 1:
                return r.target
            case 2:
                return Path(r.source_path or r.output_path or "").name
            case 3:
                return text.human_bytes(r.output_bytes)
            case 4:
                return f"{r.user} @ {r.server}"
            case 5:
                return "sending (unfinished)" if r.status is UploadStatus.SENDING else r.status.value
            case 6:
                if r.error:
                    first = r.error.splitlines()[0]
                    name = Path(r.source_path or r.output_path or "").name
                    for prefix in (f"{name}: ", f"{Path(r.output_path or '').name}: "):
                        if first.startswith(prefix):  # the File column names it already
                            first = first[len(prefix) :]
                    return first
                return r.result_url or r.result_id or ""
        return ""


class HistoryDialog(QDialog):
    """Newest first. Copy or open the link of a row; Refresh reads the file again."""

    loaded = Signal()
    _serial = itertools.count(1)

    def __init__(self, history: UploadHistory | None, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history = history
        self.runner = runner
        self._job: HistoryJob | None = None
        self._want = 0
        self.setWindowTitle("Upload history")
        self.resize(1000, 460)
        self.model = HistoryModel(self)
        table = QTableView()
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.verticalHeader().setVisible(False)
        table.horizontalHeader().setStretchLastSection(True)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for col, w in enumerate((140, 60, 240, 70, 200, 80)):
            table.setColumnWidth(col, w)
        table.doubleClicked.connect(self._on_double_clicked)
        table.setToolTip("Double-click a row to open its link")
        self.table = table
        self.status = QLabel("Loading…")
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # paths and the history's notices
        self.status.setWordWrap(True)
        self.status.setToolTip("How many uploads are listed, and where the history file is")

        self.copy_button = QPushButton("Copy link")
        self.copy_button.setToolTip("Copy the selected upload's link")
        self.copy_button.clicked.connect(self.copy_link)
        self.open_button = QPushButton("Open link")
        self.open_button.setToolTip("Open the selected upload's link in the browser")
        self.open_button.clicked.connect(self.open_link)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Read the history again")
        self.refresh_button.clicked.connect(self.reload)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setToolTip("Close the history")
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        for b in (self.copy_button, self.open_button, self.refresh_button):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(table, 1)
        layout.addWidget(self.status)
        layout.addLayout(row)
        self.reload()

    @Slot()
    def reload(self) -> None:
        if self._job is not None:
            self.runner.cancel(self._job)
        self._want = next(self._serial)
        job = HistoryJob(self._want, self.history)
        job.signals.finished.connect(self._on_loaded)
        job.signals.failed.connect(self._on_failed)
        self._job = job
        self.runner.start(job, priority=20)

    def is_loading(self) -> bool:
        return self._job is not None

    @Slot(int, object)
    def _on_loaded(self, key: int, read: HistoryRead) -> None:
        """``read`` is the core's ``HistoryRead``: the rows, and notices (a damaged file set aside)."""
        if key != self._want:
            return
        self._job = None
        rows = list(read.rows)
        self.model.set_rows(rows)
        where = getattr(self.history, "path", None)
        lines = [f"{len(rows)} upload{'s' if len(rows) != 1 else ''}, newest first" + (f" · {where}" if where else "")]
        lines += list(read.notices)
        self.status.setText("\n".join(lines))
        self.status.setStyleSheet("color: #c8780a" if read.notices else "")
        self.loaded.emit()

    @Slot(int, str)
    def _on_failed(self, key: int, message: str) -> None:
        if key != self._want:
            return
        self._job = None
        self.status.setText(f"The history cannot be read: {message}")
        self.loaded.emit()

    def selected_link(self) -> str | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        link = self.model.rows[index.row()].result_url
        return link if link and is_web_link(link) else None  # never a file: or javascript: link

    @Slot()
    def copy_link(self) -> None:
        link = self.selected_link()
        if link:
            QGuiApplication.clipboard().setText(link)

    def open_url(self, url: QUrl) -> bool:
        """Open with the desktop (tests replace this)."""
        return QDesktopServices.openUrl(url)

    @Slot()
    def open_link(self) -> None:
        link = self.selected_link()
        if link:
            self.open_url(QUrl(link))

    @Slot(QModelIndex)
    def _on_double_clicked(self, _index: QModelIndex) -> None:
        self.open_link()

    def done(self, result: int) -> None:
        if self._job is not None:
            self.runner.cancel(self._job)
            self._job = None
        super().done(result)
