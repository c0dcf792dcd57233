"""The window's side of the queue journal (core/queue_journal.py).

:class:`QueueKeeper` mirrors every state change of the queue's rows into the journal (progress
ticks are not state changes and are not written), offers the last queue back at start
("Restore the last queue (N items, M unfinished)?") and, on a normal quit with unfinished
items, asks once whether to keep the queue for next time.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QModelIndex, QObject, Slot
from PySide6.QtWidgets import QMessageBox, QWidget

from odnix_desktop.core.media import MediaInfo
from odnix_desktop.core.options import CompressOptions, Status
from odnix_desktop.core.queue_journal import Entry, EntryState, QueueJournal
from odnix_desktop.jobs.base import JobState
from odnix_desktop.ui.controller import QueueController
from odnix_desktop.ui.queue_items import ItemState, QueueItem, RowState, UploadState
from odnix_desktop.ui.queue_model import QueueModel

log = logging.getLogger(__name__)

KEEP_QUESTION = "Quit and keep the queue for next time?"

_ENTRY_STATE: dict[RowState, EntryState] = {
    ItemState.PROBING: EntryState.WAITING,
    ItemState.READY: EntryState.WAITING,
    ItemState.QUEUED: EntryState.RUNNING,
    ItemState.RUNNING: EntryState.RUNNING,
    Status.COMPRESSED: EntryState.DONE,
    Status.KEPT_ORIGINAL: EntryState.DONE,
    Status.SKIPPED: EntryState.DONE,
    Status.FAILED: EntryState.FAILED,
    Status.CANCELLED: EntryState.CANCELLED,
}
#: What was last written for a row: state, row state, output, preset, error, repr(upload).
_Signature = tuple[EntryState, RowState, Path | None, str | None, str, str]


def _upload_json(item: QueueItem) -> dict[str, str | None] | None:
    up = item.upload
    if up is None or up.phase is not JobState.FINISHED:
        return None
    return {"target": up.target, "title": up.target_title, "url": up.url, "id": up.result_id}


def _upload_state(data: Mapping[str, object] | None) -> UploadState | None:
    if not data or not isinstance(data.get("target"), str):
        return None
    url = data.get("url")
    result_id = data.get("id")
    return UploadState(
        str(data["target"]),
        str(data.get("title") or data["target"]),
        JobState.FINISHED,
        url=url if isinstance(url, str) else None,
        result_id=result_id if isinstance(result_id, str) else None,
    )


class QueueKeeper(QObject):
    def __init__(
        self,
        model: QueueModel,
        controller: QueueController,
        journal: QueueJournal,
        parent: QWidget,
        options_for: Callable[[QueueItem], CompressOptions] | None = None,
    ) -> None:
        """``options_for(item)``: the options the item runs with (kept in the journal beside it)."""
        super().__init__(parent)
        self._options_for = options_for
        self.model = model
        self.controller = controller
        self.journal = journal
        self._window = parent
        self._keys: dict[int, str] = {}
        self._written: dict[int, _Signature] = {}
        self._ended = False
        model.rowsInserted.connect(self._on_inserted)
        model.dataChanged.connect(self._on_changed)
        model.rowsAboutToBeRemoved.connect(self._on_removing)

    # -- questions (tests replace them) ---------------------------------------------------------
    def ask(self, question: str) -> bool:
        answer = QMessageBox.question(self._window, "Odnix Desktop", question)
        return answer == QMessageBox.StandardButton.Yes

    def ask_keep(self, unfinished: int) -> bool | None:
        """Yes: keep; No: drop; Cancel (None): do not quit."""
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self._window,
            "Odnix Desktop",
            f"{KEEP_QUESTION} ({unfinished} unfinished)",
            buttons.Yes | buttons.No | buttons.Cancel,
            buttons.Yes,
        )
        return None if answer == buttons.Cancel else answer == buttons.Yes

    # -- start and quit ---------------------------------------------------------------------------
    def offer_restore(self) -> int:
        """Offer the last queue back (after a crash, or a quit that kept it); returns the rows restored."""
        offer = self._guarded(self.journal.offer)
        restore = offer is not None and self.ask(offer.question)
        entries = self._guarded(lambda: self.journal.begin(restore=restore)) or []
        self._guarded(self.journal.clear)  # the rows are written again, under their new keys
        added = self.model.add([self._item(e) for e in entries])
        for item in added:
            self.controller._start_describe(item)  # kind, before values and thumbnail
        return len(added)

    def unfinished(self) -> int:
        return sum(
            1
            for item in self.model.items()
            if (item.state in _ENTRY_STATE and _ENTRY_STATE[item.state].unfinished)
            or (item.upload is not None and item.upload.phase in (JobState.PENDING, JobState.RUNNING))
        )

    def confirm_quit(self) -> bool:
        """Ask once when items are unfinished; False: the user chose not to quit."""
        n = self.unfinished()
        keep = False
        if n:
            answer = self.ask_keep(n)
            if answer is None:
                return False
            keep = answer
        self._guarded(lambda: self.journal.end(keep=keep))
        self._ended = True  # what shutting down cancels is not written: a kept queue redoes it
        return True

    # -- mirroring --------------------------------------------------------------------------------
    @Slot(QModelIndex, int, int)
    def _on_inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        for row in range(first, last + 1):
            self._write(self.model.item(row))

    @Slot(QModelIndex, QModelIndex)
    def _on_changed(self, top_left: QModelIndex, bottom_right: QModelIndex) -> None:
        for row in range(top_left.row(), bottom_right.row() + 1):
            self._write(self.model.item(row))

    @Slot(QModelIndex, int, int)
    def _on_removing(self, parent: QModelIndex, first: int, last: int) -> None:
        for row in range(first, last + 1):
            item = self.model.item(row)
            key = self._keys.pop(item.id, None)
            self._written.pop(item.id, None)
            if key is not None and not self._ended:
                self._guarded(lambda key=key: self.journal.remove(key))

    def _write(self, item: QueueItem) -> None:
        state = _ENTRY_STATE.get(item.state)
        if self._ended or state is None:
            return
        upload = _upload_json(item)
        signature = (state, item.state, item.output, item.preset, item.error, repr(upload))
        if self._written.get(item.id) == signature:
            return
        key = self._keys.setdefault(item.id, uuid.uuid4().hex)
        options = self._options_for(item) if self._options_for is not None else CompressOptions()
        entry = Entry(key, item.source, item.rel_dir, item.preset, options, state, upload=upload, error=item.error)
        entry = replace(entry, status=str(item.state.value), after=item.after.to_json() if item.after else None)
        if state is EntryState.DONE and item.output is not None:
            output = item.output
            self._guarded(lambda: self.journal.finished(entry, output))
        else:
            self._guarded(lambda: self.journal.put(entry))
        self._written[item.id] = signature

    def _item(self, entry: Entry) -> QueueItem:
        item = QueueItem(entry.source, rel_dir=entry.rel_dir, preset=entry.preset, upload=_upload_state(entry.upload))
        if entry.state is EntryState.DONE:
            done = {s.value: s for s in (Status.COMPRESSED, Status.KEPT_ORIGINAL, Status.SKIPPED)}
            item.state = done.get(entry.status, Status.COMPRESSED)
            item.output = entry.output
            item.after = _media_info(entry.after)
        elif entry.state in (EntryState.FAILED, EntryState.CANCELLED):
            item.state = Status.FAILED if entry.state is EntryState.FAILED else Status.CANCELLED
            item.error = entry.error
        return item

    def _guarded(self, call):  # type: ignore[no-untyped-def]
        """The journal is a convenience: its trouble is logged, the window goes on."""
        try:
            return call()
        except (OSError, sqlite3.Error, ValueError) as exc:
            log.warning("queue journal %s: %s", self.journal.path, exc)
            return None


def _media_info(data: Mapping[str, object] | None) -> MediaInfo | None:
    if not data:
        return None
    try:
        return MediaInfo(**data)  # type: ignore[arg-type]  # JSON from the journal; wrong keys end below
    except TypeError:
        return None


def open_queue_journal(path: Path | None = None) -> QueueJournal | None:
    from odnix_desktop.core.queue_journal import default_path

    try:
        return QueueJournal(path or default_path())
    except (OSError, sqlite3.Error) as exc:
        log.warning("the queue will not be kept across a crash: %s", exc)
        return None
