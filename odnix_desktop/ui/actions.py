"""The window's actions (toolbar, shortcuts, context menu) and when each is enabled."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QPalette
from PySide6.QtWidgets import QComboBox, QLabel, QMenu, QStyle, QToolBar, QWidget

from odnix_desktop.core.presets import PRESETS
from odnix_desktop.ui import theme
from odnix_desktop.ui.output_choices import ROW_SIZES, size_words
from odnix_desktop.ui.queue_model import QueueItem
from odnix_desktop.ui.uploads import link_of

if TYPE_CHECKING:
    from odnix_desktop.ui.main_window import MainWindow

SP = QStyle.StandardPixmap
Shortcut = QKeySequence.StandardKey | str | list[str] | None

#: Black glyphs that are redrawn in the text colour, so they show in dark mode.
_MONOCHROME_ICONS = {SP.SP_ArrowUp, SP.SP_MediaPlay, SP.SP_MediaStop}


class WindowActions:
    """Every action of the main window, each connected to one of the window's intentions."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self._tinted: list[tuple[QAction, QStyle.StandardPixmap]] = []
        self._build(window)

    def _build(self, w: MainWindow) -> None:  # a declarative list: one action a statement
        new = self._action
        self.add_files = new("Add files…", "Add photos and clips to the queue", w.add_files_dialog,
                             QKeySequence.StandardKey.Open, SP.SP_FileIcon)  # fmt: skip
        self.add_folder = new("Add folder…", "Add every photo and clip in a folder, recursively",
                              w.add_folder_dialog, "Ctrl+Shift+O", SP.SP_DirIcon)  # fmt: skip
        self.start = new("Start", "Compress every waiting item", w.start, ["Ctrl+Return", "Ctrl+Enter"],
                         SP.SP_MediaPlay)  # fmt: skip
        self.cancel_all = new(
            "Cancel", "Cancel every queued and running item", w.request_cancel_all, "Esc", SP.SP_MediaStop
        )
        self.open_output = new("Open output folder", "Open the folder the compressed files go to",
                               w.open_output_folder, None, SP.SP_DirOpenIcon)  # fmt: skip
        self.settings = new("Settings…", "Output folder, quality, workers and more", w.edit_settings,
                            "Ctrl+,", SP.SP_FileDialogDetailedView)  # fmt: skip
        self.recompress = new("Recompress", "Compress the selected items again with today's settings and presets "
                              "(replaces each one's own earlier output)", w.recompress_selected, "Ctrl+Shift+R",
                              SP.SP_BrowserReload)  # fmt: skip
        self.quit = new("Quit", "Close Odnix Desktop", w.close, "Ctrl+Q")
        self.select_all = new("Select all", "Select every row", w.table.selectAll, QKeySequence.StandardKey.SelectAll)
        self.about = new("About Odnix Desktop", "Version and what the app does", w.show_about)
        self.compare = new("Compare", "Compare the selected item before and after", w.compare_current, "Space")
        self.remove = new("Remove", "Remove the selected items from the queue (cancels them)", w.remove_selected,
                          QKeySequence.StandardKey.Delete)  # fmt: skip
        self.cancel = new("Cancel selected", "Cancel the selected items", w.cancel_selected)
        self.retry = new("Retry failed", "Run failed and cancelled items again", w.retry_failed, "Ctrl+R")
        self.clear = new("Clear finished", "Remove finished items from the list", w.clear_finished)
        self.show = new("Show in folder", "Open the folder that holds this item's output", w.show_in_folder)
        self.copy_path = new("Copy output path", "Copy the output file's path to the clipboard", w.copy_output_path,
                             "Ctrl+Shift+C")  # fmt: skip
        self.export = new("Export selected to…", "Copy the selected finished outputs to a folder",
                          w.export_selected_dialog, "Ctrl+E")  # fmt: skip
        self.paste = new("Paste", "Add an image or file paths from the clipboard", w.paste_from_clipboard,
                         QKeySequence.StandardKey.Paste)  # fmt: skip
        self.upload = new("Upload…", "Send the selected finished items to Odnix (post, reel, story, chat or "
                          "profile picture)", w.upload_selected, "Ctrl+U", SP.SP_ArrowUp)  # fmt: skip
        self.copy_link = new("Copy link", "Copy the link of what the upload created", w.copy_upload_link)
        self.open_link = new("Open link", "Open the link of what the upload created in the browser",
                             w.open_upload_link)  # fmt: skip
        self.cancel_upload = new("Cancel upload", "Stop the selected items' uploads", w.cancel_selected_uploads)
        self.crop = new("Crop for profile picture…", "Place the square of the profile picture (the item then uses "
                        "the profile preset)", w.crop_current)  # fmt: skip

    def _action(
        self, text: str, tip: str, slot: Callable[[], object], shortcut: Shortcut = None, icon: SP | None = None
    ) -> QAction:
        window: QWidget = self.window
        action = QAction(text, window)
        action.setToolTip(tip)
        action.setStatusTip(tip)
        if shortcut is not None:
            shortcuts = shortcut if isinstance(shortcut, list) else [shortcut]
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            native = QKeySequence(shortcuts[0]).toString(QKeySequence.SequenceFormat.NativeText)
            action.setToolTip(f"{tip} ({native})")
        if icon is not None:
            action.setIcon(window.style().standardIcon(icon))
            if icon in _MONOCHROME_ICONS:
                self._tinted.append((action, icon))
                self._retint(action, icon)
        action.triggered.connect(slot)
        window.addAction(action)
        return action

    def _retint(self, action: QAction, icon: QStyle.StandardPixmap) -> None:
        colour = self.window.palette().color(QPalette.ColorRole.WindowText)
        action.setIcon(theme.tinted(self.window.style().standardIcon(icon), colour))

    def retint(self) -> None:
        """The palette changed (dark mode): redraw the black glyphs in the new text colour."""
        for action, icon in self._tinted:
            self._retint(action, icon)

    def context_menu(self, parent: QWidget) -> QMenu:
        menu = QMenu(parent)
        groups = (
            (self.compare, self.show, self.copy_path, self.export, self.recompress),
            (self.crop, self.upload, self.copy_link, self.open_link, self.cancel_upload),
            (self.cancel, self.retry, self.remove, self.clear),
        )
        for n, group in enumerate(groups):
            if n:
                menu.addSeparator()
            for action in group:
                menu.addAction(action)
            if n == 0:
                menu.addMenu(self.size_menu(menu))
        menu.setToolTipsVisible(True)
        return menu

    def size_menu(self, parent: QWidget) -> QMenu:
        """Target file size for the selected rows (the CLI's --max-bytes), or the settings'."""
        menu = QMenu("Target file size", parent)
        selected = self.window.selected_items()
        current = {i.max_bytes for i in selected}
        for size in ROW_SIZES:
            action = menu.addAction(size_words(size))
            action.setCheckable(True)
            action.setChecked(current == {size})
            action.triggered.connect(lambda _checked=False, s=size: self.window.set_target_size(s))
        menu.setEnabled(bool(selected))
        return menu

    def update(self, items: list[QueueItem], selected: list[QueueItem], current: QueueItem | None) -> None:
        """Enable what makes sense for the queue and the selection."""
        w = self.window
        self.start.setEnabled(any(i.startable for i in items))
        self.recompress.setEnabled(any(i.recompressible and not i.active for i in selected))
        self.cancel_all.setEnabled(w.queue.is_busy())
        self.retry.setEnabled(any(i.retryable for i in items))
        self.clear.setEnabled(any(i.finished for i in items))
        self.remove.setEnabled(bool(selected))
        self.cancel.setEnabled(any(i.active for i in selected))
        done = [i for i in selected if i.finished and i.output]
        self.compare.setEnabled(bool(done) or current is not None)
        for action in (self.show, self.copy_path, self.export, self.upload):
            action.setEnabled(bool(done))
        links = [i for i in selected if link_of(i)]
        self.copy_link.setEnabled(bool(links))
        self.open_link.setEnabled(bool(links))
        self.cancel_upload.setEnabled(any(w.uploads.uploading(i.id) for i in selected))
        self.crop.setEnabled(current is not None and current.croppable)


def toolbar_tooltips(actions: list[QAction], widget_for: Callable[[QAction], QWidget | None]) -> None:
    """Toolbar buttons show their action's tooltip (with the shortcut)."""
    for action in actions:
        button = widget_for(action)
        if button is not None and action.toolTip():
            button.setToolTip(action.toolTip())


def build_toolbar(window: MainWindow, a: WindowActions) -> tuple[QToolBar, QComboBox]:
    """The main toolbar: adding, the batch preset, start/cancel, output, upload, settings (the
    account is in the menu bar's corner, so it shows at any width)."""
    bar = QToolBar("Main")
    bar.setObjectName("mainToolbar")
    bar.setMovable(False)
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    bar.addActions([a.add_files, a.add_folder])
    bar.addSeparator()
    label = QLabel(" Preset ")
    label.setToolTip("Preset for the whole batch; each item can override it (double-click its Preset cell, or F2)")
    bar.addWidget(label)
    combo = QComboBox()
    combo.addItem("Auto (post for photos, reel for clips)", None)
    for name, preset in PRESETS.items():
        combo.addItem(preset.title, name)
        combo.setItemData(combo.count() - 1, preset.description, Qt.ItemDataRole.ToolTipRole)
    combo.setCurrentIndex(max(0, combo.findData(window.settings.batch_preset)))
    combo.setToolTip("Preset for the whole batch; items of another kind use their default")
    combo.currentIndexChanged.connect(window.batch_preset_chosen)
    bar.addWidget(combo)
    bar.addSeparator()
    bar.addActions([a.start, a.recompress, a.cancel_all])
    bar.addSeparator()
    bar.addActions([a.open_output, a.upload, a.settings])
    toolbar_tooltips(bar.actions(), bar.widgetForAction)
    return bar, combo
