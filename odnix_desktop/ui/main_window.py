"""The main window: toolbar, queue table, footer. Shows state and turns clicks into intentions.

It is given its parts (``ui.parts.WindowParts``, built by ``app.build``): it builds no
controller and runs no job; the controllers do.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QModelIndex, QPoint, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QCloseEvent, QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
)

from odnix_desktop.core.options import CompressOptions
from odnix_desktop.core.queue_journal import QueueJournal
from odnix_desktop.core.settings import Settings
from odnix_desktop.ui import text, theme
from odnix_desktop.ui.accessibility import name_controls
from odnix_desktop.ui.actions import WindowActions, build_toolbar
from odnix_desktop.ui.batch_status import TITLE, BatchStatus, confirm_cancel
from odnix_desktop.ui.drop_zone import DropZoneWidget, local_paths
from odnix_desktop.ui.eta_status import EtaStatus
from odnix_desktop.ui.menus import app_icon, build_menu_bar, fit_to_screen, show_about

__all__ = ["MainWindow", "app_icon"]
from odnix_desktop.ui.parts import WindowParts
from odnix_desktop.ui.queue_keeper import QueueKeeper
from odnix_desktop.ui.queue_model import Col, QueueItem
from odnix_desktop.ui.queue_view import QueueView
from odnix_desktop.ui.watch_folder import FolderWatchAction
from odnix_desktop.ui.window_dialogs import WindowDialogsMixin

#: Files offered by "Add files…".
MEDIA_FILTER = (
    "Photos and clips (*.jpg *.jpeg *.png *.webp *.heic *.heif *.avif *.gif *.tif *.tiff *.bmp "
    "*.mp4 *.mov *.m4v *.mkv *.webm *.avi);;All files (*)"
)


class MainWindow(WindowDialogsMixin, QMainWindow):
    shown = Signal()
    #: Finished outputs were exported (the files written).
    exported = Signal(list)
    _built = False

    def __init__(self, parts: WindowParts, *, queue_journal: QueueJournal | None = None) -> None:
        """With ``queue_journal`` the queue is kept across a crash (ui/queue_keeper.py)."""
        super().__init__()
        self._settings = parts.settings
        self.runner = parts.runner
        self.model = parts.model
        self.queue = parts.queue
        self.account = parts.account
        self.uploads = parts.uploads
        for part in (parts.settings, parts.runner, parts.model, parts.queue, parts.account, parts.uploads):
            part.setParent(self)  # they live as long as the window
        self._closing = False
        self.init_dialogs()

        self.setWindowTitle(TITLE)
        fit_to_screen(self)
        self.table = QueueView(self.model)
        self.proxy = self.table.proxy
        self.drop_zone = DropZoneWidget(self.table)
        self.setCentralWidget(self.drop_zone)
        self.acts = WindowActions(self)
        self.menu_bar, self.account_widget = build_menu_bar(self, self.acts)
        self.setMenuBar(self.menu_bar)
        self.toolbar, self.preset_combo = build_toolbar(self, self.acts)
        self.addToolBar(self.toolbar)
        self.batch_status = BatchStatus(self)
        self.footer = QLabel()
        self.footer.setToolTip("Totals of the queue: finished items, bytes before → after, and the saving")
        self.footer.setAccessibleName("Queue totals")
        self.statusBar().addPermanentWidget(self.footer)
        # Issue 12: the batch's time left, the "Watch folder…" action, the queue journal.
        # One time-left readout: the batch bar's, from core/eta's per-kind estimator (EtaStatus
        # keeps it fed; its own label stays hidden).
        self.eta_status = EtaStatus(self.model, self.statusBar())
        self.eta_status.label.hide()
        self.batch_status.eta_source = self.eta_status.seconds_left
        self.folder_watch = FolderWatchAction(self, self.model, self.queue, lambda: self.settings.output_path)
        self.keeper: QueueKeeper | None = None
        if queue_journal is not None:
            self.keeper = QueueKeeper(self.model, self.queue, queue_journal, self, self._options_for)
        name_controls(self)
        # Actions and footer look at every row: refresh them at most every 100 ms, never per signal.
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(100)
        self._refresh_timer.timeout.connect(self._refresh_now)
        self._connect()
        self._built = True
        self._on_rows_changed()
        self._refresh_now()

    def _connect(self) -> None:
        self.drop_zone.pathsDropped.connect(self.add_paths)
        self.table.doubleClicked.connect(self._on_double_clicked)
        self.table.customContextMenuRequested.connect(self._show_context_menu)
        self.table.selectionModel().selectionChanged.connect(self._schedule_refresh)
        self.model.rowsInserted.connect(self._on_rows_changed)
        self.model.rowsInserted.connect(self.table.scroll_to_new)
        self.model.rowsRemoved.connect(self._on_rows_changed)
        self.model.totalsChanged.connect(self._schedule_refresh)
        self.model.dataChanged.connect(self._schedule_refresh)
        self.queue.busyChanged.connect(self._on_busy_changed)
        self.queue.busyChanged.connect(self.eta_status.on_busy)
        self.queue.batchFinished.connect(self._on_batch_finished)
        self.queue.queued.connect(self.batch_status.begin)
        self.queue.exported.connect(self._on_exported)
        self.queue.exportFailed.connect(self._on_export_failed)
        self.queue.pasteFailed.connect(self._on_paste_failed)
        self.connect_dialogs()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        palette = event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange)
        if palette and self._built:  # palette events may arrive while __init__ is still building
            self.acts.retint()
        super().changeEvent(event)

    # -- settings ------------------------------------------------------------------
    @property
    def settings(self) -> Settings:
        return self._settings.current()

    def _options_for(self, item: QueueItem) -> CompressOptions:
        """The options ``item`` runs with (the queue journal keeps them beside it)."""
        return self.settings.compress_options(self.model.effective_preset(item))

    def apply_settings(self, new: Settings) -> None:
        self._settings.apply(new)

    @Slot(int)
    def batch_preset_chosen(self, _index: int) -> None:
        self.apply_settings(self.settings.with_changes(batch_preset=self.preset_combo.currentData()))

    def choose_color_scheme(self, scheme: str) -> None:
        """View ▸ Colour scheme: saved, and applied at once."""
        self.apply_settings(self.settings.with_changes(color_scheme=scheme))
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply(app, scheme)

    # -- adding --------------------------------------------------------------------
    @Slot(list)
    def add_paths(self, paths: list) -> None:
        self.queue.add_paths([Path(p) for p in paths])

    @Slot()
    def add_files_dialog(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Add photos and clips", "", MEDIA_FILTER)
        self.add_paths(files)

    @Slot()
    def add_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder")
        if folder:
            self.add_paths([folder])

    @Slot()
    def paste_from_clipboard(self) -> list[Path]:
        """File paths (URLs or text) are queued at once; a picture is saved to a PNG off the GUI
        thread, then queued. Returns the paths queued now."""
        clipboard = QGuiApplication.clipboard()
        mime = clipboard.mimeData()
        paths = local_paths(mime) if mime is not None else []
        if paths:
            self.add_paths(paths)
        elif mime is not None and mime.hasImage() and not clipboard.image().isNull():
            self.queue.add_pasted_image(clipboard.image())
        else:
            self.statusBar().showMessage("The clipboard holds no picture and no file paths", 4000)
        return paths

    @Slot(str)
    def _on_paste_failed(self, message: str) -> None:
        self.statusBar().showMessage(f"Paste: {message}", 6000)

    # -- queue actions ---------------------------------------------------------------
    def selected_items(self) -> list[QueueItem]:
        return self.table.selected_items()

    def current_item(self) -> QueueItem | None:
        return self.table.current_item()

    def select_item(self, item: QueueItem) -> None:
        self.table.select_item(item)

    @Slot()
    def start(self) -> int:
        return self.queue.start()

    @Slot()
    def cancel_all(self) -> None:
        self.queue.cancel_all()

    @Slot()
    def request_cancel_all(self) -> bool:
        """Esc and the Cancel button: ask once, then cancel the whole batch. True if cancelled."""
        running = sum(1 for i in self.model.items() if i.active)
        if not running or not self.ask_to_cancel(running):
            return False
        self.queue.cancel_all()
        return True

    def ask_to_cancel(self, running: int) -> bool:
        return confirm_cancel(self, running)

    def set_target_size(self, max_bytes: int | None) -> int:
        return self.queue.set_target_size([i.id for i in self.selected_items()], max_bytes)

    @Slot()
    def recompress_selected(self) -> int:
        n = self.queue.recompress([i.id for i in self.selected_items()])
        if not n:
            self.statusBar().showMessage("Select finished, failed or cancelled items to recompress", 4000)
        return n

    @Slot()
    def cancel_selected(self) -> None:
        self.queue.cancel([i.id for i in self.selected_items()])

    @Slot()
    def remove_selected(self) -> None:
        self.queue.remove([i.id for i in self.selected_items()])

    @Slot()
    def retry_failed(self) -> int:
        selected = [i.id for i in self.selected_items() if i.retryable]
        return self.queue.retry(selected or None)

    @Slot()
    def clear_finished(self) -> None:
        self.queue.clear_finished()

    # -- folders and export ------------------------------------------------------
    @Slot(QModelIndex)
    def _on_double_clicked(self, index: QModelIndex) -> None:
        if index.column() == Col.PRESET:
            self.table.edit(index)  # the preset chooser (also F2)
        else:
            self.compare_current()

    def open_url(self, url: QUrl) -> bool:
        """Open a folder or file with the desktop (tests replace this)."""
        return QDesktopServices.openUrl(url)

    @Slot()
    def open_output_folder(self) -> None:
        folder = self.settings.output_path
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            QMessageBox.warning(self, "Output folder", f"Cannot create the output folder {folder}: {exc.strerror}")
            return
        if self.open_url(QUrl.fromLocalFile(str(folder))) is False:  # (tests' stand-ins answer None)
            QMessageBox.information(
                self, "Output folder", f"No file manager could open it. The compressed files are in:\n{folder}"
            )

    @Slot()
    def show_in_folder(self) -> None:
        item = self.current_item()
        if item is not None and item.output is not None:
            self.open_url(QUrl.fromLocalFile(str(item.output.parent)))

    @Slot()
    def copy_output_path(self) -> None:
        outputs = [str(i.output) for i in self.selected_items() if i.output is not None]
        if outputs:
            QGuiApplication.clipboard().setText("\n".join(outputs))
            self.statusBar().showMessage(f"Copied {len(outputs)} output path(s)", 3000)

    @Slot()
    def export_selected_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export selected to")
        if folder:
            self.export_selected(Path(folder))

    def export_selected(self, folder: Path) -> bool:
        """Copy the selected finished outputs to ``folder`` (the queue controller's job)."""
        files = [i.output for i in self.selected_items() if i.finished and i.output is not None]
        if not files:
            self.statusBar().showMessage("Select finished items to export", 4000)
            return False
        self.queue.export(files, folder)
        return True

    @Slot(list)
    def _on_exported(self, written: list) -> None:
        self.statusBar().showMessage(f"Exported {len(written)} file(s)", 5000)
        self.exported.emit(written)

    @Slot(str)
    def _on_export_failed(self, message: str) -> None:
        QMessageBox.warning(self, "Export failed", message)

    # -- state ---------------------------------------------------------------------
    @Slot()
    def _on_rows_changed(self, *args: object) -> None:
        self.drop_zone.set_empty(self.model.rowCount() == 0)
        self._schedule_refresh()

    @Slot()
    def _schedule_refresh(self, *args: object) -> None:
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()

    @Slot()
    def _refresh_now(self) -> None:
        t = self.model.totals()
        parts = [f"{t.items} item{'s' if t.items != 1 else ''}"]
        if t.finished:
            parts.append(f"{t.finished} done")
            parts.append(f"{text.human_bytes(t.before_bytes)} → {text.human_bytes(t.after_bytes)}")
            parts.append(f"saved {text.percent(t.saved_fraction)}")
        self.footer.setText("   ·   ".join(parts))
        items = self.model.items()
        self.acts.update(items, self.selected_items(), self.current_item())
        self.batch_status.refresh(items, self.queue.is_busy())

    @Slot(bool)
    def _on_busy_changed(self, busy: bool) -> None:
        self._schedule_refresh()

    @Slot()
    def _on_batch_finished(self) -> None:
        self._refresh_now()
        if self._closing:
            return
        self.batch_status.finish(self.model.items())
        if self.settings.after_batch == "open-folder":
            self.open_output_folder()

    @Slot(QPoint)
    def _show_context_menu(self, pos: QPoint) -> None:
        self.acts.context_menu(self).popup(self.table.viewport().mapToGlobal(pos))

    @Slot()
    def show_about(self) -> None:
        show_about(self)

    # -- closing -------------------------------------------------------------------
    def ask_to_close(self) -> bool:
        answer = QMessageBox.question(
            self,
            "Cancel running jobs?",
            "Some items are still being compressed or uploaded. Cancel them and close?\n"
            "Finished outputs are kept; nothing half-written is left behind.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if self.keeper is not None:  # asks once: keep the unfinished queue, drop it, or stay
            if not self.keeper.confirm_quit():
                event.ignore()
                return
        elif (self.queue.is_busy() or self.uploads.is_busy()) and not self.ask_to_close():
            event.ignore()
            return
        self._closing = True
        self.folder_watch.stop()
        self.close_dialogs()
        self.queue.shutdown()  # cancels, then waits: the core removes its temp files
        event.accept()
