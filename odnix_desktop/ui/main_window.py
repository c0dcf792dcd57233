"""The main window: toolbar, queue table, footer. Shows state and turns clicks into intentions."""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QSize,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    QUrl,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QGuiApplication, QIcon, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSizePolicy,
    QStyle,
    QTableView,
    QToolBar,
    QWidget,
)

from odnix_desktop.core import settings as settings_store
from odnix_desktop.core.options import CompressOptions
from odnix_desktop.core.presets import PRESETS
from odnix_desktop.core.settings import Settings
from odnix_desktop.core.userdirs import cache_dir
from odnix_desktop.jobs.runner import JobRunner
from odnix_desktop.jobs.tasks import ExportJob
from odnix_desktop.ui import text, theme
from odnix_desktop.ui.account import AccountController, AccountWidget, LoginDialog
from odnix_desktop.ui.compare import CompareDialog
from odnix_desktop.ui.controller import QueueController
from odnix_desktop.ui.delegates import PresetDelegate, ProgressDelegate
from odnix_desktop.ui.drop_zone import DropZoneWidget, local_paths
from odnix_desktop.ui.eta_status import EtaStatus
from odnix_desktop.ui.queue_keeper import QueueKeeper
from odnix_desktop.ui.queue_model import Col, ItemRole, ItemState, QueueItem, QueueModel, SortRole
from odnix_desktop.ui.settings_dialog import SettingsDialog
from odnix_desktop.ui.uploads import UploadController, link_of
from odnix_desktop.ui.watch_folder import FolderWatchAction

log = logging.getLogger(__name__)


_MONOCHROME_ICONS = {
    QStyle.StandardPixmap.SP_ArrowUp,
    QStyle.StandardPixmap.SP_MediaPlay,
    QStyle.StandardPixmap.SP_MediaStop,
}


class MainWindow(QMainWindow):
    shown = Signal()
    exported = Signal(list)

    def __init__(
        self,
        settings: Settings | None = None,
        runner: JobRunner | None = None,
        *,
        token_store=None,
        http_settings=None,
        history=None,
        queue_journal=None,
    ) -> None:
        """``token_store`` (core ``TokenStore``), ``http_settings`` and ``history`` (core
        ``UploadHistory``) default to the real ones; tests pass doubles. With ``queue_journal``
        (core ``QueueJournal``) the queue is kept across a crash (ui/queue_keeper.py)."""
        super().__init__()
        self.settings = settings if settings is not None else settings_store.load()
        self.runner = runner or JobRunner(self.settings.workers, self)
        self.model = QueueModel(self)
        self.model.batch_preset = self.settings.batch_preset
        self.controller = QueueController(self.model, self.runner, self.current_settings)
        self.account = AccountController(self.runner, token_store, http_settings, self)
        self.uploads = UploadController(self.model, self.runner, self.account, self.current_settings, history, self)
        self.keeper = None
        if queue_journal is not None:
            self.keeper = QueueKeeper(self.model, self.controller, queue_journal, self, self._options_for)
        self.login_dialog: LoginDialog | None = None
        self.upload_dialog = None
        self.history_dialog = None
        self.crop_dialog = None
        self._upload_after_login = False
        self.compare_dialog: CompareDialog | None = None
        self._paste_dir: Path | None = None
        self._closing = False
        self._export_jobs: dict[int, ExportJob] = {}

        self.setWindowTitle("Odnix Desktop")
        self.resize(1280, 760)
        self._build_table()
        self.drop_zone = DropZoneWidget(self.table)
        self.drop_zone.pathsDropped.connect(self.add_paths)
        self.setCentralWidget(self.drop_zone)
        self._build_actions()
        self._build_toolbar()
        self._build_footer()
        self.folder_watch = FolderWatchAction(
            self, self.model, self.controller, lambda: self.current_settings().output_path
        )
        self.eta_status = EtaStatus(self.model, self.statusBar())
        self.controller.busyChanged.connect(self.eta_status.on_busy)

        # Actions and footer look at every row: refresh them at most every 100 ms, never per signal.
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(100)
        self._refresh_timer.timeout.connect(self._refresh_now)
        self.model.rowsInserted.connect(self._on_rows_changed)
        self.model.rowsRemoved.connect(self._on_rows_changed)
        self.model.totalsChanged.connect(self._schedule_refresh)
        self.model.presetChosen.connect(self._on_preset_chosen)
        self.model.dataChanged.connect(self._schedule_refresh)
        self.controller.busyChanged.connect(self._on_busy_changed)
        self.controller.batchFinished.connect(self._on_batch_finished)
        self.uploads.loginExpired.connect(self._on_login_expired)
        self.uploads.uploadsFinished.connect(self._on_uploads_finished)
        self._on_rows_changed()
        self._refresh_now()

    # -- building ------------------------------------------------------------------
    def _build_table(self) -> None:
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SortRole)
        self.proxy.setDynamicSortFilter(False)
        table = QTableView()
        table.setModel(self.proxy)
        table.setSortingEnabled(True)
        table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setEditTriggers(
            QAbstractItemView.EditTrigger.SelectedClicked | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.setIconSize(QSize(48, 48))
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setDefaultSectionSize(54)
        table.setItemDelegateForColumn(Col.STATUS, ProgressDelegate(table))
        table.setItemDelegateForColumn(Col.UPLOAD, ProgressDelegate(table))
        table.setItemDelegateForColumn(Col.PRESET, PresetDelegate(table))
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        widths = {
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
            Col.STATUS: 120,
            Col.UPLOAD: 230,
        }
        for col, w in widths.items():
            table.setColumnWidth(col, w)
        table.doubleClicked.connect(self._on_double_clicked)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._show_context_menu)
        table.setToolTip("")
        table.selectionModel().selectionChanged.connect(self._schedule_refresh)
        self.table = table

    def _action(self, text_: str, tip: str, slot, shortcut=None, icon: QStyle.StandardPixmap | None = None) -> QAction:
        action = QAction(text_, self)
        action.setToolTip(tip)
        action.setStatusTip(tip)
        if shortcut is not None:
            shortcuts = shortcut if isinstance(shortcut, list) else [shortcut]
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
            action.setToolTip(f"{tip} ({QKeySequence(shortcuts[0]).toString(QKeySequence.SequenceFormat.NativeText)})")
        if icon is not None:
            action.setIcon(self.style().standardIcon(icon))
            if icon in _MONOCHROME_ICONS:
                self._tinted_actions.append((action, icon))
                self._retint(action, icon)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _retint(self, action: QAction, icon: QStyle.StandardPixmap) -> None:
        """Black glyphs (arrow, play, stop) redrawn in the text colour, so they show in dark mode."""
        colour = self.palette().color(QPalette.ColorRole.WindowText)
        action.setIcon(theme.tinted(self.style().standardIcon(icon), colour))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            for action, icon in getattr(self, "_tinted_actions", ()):
                self._retint(action, icon)
        super().changeEvent(event)

    def _build_actions(self) -> None:
        self._tinted_actions: list[tuple[QAction, QStyle.StandardPixmap]] = []
        SP = QStyle.StandardPixmap
        self.act_add_files = self._action(
            "Add files…",
            "Add photos and clips to the queue",
            self.add_files_dialog,
            QKeySequence.StandardKey.Open,
            SP.SP_FileIcon,
        )
        self.act_add_folder = self._action(
            "Add folder…",
            "Add every photo and clip in a folder, recursively",
            self.add_folder_dialog,
            "Ctrl+Shift+O",
            SP.SP_DirIcon,
        )
        self.act_start = self._action(
            "Start", "Compress every waiting item", self.start, ["Ctrl+Return", "Ctrl+Enter"], SP.SP_MediaPlay
        )
        self.act_cancel_all = self._action(
            "Cancel", "Cancel every queued and running item", self.cancel_all, "Esc", SP.SP_MediaStop
        )
        self.act_open_output = self._action(
            "Open output folder",
            "Open the folder the compressed files go to",
            self.open_output_folder,
            None,
            SP.SP_DirOpenIcon,
        )
        self.act_settings = self._action(
            "Settings",
            "Output folder, quality, workers and more",
            self.edit_settings,
            QKeySequence.StandardKey.Preferences,
            SP.SP_FileDialogDetailedView,
        )
        self.act_compare = self._action(
            "Compare", "Compare the selected item before and after", self.compare_current, "Space"
        )
        self.act_remove = self._action(
            "Remove",
            "Remove the selected items from the queue (cancels them)",
            self.remove_selected,
            QKeySequence.StandardKey.Delete,
        )
        self.act_cancel = self._action("Cancel selected", "Cancel the selected items", self.cancel_selected)
        self.act_retry = self._action(
            "Retry failed", "Run failed and cancelled items again", self.retry_failed, "Ctrl+R"
        )
        self.act_clear = self._action("Clear finished", "Remove finished items from the list", self.clear_finished)
        self.act_show = self._action(
            "Show in folder", "Open the folder that holds this item's output", self.show_in_folder
        )
        self.act_copy_path = self._action(
            "Copy output path", "Copy the output file's path to the clipboard", self.copy_output_path, "Ctrl+Shift+C"
        )
        self.act_export = self._action(
            "Export selected to…",
            "Copy the selected finished outputs to a folder",
            self.export_selected_dialog,
            "Ctrl+E",
        )
        self.act_paste = self._action(
            "Paste",
            "Add an image or file paths from the clipboard",
            self.paste_from_clipboard,
            QKeySequence.StandardKey.Paste,
        )
        self.act_upload = self._action(
            "Upload…",
            "Send the selected finished items to Odnix (post, reel, story, chat or profile picture)",
            self.upload_selected,
            "Ctrl+U",
            SP.SP_ArrowUp,
        )
        self.act_copy_link = self._action(
            "Copy link", "Copy the link of what the upload created", self.copy_upload_link
        )
        self.act_open_link = self._action(
            "Open link", "Open the link of what the upload created in the browser", self.open_upload_link
        )
        self.act_cancel_upload = self._action(
            "Cancel upload", "Stop the selected items' uploads", self.cancel_selected_uploads
        )
        self.act_crop = self._action(
            "Crop for profile picture…",
            "Place the square of the profile picture (the item then uses the profile preset)",
            self.crop_current,
        )

    def _build_toolbar(self) -> None:
        bar = QToolBar("Main")
        bar.setObjectName("mainToolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for a in (self.act_add_files, self.act_add_folder):
            bar.addAction(a)
        bar.addSeparator()
        label = QLabel(" Preset ")
        label.setToolTip("Preset for the whole batch; each item can override it (double-click its Preset cell)")
        bar.addWidget(label)
        self.preset_combo = QComboBox()
        self.preset_combo.addItem("Auto (post for photos, reel for clips)", None)
        for name, preset in PRESETS.items():
            self.preset_combo.addItem(preset.title, name)
            self.preset_combo.setItemData(
                self.preset_combo.count() - 1, preset.description, Qt.ItemDataRole.ToolTipRole
            )
        self.preset_combo.setCurrentIndex(max(0, self.preset_combo.findData(self.settings.batch_preset)))
        self.preset_combo.setToolTip("Preset for the whole batch; items of another kind use their default")
        self.preset_combo.currentIndexChanged.connect(self._on_batch_preset_changed)
        bar.addWidget(self.preset_combo)
        bar.addSeparator()
        for a in (self.act_start, self.act_cancel_all):
            bar.addAction(a)
        bar.addSeparator()
        bar.addAction(self.act_open_output)
        bar.addAction(self.act_upload)
        bar.addAction(self.act_settings)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        self.account_widget = AccountWidget(self.account)
        self.account_widget.loginRequested.connect(self.show_login)
        self.account_widget.logoutRequested.connect(self.logout)
        self.account_widget.historyRequested.connect(self.show_history)
        bar.addWidget(self.account_widget)
        self.addToolBar(bar)
        self.toolbar = bar
        for action in bar.actions():
            w = bar.widgetForAction(action)
            if w is not None and action.toolTip():
                w.setToolTip(action.toolTip())

    def _build_footer(self) -> None:
        self.footer = QLabel()
        self.footer.setToolTip("Totals of the queue: finished items, bytes before → after, and the saving")
        self.statusBar().addPermanentWidget(self.footer)

    # -- settings ------------------------------------------------------------------
    def current_settings(self) -> Settings:
        return self.settings

    def _options_for(self, item: QueueItem) -> CompressOptions:
        """The options ``item`` runs with (the queue journal keeps them beside it)."""
        return self.settings.compress_options(self.model.effective_preset(item))

    def apply_settings(self, new: Settings) -> None:
        self.settings = new
        settings_store.save(new)
        self.runner.set_image_workers(new.workers)
        self.model.batch_preset = new.batch_preset
        self.model.refresh_presets()

    @Slot()
    def edit_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self.settings, self)
        dialog.accepted.connect(self._on_settings_accepted)
        self._settings_dialog = dialog
        dialog.open()
        return dialog

    @Slot()
    def _on_settings_accepted(self) -> None:
        self.apply_settings(self._settings_dialog.settings())

    @Slot(int)
    def _on_batch_preset_changed(self, _index: int) -> None:
        self.apply_settings(self.settings.with_changes(batch_preset=self.preset_combo.currentData()))

    # -- adding --------------------------------------------------------------------
    @Slot(list)
    def add_paths(self, paths: list) -> None:
        self.controller.add_paths([Path(p) for p in paths])

    @Slot()
    def add_files_dialog(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self,
            "Add photos and clips",
            "",
            "Photos and clips (*.jpg *.jpeg *.png *.webp *.heic *.heif *.avif *.gif *.tif *.tiff *.bmp "
            "*.mp4 *.mov *.m4v *.mkv *.webm *.avi);;All files (*)",
        )
        self.add_paths(files)

    @Slot()
    def add_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder")
        if folder:
            self.add_paths([folder])

    @Slot()
    def paste_from_clipboard(self) -> list[Path]:
        """File paths (URLs or text), or an image saved to a temporary PNG."""
        clipboard = QGuiApplication.clipboard()
        mime = clipboard.mimeData()
        paths = local_paths(mime) if mime is not None else []
        if not paths and mime is not None and mime.hasImage():
            image = clipboard.image()
            if not image.isNull():
                folder = self.paste_folder()
                name = folder / f"pasted-{time.strftime('%Y%m%d-%H%M%S')}-{len(list(folder.iterdir())) + 1}.png"
                if image.save(str(name), "PNG"):
                    paths = [name]
        if paths:
            self.add_paths(paths)
        else:
            self.statusBar().showMessage("The clipboard holds no picture and no file paths", 4000)
        return paths

    def paste_folder(self) -> Path:
        if self._paste_dir is None:
            self._paste_dir = cache_dir() / f"pasted-{int(time.time() * 1000)}"
            self._paste_dir.mkdir(parents=True, exist_ok=True)
        return self._paste_dir

    # -- queue actions ---------------------------------------------------------------
    def selected_items(self) -> list[QueueItem]:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return [self.proxy.data(r, ItemRole) for r in rows]

    def current_item(self) -> QueueItem | None:
        index = self.table.currentIndex()
        if index.isValid():
            return self.proxy.data(index, ItemRole)
        items = self.selected_items()
        return items[0] if items else None

    def select_item(self, item: QueueItem) -> None:
        row = self.model.row_of(item.id)
        if row is None:
            return
        index = self.proxy.mapFromSource(self.model.index(row, Col.NAME))
        self.table.setCurrentIndex(index)
        self.table.selectionModel().select(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )

    @Slot()
    def start(self) -> int:
        return self.controller.start()

    @Slot()
    def cancel_all(self) -> None:
        self.controller.cancel_all()

    @Slot()
    def cancel_selected(self) -> None:
        self.controller.cancel([i.id for i in self.selected_items()])

    @Slot()
    def remove_selected(self) -> None:
        self.controller.remove([i.id for i in self.selected_items()])

    @Slot()
    def retry_failed(self) -> int:
        selected = [i.id for i in self.selected_items() if i.state.retryable]
        return self.controller.retry(selected or None)

    @Slot()
    def clear_finished(self) -> None:
        self.controller.clear_finished()

    # -- compare and export -------------------------------------------------------------
    @Slot(QModelIndex)
    def _on_double_clicked(self, index: QModelIndex) -> None:
        if index.column() != Col.PRESET:
            self.compare_current()

    @Slot()
    def compare_current(self) -> CompareDialog | None:
        item = self.current_item()
        if item is None:
            return None
        if item.output is None or not item.state.finished:
            self.statusBar().showMessage(f"{item.source.name} is not compressed yet: nothing to compare", 4000)
            return None
        if self.compare_dialog is not None:
            self.compare_dialog.close()
        self.compare_dialog = CompareDialog(item, self.runner, self)
        self.compare_dialog.show()
        return self.compare_dialog

    def open_url(self, url: QUrl) -> bool:
        """Open a folder or file with the desktop (tests replace this)."""
        return QDesktopServices.openUrl(url)

    @Slot()
    def open_output_folder(self) -> None:
        folder = self.settings.output_path
        folder.mkdir(parents=True, exist_ok=True)
        self.open_url(QUrl.fromLocalFile(str(folder)))

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

    def export_selected(self, folder: Path) -> ExportJob | None:
        files = [i.output for i in self.selected_items() if i.state.finished and i.output is not None]
        if not files:
            self.statusBar().showMessage("Select finished items to export", 4000)
            return None
        job = ExportJob(len(self._export_jobs) + 1, files, folder)
        job.signals.finished.connect(self._on_exported)
        job.signals.failed.connect(self._on_export_failed)
        self._export_jobs[job.key] = job
        self.runner.start(job)
        return job

    @Slot(int, object)
    def _on_exported(self, key: int, written: list) -> None:
        self._export_jobs.pop(key, None)
        self.statusBar().showMessage(f"Exported {len(written)} file(s)", 5000)
        self.exported.emit(written)

    @Slot(int, str)
    def _on_export_failed(self, key: int, message: str) -> None:
        self._export_jobs.pop(key, None)
        QMessageBox.warning(self, "Export failed", message)

    # -- profile crop ------------------------------------------------------------------
    @staticmethod
    def _croppable(item: QueueItem) -> bool:
        from odnix_desktop.core.media import MediaKind

        return item.kind is MediaKind.IMAGE and item.before is not None and not item.state.active

    @Slot(int, str)
    def _on_preset_chosen(self, item_id: int, preset: str) -> None:
        item = self.model.by_id(item_id)
        if preset == "profile" and item is not None and self._croppable(item):
            self.crop_item(item)

    @Slot()
    def crop_current(self):
        item = self.current_item()
        if item is None or not self._croppable(item):
            self.statusBar().showMessage("Choose a photo that is not being compressed to crop it", 4000)
            return None
        return self.crop_item(item)

    def crop_item(self, item: QueueItem):
        from odnix_desktop.ui.crop_dialog import CropDialog

        if self.crop_dialog is not None:
            self.crop_dialog.close()
        dialog = CropDialog(item, self.runner, self)
        dialog.accepted.connect(self._on_crop_accepted)
        self.crop_dialog = dialog
        dialog.open()
        return dialog

    @Slot()
    def _on_crop_accepted(self) -> None:
        dialog = self.crop_dialog
        if dialog is None:
            return
        item = dialog.item
        if self.model.by_id(item.id) is None:
            return
        was_done = item.state.finished or item.state.retryable
        self.model.update(item.id, crop=dialog.box(), preset="profile")
        if was_done:  # compress it again with the new square
            self.model.update(item.id, state=ItemState.READY, output=None, after=None, error="")
            self.controller.start([item.id])
        self.statusBar().showMessage(f"{item.source.name}: profile picture square set", 4000)

    # -- account and uploads ------------------------------------------------------------
    @Slot()
    def show_login(self, reason: str = "") -> LoginDialog:
        state = self.account.state
        self.login_dialog = LoginDialog(
            self.account, self, state.server if state else "", state.user if state else "", reason=reason
        )
        self.login_dialog.accepted.connect(self._on_logged_in)
        self.login_dialog.open()
        return self.login_dialog

    @Slot()
    def _on_logged_in(self) -> None:
        self.statusBar().showMessage(f"Logged in: {self.account.summary()}", 5000)
        if self._upload_after_login:
            self._upload_after_login = False
            self.upload_selected()
            return
        refused = self.uploads.refused_login()
        if refused:  # select them, ready for Upload… again
            self.table.clearSelection()
            for item in refused:
                row = self.model.row_of(item.id)
                if row is not None:
                    self.table.selectionModel().select(
                        self.proxy.mapFromSource(self.model.index(row, Col.NAME)),
                        QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
                    )
            n = len(refused)
            self.statusBar().showMessage(
                f"Logged in: {self.account.summary()} · the {n} item{'s' if n != 1 else ''} not sent "
                f"{'are' if n != 1 else 'is'} selected: Upload… (Ctrl+U) to send again",
                10000,
            )

    @Slot()
    def _on_uploads_finished(self) -> None:
        from odnix_desktop.ui.queue_model import UploadPhase

        phases = [i.upload.phase for i in self.model.items() if i.upload is not None]
        done = sum(p is UploadPhase.DONE for p in phases)
        failed = sum(p is UploadPhase.FAILED for p in phases)
        self.statusBar().showMessage(
            f"Uploads finished: {done} sent"
            + (f", {failed} failed (hover the Upload cell)" if failed else "")
            + " · right-click a row to copy or open its link",
            10000,
        )
        self._schedule_refresh()

    @Slot()
    def _on_login_expired(self) -> None:
        """A 401 during an upload: the account is logged out; ask for the login once."""
        self.statusBar().showMessage("The server refused the login: log in again, then upload again", 10000)
        if self.login_dialog is not None and self.login_dialog.isVisible():
            return
        self.show_login(
            "The server refused your login during an upload. Log in again, then "
            "choose Upload… to send the items that were not sent."
        )

    @Slot()
    def logout(self) -> None:
        self.account.logout()
        self.statusBar().showMessage("Logged out", 4000)

    def uploadable_selection(self) -> list[QueueItem]:
        return [i for i in self.selected_items() if self.uploads.uploadable(i)]

    @Slot()
    def upload_selected(self):
        """The upload dialog for the selected finished items (the login dialog first if needed)."""
        from odnix_desktop.ui.upload_dialog import UploadDialog

        items = self.uploadable_selection()
        if not items:
            self.statusBar().showMessage("Select finished items to upload", 4000)
            return None
        if not self.account.logged_in:
            self._upload_after_login = True
            self.statusBar().showMessage("Log in to Odnix to upload (export needs no account)", 6000)
            self.show_login()
            return None
        session = self.account.session
        dialog = UploadDialog(
            items,
            self.uploads.planner_for(items),
            self.runner,
            history=self.uploads.history_or_none(),
            server=session.server.url,
            user=session.username,
            parent=self,
        )
        dialog.accepted.connect(self._on_upload_accepted)
        self.upload_dialog = dialog
        dialog.open()
        return dialog

    @Slot()
    def _on_upload_accepted(self) -> None:
        dialog = self.upload_dialog
        if dialog is None:
            return
        request = dialog.request()
        n = self.uploads.start(request)
        self.statusBar().showMessage(f"Uploading {n} item(s) as {request.target.title}…", 4000)

    def _selected_link(self) -> str | None:
        for item in [self.current_item(), *self.selected_items()]:
            if link_of(item):
                return link_of(item)
        return None

    @Slot()
    def copy_upload_link(self) -> None:
        link = self._selected_link()
        if link:
            QGuiApplication.clipboard().setText(link)
            self.statusBar().showMessage("Copied the link", 3000)

    @Slot()
    def open_upload_link(self) -> None:
        link = self._selected_link()
        if link:
            self.open_url(QUrl(link))

    @Slot()
    def cancel_selected_uploads(self) -> None:
        self.uploads.cancel([i.id for i in self.selected_items()])

    @Slot()
    def show_history(self):
        from odnix_desktop.ui.history_dialog import HistoryDialog

        if self.history_dialog is not None:
            self.history_dialog.close()
        self.history_dialog = HistoryDialog(self.uploads.history_or_none(), self.runner, self)
        self.history_dialog.open_url = self.open_url
        self.history_dialog.show()
        return self.history_dialog

    # -- state ---------------------------------------------------------------------
    @Slot()
    def _on_rows_changed(self, *args) -> None:
        self.drop_zone.set_empty(self.model.rowCount() == 0)
        self._schedule_refresh()

    @Slot()
    def _schedule_refresh(self, *args) -> None:
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()

    @Slot()
    def _refresh_now(self) -> None:
        self._update_footer()
        self._update_actions()

    @Slot()
    def _update_actions(self, *args) -> None:
        items = self.model.items()
        selected = self.selected_items()
        busy = self.controller.is_busy()
        self.act_start.setEnabled(any(i.state.startable for i in items))
        self.act_cancel_all.setEnabled(busy)
        self.act_retry.setEnabled(any(i.state.retryable for i in items))
        self.act_clear.setEnabled(any(i.state.finished for i in items))
        self.act_remove.setEnabled(bool(selected))
        self.act_cancel.setEnabled(any(i.state.active for i in selected))
        done = [i for i in selected if i.state.finished and i.output]
        self.act_compare.setEnabled(bool(done) or self.current_item() is not None)
        for a in (self.act_show, self.act_copy_path, self.act_export, self.act_upload):
            a.setEnabled(bool(done))
        links = [i for i in selected if link_of(i)]
        self.act_copy_link.setEnabled(bool(links))
        self.act_open_link.setEnabled(bool(links))
        self.act_cancel_upload.setEnabled(any(self.uploads.uploading(i.id) for i in selected))
        current = self.current_item()
        self.act_crop.setEnabled(current is not None and self._croppable(current))

    @Slot()
    def _update_footer(self) -> None:
        t = self.model.totals()
        parts = [f"{t.items} item{'s' if t.items != 1 else ''}"]
        if t.finished:
            parts.append(f"{t.finished} done")
            parts.append(f"{text.human_bytes(t.before_bytes)} → {text.human_bytes(t.after_bytes)}")
            parts.append(f"saved {text.percent(t.saved_fraction)}")
        self.footer.setText("   ·   ".join(parts))

    @Slot(bool)
    def _on_busy_changed(self, busy: bool) -> None:
        self._schedule_refresh()

    @Slot()
    def _on_batch_finished(self) -> None:
        self._refresh_now()
        if self._closing:
            return
        items = self.model.items()
        failed = sum(1 for i in items if i.state.name == "FAILED")
        self.statusBar().showMessage(
            "Batch finished" + (f" — {failed} failed (hover a row for the reason)" if failed else ""), 8000
        )
        if self.settings.after_batch == "open-folder":
            self.open_output_folder()

    def _show_context_menu(self, pos) -> None:
        menu = QMenu(self)
        for a in (
            self.act_compare,
            self.act_show,
            self.act_copy_path,
            self.act_export,
            None,
            self.act_crop,
            self.act_upload,
            self.act_copy_link,
            self.act_open_link,
            self.act_cancel_upload,
            None,
            self.act_cancel,
            self.act_retry,
            self.act_remove,
            self.act_clear,
        ):
            if a is None:
                menu.addSeparator()
            else:
                menu.addAction(a)
        menu.setToolTipsVisible(True)
        menu.popup(self.table.viewport().mapToGlobal(pos))

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

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.keeper is not None:  # asks once: keep the unfinished queue, drop it, or stay
            if not self.keeper.confirm_quit():
                event.ignore()
                return
        elif (self.controller.is_busy() or self.uploads.is_busy()) and not self.ask_to_close():
            event.ignore()
            return
        self._closing = True
        self.folder_watch.stop()
        if self.compare_dialog is not None:
            self.compare_dialog.close()
        for dialog in (self.upload_dialog, self.history_dialog, self.login_dialog, self.crop_dialog):
            if dialog is not None:
                dialog.close()
        self.controller.shutdown()  # cancels, then waits: the core removes its temp files
        if self._paste_dir is not None:
            shutil.rmtree(self._paste_dir, ignore_errors=True)
        event.accept()


def app_icon() -> QIcon:
    from odnix_desktop.resources import resources_dir

    root = resources_dir()  # the checkout's resources/, or the frozen bundle's
    icon = QIcon()
    for name in ("odnix.svg", "odnix-256.png", "odnix-64.png"):
        path = root / name
        if path.exists():
            icon.addFile(str(path))
    return icon
