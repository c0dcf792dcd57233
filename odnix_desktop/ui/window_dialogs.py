"""The main window's dialogs: settings, compare, the profile crop, and the account and upload
side (login, upload, history, the links of what the uploads created). The decisions (log in
first, what a fresh login leads to, which file each item sends, compressing a cropped item
again) are the controllers'; this part only opens the dialogs and shows the outcome."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QMainWindow

from odnix_desktop.core.media import MediaKind
from odnix_desktop.core.settings import Settings
from odnix_desktop.ui.accessibility import name_controls
from odnix_desktop.ui.account import AccountController, AccountWidget, LoginDialog
from odnix_desktop.ui.compare import CompareDialog
from odnix_desktop.ui.controller import QueueController
from odnix_desktop.ui.crop_dialog import CropDialog
from odnix_desktop.ui.live_quality import LiveCompareDialog
from odnix_desktop.ui.queue_model import QueueItem, QueueModel
from odnix_desktop.ui.settings_dialog import SettingsDialog
from odnix_desktop.ui.uploads import UploadController, link_of

if TYPE_CHECKING:
    from odnix_desktop.jobs.runner import JobRunner
    from odnix_desktop.ui.history_dialog import HistoryDialog
    from odnix_desktop.ui.queue_view import QueueView
    from odnix_desktop.ui.upload_dialog import UploadDialog


if TYPE_CHECKING:
    _Window = QMainWindow  # what the mixin is checked against
else:
    _Window = object


class WindowDialogsMixin(_Window):
    """Mixed into :class:`~odnix_desktop.ui.main_window.MainWindow` (which provides the fields
    declared here)."""

    account: AccountController
    uploads: UploadController
    queue: QueueController
    model: QueueModel
    runner: JobRunner
    table: QueueView
    account_widget: AccountWidget

    def init_dialogs(self) -> None:
        self.compare_dialog: CompareDialog | None = None
        self.crop_dialog: CropDialog | None = None
        self.login_dialog: LoginDialog | None = None
        self.upload_dialog: UploadDialog | None = None
        self.history_dialog: HistoryDialog | None = None

    def connect_dialogs(self) -> None:
        self.model.presetChosen.connect(self._on_preset_chosen)
        self.account_widget.loginRequested.connect(self.show_login)
        self.account_widget.logoutRequested.connect(self.logout)
        self.account_widget.historyRequested.connect(self.show_history)
        self.uploads.loginExpired.connect(self._on_login_expired)
        self.uploads.uploadsFinished.connect(self._on_uploads_finished)

    def close_dialogs(self) -> None:
        dialogs: list[QDialog | None] = [self.compare_dialog, self.crop_dialog, self.upload_dialog]
        for dialog in [*dialogs, self.history_dialog, self.login_dialog]:
            if dialog is not None:
                dialog.close()

    # -- settings, compare and crop ---------------------------------------------------------
    @Slot()
    def edit_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self.settings, self)
        name_controls(dialog)
        dialog.accepted.connect(self._on_settings_accepted)
        self._settings_dialog = dialog
        dialog.open()
        return dialog

    @Slot()
    def _on_settings_accepted(self) -> None:
        self.apply_settings(self._settings_dialog.settings())

    @Slot()
    def compare_current(self) -> CompareDialog | None:
        item = self.current_item()
        if item is None:
            return None
        # A clip opens before it is compressed too: "Preview 5 s" shows the settings on it.
        if (item.output is None or not item.finished) and item.kind is not MediaKind.VIDEO:
            self.statusBar().showMessage(f"{item.source.name} is not compressed yet: nothing to compare", 4000)
            return None
        if self.compare_dialog is not None:
            self.compare_dialog.close()
        options = self.queue.options_for(item, self.settings)
        dialog = LiveCompareDialog(item, self.runner, self, background=self.settings.upload_background, options=options)
        if dialog.live is not None:
            dialog.live.applyToItem.connect(self._apply_quality_to_item)
            dialog.live.applyToAll.connect(self._apply_quality_to_all)
        dialog.stepRequested.connect(self._compare_step)
        name_controls(dialog)
        self.compare_dialog = dialog
        dialog.show()
        return dialog

    @Slot(int)
    def _compare_step(self, step: int) -> None:
        """Page Down / Page Up in the compare view: the next or previous compressed item."""
        done = [i for i in self.table.items_in_view_order() if i.finished and i.output is not None]
        current = self.compare_dialog.item if self.compare_dialog is not None else None
        if not done or current not in done:
            return
        self.select_item(done[(done.index(current) + step) % len(done)])
        self.compare_current()

    @Slot(int, int)
    def _apply_quality_to_item(self, item_id: int, quality: int) -> None:
        if self.queue.set_quality([item_id], quality):
            self.queue.recompress([item_id])
            self.statusBar().showMessage(f"Compressing again at quality {quality}…", 4000)

    @Slot(int)
    def _apply_quality_to_all(self, quality: int) -> None:
        self.apply_settings(self.settings.with_changes(quality=quality))
        n = self.queue.start()  # the photos whose options changed
        self.statusBar().showMessage(f"Quality {quality} for every photo: {n} compressing again", 6000)

    @Slot(int, str)
    def _on_preset_chosen(self, item_id: int, preset: str) -> None:
        item = self.model.by_id(item_id)
        if preset == "profile" and item is not None and item.croppable:
            self.crop_item(item)

    @Slot()
    def crop_current(self) -> CropDialog | None:
        item = self.current_item()
        if item is None or not item.croppable:
            self.statusBar().showMessage("Choose a photo that is not being compressed to crop it", 4000)
            return None
        return self.crop_item(item)

    def crop_item(self, item: QueueItem) -> CropDialog:
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
        if dialog is not None and self.queue.set_crop(dialog.item.id, dialog.box()):
            self.statusBar().showMessage(f"{dialog.item.source.name}: profile picture square set", 4000)

    if TYPE_CHECKING:  # the window's

        def selected_items(self) -> list[QueueItem]: ...
        def current_item(self) -> QueueItem | None: ...
        def select_item(self, item: QueueItem) -> None: ...
        def open_url(self, url: QUrl) -> bool: ...
        def _schedule_refresh(self, *args: object) -> None: ...
        @property
        def settings(self) -> Settings: ...
        def apply_settings(self, new: Settings) -> None: ...

    # -- the account ----------------------------------------------------------------------
    @Slot()
    def show_login(self, reason: str = "") -> LoginDialog:
        state = self.account.state
        server, user = (state.server, state.user) if state else ("", "")
        if not server:  # a first login that failed, or a dialog closed: what was typed stays
            server, user = self.account.last_typed
        self.login_dialog = LoginDialog(self.account, self, server, user, reason=reason)
        name_controls(self.login_dialog)
        self.login_dialog.accepted.connect(self._on_logged_in)
        self.login_dialog.rejected.connect(self.uploads.forget_waiting)
        self.login_dialog.open()
        return self.login_dialog

    @Slot()
    def _on_logged_in(self) -> None:
        self.statusBar().showMessage(f"Logged in: {self.account.summary()}", 5000)
        after = self.uploads.after_login()
        if after.upload:
            self.open_upload_dialog(after.upload)
        elif after.not_sent:  # select them, ready for Upload… again
            self.table.select_items(after.not_sent)
            n = len(after.not_sent)
            self.statusBar().showMessage(
                f"Logged in: {self.account.summary()} · the {n} item{'s' if n != 1 else ''} not sent "
                f"{'are' if n != 1 else 'is'} selected: Upload… (Ctrl+U) to send again",
                10000,
            )

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

    # -- uploads ------------------------------------------------------------------------
    def uploadable_selection(self) -> list[QueueItem]:
        return [i for i in self.selected_items() if self.uploads.uploadable(i)]

    @Slot()
    def upload_selected(self) -> UploadDialog | None:
        """The upload dialog for the selected finished items (the login dialog first if needed)."""
        items = self.uploadable_selection()
        if not items:
            self.statusBar().showMessage("Select finished items to upload", 4000)
            return None
        if self.uploads.login_needed(items):
            self.statusBar().showMessage("Log in to Odnix to upload (export needs no account)", 6000)
            self.show_login()
            return None
        return self.open_upload_dialog(items)

    def open_upload_dialog(self, items: list[QueueItem]) -> UploadDialog:
        from odnix_desktop.ui.upload_dialog import UploadDialog

        session = self.account.session
        assert session is not None
        dialog = UploadDialog(
            items,
            self.uploads.planner_for(items),
            self.runner,
            history=self.uploads.history_or_none(),
            server=session.server.url,
            user=session.username,
            parent=self,
            background=self.settings.upload_background,
        )
        name_controls(dialog)
        dialog.accepted.connect(self._on_upload_accepted)
        self.upload_dialog = dialog
        dialog.open()
        return dialog

    @Slot()
    def _on_upload_accepted(self) -> None:
        if self.upload_dialog is not None:
            request = self.upload_dialog.request()
            n = self.uploads.start(request)
            self.statusBar().showMessage(f"Uploading {n} item(s) as {request.target.title}…", 4000)

    @Slot()
    def _on_uploads_finished(self) -> None:
        done, failed = self.uploads.outcome_counts()
        self.statusBar().showMessage(
            f"Uploads finished: {done} sent"
            + (f", {failed} failed (hover the Upload cell)" if failed else "")
            + " · right-click a row to copy or open its link",
            10000,
        )
        self._schedule_refresh()

    @Slot()
    def cancel_selected_uploads(self) -> None:
        self.uploads.cancel([i.id for i in self.selected_items()])

    # -- links and history ------------------------------------------------------------------
    def selected_link(self) -> str | None:
        for item in [self.current_item(), *self.selected_items()]:
            link = link_of(item)
            if link:
                return link
        return None

    @Slot()
    def copy_upload_link(self) -> None:
        link = self.selected_link()
        if link:
            QGuiApplication.clipboard().setText(link)
            self.statusBar().showMessage("Copied the link", 3000)

    @Slot()
    def open_upload_link(self) -> None:
        from odnix_desktop.core.upload.answers import is_web_link

        link = self.selected_link()
        if link and is_web_link(link):  # the core keeps only http(s) links of the server; checked again
            self.open_url(QUrl(link))

    @Slot()
    def show_history(self) -> HistoryDialog:
        from odnix_desktop.ui.history_dialog import HistoryDialog

        if self.history_dialog is not None:
            self.history_dialog.close()
        self.history_dialog = HistoryDialog(self.uploads.history_or_none(), self.runner, self)
        self.history_dialog.open_url = self.open_url  # type: ignore[method-assign]
        self.history_dialog.show()
        return self.history_dialog
