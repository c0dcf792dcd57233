"""The queue: one row per file, as a ``QAbstractTableModel`` (the rows' data: ``queue_items``)."""

from __future__ import annotations

import enum
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor

from odnix_desktop.core.media import MediaKind
from odnix_desktop.core.options import Status
from odnix_desktop.core.presets import PRESETS
from odnix_desktop.jobs.base import JobState
from odnix_desktop.ui import text
from odnix_desktop.ui.queue_items import (
    _STATE_ORDER,
    UPLOAD_WORDS,
    ItemState,
    QueueItem,
    Totals,
    state_words,
)

SortRole = Qt.ItemDataRole.UserRole + 1
ProgressRole = Qt.ItemDataRole.UserRole + 2
ItemRole = Qt.ItemDataRole.UserRole + 3


class Col(enum.IntEnum):
    THUMB = 0
    NAME = enum.auto()
    KIND = enum.auto()
    BEFORE_BYTES = enum.auto()
    BEFORE_DIMS = enum.auto()
    FORMAT = enum.auto()
    DURATION = enum.auto()
    FPS = enum.auto()
    AFTER_BYTES = enum.auto()
    AFTER_DIMS = enum.auto()
    SAVED = enum.auto()
    PRESET = enum.auto()
    STATUS = enum.auto()
    UPLOAD = enum.auto()
    ERROR = enum.auto()


HEADERS = {
    Col.THUMB: ("", "Thumbnail"),
    Col.NAME: ("Name", "File name (hover for the full path)"),
    Col.KIND: ("Kind", "Photo or video"),
    Col.BEFORE_BYTES: ("Before", "Size of the original file"),
    Col.BEFORE_DIMS: ("Before W×H", "Dimensions of the original, upright"),
    Col.FORMAT: ("Format", "Format of the original"),
    Col.DURATION: ("Duration", "Length of the clip"),
    Col.FPS: ("FPS", "Frames per second of the clip"),
    Col.AFTER_BYTES: ("After", "Size of the compressed file"),
    Col.AFTER_DIMS: ("After W×H", "Dimensions of the compressed file"),
    Col.SAVED: ("Saved", "How much smaller the output is"),
    Col.PRESET: ("Preset", "Preset for this item (double-click to change)"),
    Col.STATUS: ("Status", "Where the item is: reading, queued, compressing, done, failed…"),
    Col.UPLOAD: ("Upload", "Where the upload to Odnix is, and the link to what it created"),
    Col.ERROR: ("Message", "Why an item failed or was skipped (hover for the full text)"),
}


class QueueModel(QAbstractTableModel):
    totalsChanged = Signal()
    #: The user chose a preset in an item's Preset cell (item id, preset name or "" for the batch's).
    presetChosen = Signal(int, str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._items: list[QueueItem] = []
        self._rows: dict[int, int] = {}
        self._keys: set[Path] = set()
        self.batch_preset: str | None = None

    # -- access ------------------------------------------------------------
    def items(self) -> list[QueueItem]:
        return list(self._items)

    def item(self, row: int) -> QueueItem:
        return self._items[row]

    def by_id(self, item_id: int) -> QueueItem | None:
        row = self._rows.get(item_id)
        return None if row is None else self._items[row]

    def row_of(self, item_id: int) -> int | None:
        return self._rows.get(item_id)

    def contains(self, path: Path) -> bool:
        return _key(path) in self._keys

    def effective_preset(self, item: QueueItem) -> str | None:
        """The item's own preset, else the batch's if it takes this kind; None: the default for the kind."""
        if item.preset is not None:
            return item.preset
        p = self.batch_preset
        if p is not None and (item.kind is None or PRESETS[p].takes(item.kind)):
            return p
        return None

    def totals(self) -> Totals:
        done = [i for i in self._items if i.finished and i.before and i.after]
        return Totals(
            len(self._items),
            len(done),
            sum(i.before.bytes for i in done if i.before),
            sum(i.after.bytes for i in done if i.after),
        )

    # -- changes -------------------------------------------------------------
    def add(self, items: list[QueueItem]) -> list[QueueItem]:
        """Append items whose file is not queued yet; returns those added."""
        fresh = []
        for item in items:
            key = _key(item.source)
            if key in self._keys:
                continue
            self._keys.add(key)
            fresh.append(item)
        if not fresh:
            return []
        first = len(self._items)
        self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
        for item in fresh:
            self._rows[item.id] = len(self._items)
            self._items.append(item)
        self.endInsertRows()
        self.totalsChanged.emit()
        return fresh

    def update(self, item_id: int, **changes: object) -> QueueItem | None:
        row = self._rows.get(item_id)
        if row is None:
            return None
        item = self._items[row]
        for name, value in changes.items():
            setattr(item, name, value)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(Col) - 1))
        if "state" in changes or "after" in changes:
            self.totalsChanged.emit()
        return item

    def remove(self, item_ids: list[int]) -> None:
        rows = sorted((self._rows[i] for i in item_ids if i in self._rows), reverse=True)
        for row in rows:
            self.beginRemoveRows(QModelIndex(), row, row)
            item = self._items.pop(row)
            self._keys.discard(_key(item.source))
            self.endRemoveRows()
        self._rows = {item.id: row for row, item in enumerate(self._items)}
        if rows:
            self.totalsChanged.emit()

    def refresh_presets(self) -> None:
        if self._items:
            self.dataChanged.emit(self.index(0, Col.PRESET), self.index(len(self._items) - 1, Col.PRESET))

    # -- Qt model ------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(Col)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal:
            return None
        title, tip = HEADERS[Col(section)]
        if role == Qt.ItemDataRole.DisplayRole:
            return title
        if role == Qt.ItemDataRole.ToolTipRole:
            return tip
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and index.column() == Col.PRESET:
            item = self._items[index.row()]
            if not item.active and item.state is not ItemState.UNSUPPORTED:
                base |= Qt.ItemFlag.ItemIsEditable
        return base

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or index.column() != Col.PRESET:
            return False
        if value is not None and value not in PRESETS:
            return False
        item = self._items[index.row()]
        item.preset = value
        self.dataChanged.emit(index, index)
        self.presetChosen.emit(item.id, value or "")
        return True

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        item = self._items[index.row()]
        col = Col(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(item, col)
        if role == SortRole:
            return self._sort_value(item, col)
        if role == ItemRole:
            return item
        if role == Qt.ItemDataRole.DecorationRole and col == Col.THUMB:
            return item.thumbnail
        if role == ProgressRole and col == Col.STATUS:
            return item.progress.fraction if item.state is ItemState.RUNNING and item.progress else None
        if role == ProgressRole and col == Col.UPLOAD:
            u = item.upload
            return u.progress.fraction if u and u.phase is JobState.RUNNING and u.progress else None
        if role == Qt.ItemDataRole.ForegroundRole and col == Col.UPLOAD and item.upload is not None:
            return _UPLOAD_COLOURS.get(item.upload.phase)
        if role == Qt.ItemDataRole.ForegroundRole and item.state in _ERROR_STATES:
            return ERROR_COLOUR  # the whole row, so a failure shows at a glance
        if role == Qt.ItemDataRole.ForegroundRole and item.stale and col == Col.STATUS:
            return STALE_COLOUR
        if role == Qt.ItemDataRole.ToolTipRole:
            return text.plain_tooltip(self._tooltip(item, col))  # errors come from servers and names
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (
            Col.BEFORE_BYTES,
            Col.AFTER_BYTES,
            Col.SAVED,
            Col.DURATION,
            Col.FPS,
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.EditRole and col == Col.PRESET:
            return item.preset
        return None

    def _display(self, item: QueueItem, col: Col) -> str | None:
        b, a = item.before, item.after
        match col:
            case Col.NAME:
                return item.source.name
            case Col.KIND:
                return {MediaKind.IMAGE: "Photo", MediaKind.VIDEO: "Video"}.get(item.kind, "")  # type: ignore[arg-type]
            case Col.BEFORE_BYTES:
                return text.human_bytes(b.bytes) if b else ""
            case Col.BEFORE_DIMS:
                return text.dims(b.width, b.height) if b else ""
            case Col.FORMAT:
                return b.format if b else ""
            case Col.DURATION:
                return text.duration(b.duration) if b and b.duration is not None else ""
            case Col.FPS:
                return f"{b.fps:.3g}" if b and b.fps else ""
            case Col.AFTER_BYTES:
                return text.human_bytes(a.bytes) if a else ""
            case Col.AFTER_DIMS:
                return text.dims(a.width, a.height) if a else ""
            case Col.SAVED:
                return text.percent(item.saved_fraction)
            case Col.PRESET:
                return self._preset_text(item)
            case Col.STATUS:
                return self.status_text(item)
            case Col.UPLOAD:
                return item.upload.text() if item.upload else ""
            case Col.ERROR:
                if item.error:
                    return text.for_person(item.error)
                return "; ".join(item.warnings).splitlines()[0] if item.warnings else ""
        return None

    def _preset_text(self, item: QueueItem) -> str:
        if item.finished and item.used_preset and not item.stale:
            return PRESETS[item.used_preset].title
        p = self.effective_preset(item)
        if p is not None:
            return PRESETS[p].title
        if item.kind is None:
            return "Auto"
        return PRESETS["post" if item.kind is MediaKind.IMAGE else "reel"].title

    @staticmethod
    def status_text(item: QueueItem) -> str:
        if item.state is ItemState.RUNNING and item.progress is not None:
            p = item.progress
            parts = [f"{p.fraction * 100:.0f}%"]
            if p.fps:
                parts.append(f"{p.fps:.0f} fps")
            if p.eta_seconds is not None and item.kind is MediaKind.VIDEO:
                parts.append(f"ETA {text.duration(p.eta_seconds)}")
            elif p.stage:
                parts.append(p.stage)
            return " · ".join(parts)
        if item.stale and item.finished:
            return "Needs recompressing"
        return state_words(item.state)

    def _sort_value(self, item: QueueItem, col: Col):
        b, a = item.before, item.after
        match col:
            case Col.THUMB | Col.NAME:
                return item.source.name.lower()
            case Col.BEFORE_BYTES:
                return b.bytes if b else -1
            case Col.BEFORE_DIMS:
                return b.width * b.height if b else -1
            case Col.DURATION:
                return b.duration if b and b.duration else -1.0
            case Col.FPS:
                return b.fps if b and b.fps else -1.0
            case Col.AFTER_BYTES:
                return a.bytes if a else -1
            case Col.AFTER_DIMS:
                return a.width * a.height if a else -1
            case Col.SAVED:
                s = item.saved_fraction
                return -2.0 if s is None else s
            case Col.STATUS:
                return _STATE_ORDER.index(item.state)
        return self._display(item, col) or ""

    def _tooltip(self, item: QueueItem, col: Col) -> str | None:
        if col == Col.ERROR or (col == Col.STATUS and item.error):
            lines = [item.error] if item.error else []
            lines += list(item.warnings)
            return "\n".join(lines) or None
        if col in (Col.NAME, Col.THUMB):
            tip = str(item.source)
            if item.output:
                tip += f"\n→ {item.output}"
            return tip
        if col == Col.PRESET:
            p = self.effective_preset(item)
            name = p or ("post" if item.kind is MediaKind.IMAGE else "reel")
            return f"{PRESETS[name].title}: {PRESETS[name].description}\nDouble-click (or F2) to choose another preset."
        if col == Col.STATUS:
            return self.status_text(item)
        if col == Col.UPLOAD and item.upload is not None:
            u = item.upload
            lines = [f"{u.target_title}: {UPLOAD_WORDS[u.phase]}"]
            if u.url:
                lines.append(u.url)
            if u.result_id:
                lines.append(f"id {u.result_id}")
            if u.error:
                lines.append(u.error)
            if u.sent_file:
                lines.append(f"sent: {u.sent_file}")
            if u.url:
                lines.append("Right-click: copy or open the link")
            return "\n".join(lines)
        return HEADERS[col][1]


#: Failed and unsupported rows are drawn in this colour (readable on light and dark bases).
ERROR_COLOUR = QColor(222, 68, 55)
STALE_COLOUR = QColor(200, 130, 20)
_ERROR_STATES = (Status.FAILED, ItemState.UNSUPPORTED)

_UPLOAD_COLOURS = {
    JobState.FINISHED: QColor(40, 150, 70),
    JobState.FAILED: QColor(210, 60, 50),
}


def _key(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path.absolute()
