"""The menu bar (File, Edit, View, Account, Help), with the account in its corner, and a first
size that fits the screen. Every action is in a menu, so nothing depends on the toolbar's width."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, QSize, Qt, Slot
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication, QIcon, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar, QMessageBox, QWidget

from odnix_desktop.ui.account import AccountController, AccountWidget

if TYPE_CHECKING:
    from odnix_desktop.ui.actions import WindowActions
    from odnix_desktop.ui.main_window import MainWindow

#: The size the window asks for on a screen with room for it (logical pixels).
PREFERRED_SIZE = QSize(1280, 760)
#: Room left for the window manager's frame and title bar.
FRAME = QSize(16, 40)

#: View ▸ Colour scheme: the setting's value and its words.
SCHEMES = (("system", "Follow the system"), ("light", "Light"), ("dark", "Dark"))


def fitted_geometry(available: QRect, preferred: QSize = PREFERRED_SIZE, frame: QSize = FRAME) -> QRect:
    """The preferred size, shrunk to the available screen area (less the window frame), centred."""
    width = max(320, min(preferred.width(), available.width() - frame.width()))
    height = max(240, min(preferred.height(), available.height() - frame.height()))
    rect = QRect(0, 0, width, height)
    rect.moveCenter(available.center())
    return rect


def fit_to_screen(window: QWidget) -> QRect:
    """Open at a size that fits the screen the window is on (also with QT_SCALE_FACTOR=2)."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        window.resize(PREFERRED_SIZE)
        return QRect(0, 0, PREFERRED_SIZE.width(), PREFERRED_SIZE.height())
    rect = fitted_geometry(screen.availableGeometry())
    window.resize(rect.size())
    window.move(rect.topLeft())
    return rect


class AccountMenu(QMenu):
    """Account: Log in… / Log out and History, following the account's state."""

    def __init__(self, window: MainWindow, account: AccountController) -> None:
        super().__init__("&Account", window)
        self.account = account
        self.log_in = self.addAction("Log in…")
        self.log_in.setShortcut(QKeySequence("Ctrl+L"))
        self.log_in.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.log_in.triggered.connect(lambda: window.show_login())
        window.addAction(self.log_in)
        self.log_out = self.addAction("Log out")
        self.log_out.triggered.connect(window.logout)
        self.addSeparator()
        self.history = self.addAction("Upload history")
        self.history.setShortcut(QKeySequence("Ctrl+H"))
        self.history.triggered.connect(lambda: window.show_history())
        window.addAction(self.history)
        account.changed.connect(self.refresh)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        logged_in, busy = self.account.logged_in, self.account.busy
        self.log_in.setEnabled(not logged_in and not busy)
        self.log_out.setEnabled(logged_in and not busy)


def build_menu_bar(window: MainWindow, a: WindowActions) -> tuple[QMenuBar, AccountWidget]:
    """File, Edit, View, Account, Help; the account panel in the bar's right corner."""
    bar = QMenuBar(window)
    file = bar.addMenu("&File")
    file.addActions([a.add_files, a.add_folder, a.paste])
    file.addSeparator()
    file.addActions([a.start, a.recompress, a.cancel_all])
    file.addSeparator()
    file.addActions([a.open_output, a.export, a.upload])
    file.addSeparator()
    file.addAction(a.quit)
    edit = bar.addMenu("&Edit")
    edit.addActions([a.select_all, a.copy_path, a.copy_link, a.open_link])
    edit.addSeparator()
    edit.addActions([a.cancel, a.cancel_upload, a.retry, a.remove, a.clear])
    edit.addSeparator()
    edit.addActions([a.crop, a.settings])
    view = bar.addMenu("&View")
    view.addActions([a.compare, a.show])
    view.addSeparator()
    view.addMenu(scheme_menu(window))
    bar.addMenu(AccountMenu(window, window.account))
    help_menu = bar.addMenu("&Help")
    help_menu.addAction(a.about)
    for menu in (file, edit, view, help_menu):
        menu.setToolTipsVisible(True)
    account = AccountWidget(window.account)
    account.setObjectName("accountPanel")
    bar.setCornerWidget(account, Qt.Corner.TopRightCorner)
    return bar, account


def scheme_menu(window: MainWindow) -> QMenu:
    """View ▸ Colour scheme: follow the system, or always light or dark (a setting)."""
    menu = QMenu("Colour scheme", window)
    group = QActionGroup(menu)
    for value, title in SCHEMES:
        action = QAction(title, menu, checkable=True)
        action.setData(value)
        action.setChecked(window.settings.color_scheme == value)
        action.triggered.connect(lambda _checked=False, v=value: window.choose_color_scheme(v))
        group.addAction(action)
        menu.addAction(action)
    menu.setProperty("schemes", [a.data() for a in group.actions()])
    return menu


def show_about(parent: QWidget) -> None:
    from odnix_desktop import __version__

    QMessageBox.about(
        parent,
        "About Odnix Desktop",
        f"Odnix Desktop {__version__}\n\nCompresses photos and clips with Odnix's own pipelines "
        "and uploads them to an Odnix server. Originals are never modified.",
    )


def app_icon() -> QIcon:
    from odnix_desktop.resources import resources_dir

    root = resources_dir()  # the checkout's resources/, or the frozen bundle's
    icon = QIcon()
    for name in ("odnix.svg", "odnix-256.png", "odnix-64.png"):
        path = root / name
        if path.exists():
            icon.addFile(str(path))
    return icon
