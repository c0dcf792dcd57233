"""The window's "Watch folder…" action: each file that settles in the folder becomes a row and
is compressed into the output folder (core/watch.py decides when a file is complete).

The watcher calls back from its own thread; the path crosses to the GUI thread through the
``fileReady`` signal (a queued connection), where the row is added and started.
"""

from __future__ import annotations

import logging
from pathlib import Path, PurePath

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMainWindow, QStyle, QToolBar

from odnix_desktop.core.errors import OdnixError
from odnix_desktop.core.media import sniff_kind
from odnix_desktop.core.watch import DEFAULT_SETTLE_S, FolderWatcher
from odnix_desktop.ui.controller import QueueController
from odnix_desktop.ui.queue_items import ItemState, QueueItem
from odnix_desktop.ui.queue_model import QueueModel

log = logging.getLogger(__name__)

WATCH_TEXT = "Watch folder…"


class FolderWatchAction(QObject):
    fileReady = Signal(str)
    watchingChanged = Signal(bool)

    def __init__(
        self,
        window: QMainWindow,
        model: QueueModel,
        controller: QueueController,
        output_folder,  # () -> Path: the settings' output folder, read when watching starts
        *,
        settle: float = DEFAULT_SETTLE_S,
    ) -> None:
        super().__init__(window)
        self._window = window
        self.model = model
        self.controller = controller
        self._output_folder = output_folder
        self.settle = settle
        self.root: Path | None = None
        self.watcher: FolderWatcher | None = None
        icon = window.style().standardIcon(QStyle.StandardPixmap.SP_BrowserReload)
        self.action = QAction(icon, WATCH_TEXT, window)
        self.action.setCheckable(True)
        self.action.setToolTip("Compress each new photo or clip that appears in a folder, once it has finished copying")
        self.action.triggered.connect(self._toggle)
        self.fileReady.connect(self._on_file_ready)
        self._insert_in_toolbar()

    def _insert_in_toolbar(self) -> None:
        bar = self._window.findChild(QToolBar, "mainToolbar")
        if bar is None:
            return
        actions = bar.actions()
        add_folder = next((i for i, a in enumerate(actions) if a.text().startswith("Add folder")), None)
        if add_folder is not None and add_folder + 1 < len(actions):
            bar.insertAction(actions[add_folder + 1], self.action)
        else:
            bar.addAction(self.action)

    def choose_folder(self) -> Path | None:
        folder = QFileDialog.getExistingDirectory(self._window, "Watch folder")
        return Path(folder) if folder else None

    @Slot(bool)
    def _toggle(self, checked: bool = False) -> None:
        if self.watcher is not None:
            self.stop()
            return
        folder = self.choose_folder()
        if folder is None:
            self.action.setChecked(False)
            return
        self.start(folder)

    def start(self, folder: Path) -> None:
        self.stop()
        self.root = folder.resolve()
        self.watcher = FolderWatcher(
            self.root, lambda path: self.fileReady.emit(str(path)), out=self._output_folder(), settle=self.settle
        )
        self.watcher.start()
        self.action.setChecked(True)
        self.action.setText(f"Watching {self.root.name}")
        self.action.setToolTip(f"Watching {self.root} — click to stop")
        self.watchingChanged.emit(True)

    def stop(self) -> None:
        if self.watcher is None:
            return
        self.watcher.stop()
        self.watcher = None
        self.action.setChecked(False)
        self.action.setText(WATCH_TEXT)
        self.watchingChanged.emit(False)

    @Slot(str)
    def _on_file_ready(self, name: str) -> None:
        if self.root is None:
            return
        path = Path(name)
        existing = next((item for item in self.model.items() if item.source == path), None)
        if existing is not None:  # changed since: compressed again
            if existing.active:
                return
            self.model.update(existing.id, state=ItemState.READY, output=None, after=None, error="")
            self.controller.start([existing.id])
            return
        try:
            item = QueueItem(path, rel_dir=PurePath(path.parent.relative_to(self.root)), kind=sniff_kind(path))
        except (OdnixError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", None) or str(exc)
            self.model.add([QueueItem(path, state=ItemState.UNSUPPORTED, error=reason)])
            return
        for added in self.model.add([item]):
            self.controller._start_describe(added)  # before values and thumbnail
            self.controller.start([added.id])
