"""Issue 13, items 1, 2 and 8: Enter logs in, the window fits a 1280×720 screen with a menu bar,
and the keyboard reaches everything."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from odnix_desktop.core.upload import TokenStore
from tests.gui_helpers import *  # noqa: F403
from tests.gui_helpers import make_photos, wait_added
from tests.upload_fakes import *  # noqa: F403

pytestmark = pytest.mark.usefixtures("no_dangling_jobs")


@pytest.fixture
def up_window(qtbot, tmp_path, memory_keyring, fast_settings):
    win = make_window(qtbot, tmp_path, window_kwargs={"token_store": TokenStore(), "http_settings": fast_settings})
    yield win
    win.close()


def test_enter_in_the_login_dialog_sends_the_login(qtbot, up_window, fake):
    win = up_window
    win.show()
    dialog = win.show_login()
    qtbot.waitExposed(dialog)
    assert dialog.login_button.isDefault()
    qtbot.keyClicks(dialog.server, fake.url)
    qtbot.keyClicks(dialog.user, "moderator")
    qtbot.keyClicks(dialog.password, PASSWORD)  # noqa: F405
    with qtbot.waitSignal(win.account.loginFinished, timeout=10_000) as blocker:
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert blocker.args[0] is True
    qtbot.waitUntil(lambda: not win.account.busy)
    assert win.account.logged_in


def test_a_failed_login_keeps_what_was_typed_even_after_closing(qtbot, up_window, fake):
    win = up_window
    win.show()
    dialog = win.show_login()
    qtbot.waitExposed(dialog)
    dialog.server.setText(fake.url)
    dialog.user.setText("moderator")
    dialog.password.setText("wrong")
    with qtbot.waitSignal(win.account.loginFinished, timeout=10_000):
        qtbot.keyClick(dialog.password, Qt.Key.Key_Enter)
    qtbot.waitUntil(lambda: not win.account.busy)
    assert dialog.isVisible() and dialog.error.isVisibleTo(dialog)  # the error is inside the dialog
    assert dialog.server.text() == fake.url and dialog.user.text() == "moderator"
    dialog.reject()
    again = win.show_login()
    assert again.server.text() == fake.url and again.user.text() == "moderator"
    assert again.password.hasFocus() or again.focusWidget() is again.password
    again.reject()


# ----------------------------------------------------------------------------- 2: fit
def menu_actions(win) -> set:
    found = set()
    stack = list(win.menuBar().actions())
    while stack:
        action = stack.pop()
        if action.menu() is not None:
            stack.extend(action.menu().actions())
        else:
            found.add(action)
    return found


def test_at_1280x720_the_account_and_every_action_are_reachable(qtbot, window):
    window.resize(1280, 720)
    window.show()
    qtbot.waitExposed(window)
    # The account: always in the menu bar's corner, inside the window.
    panel = window.account_widget
    assert panel.isVisible() and panel.button.isVisible() and panel.history_button.isVisible()
    corner = panel.mapTo(window, panel.rect().bottomRight())
    assert window.rect().contains(corner)
    # Every action of the window: in a menu (File, Edit, View, Account, Help).
    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert titles == ["File", "Edit", "View", "Account", "Help"]
    in_menus = menu_actions(window)
    missing = [a.text() for a in vars(window.acts).values() if hasattr(a, "trigger") and a not in in_menus]
    assert not missing, missing
    # And the toolbar shows all of its buttons (no "»" overflow) at this width.
    bar = window.toolbar
    for action in bar.actions():
        widget = bar.widgetForAction(action)
        if widget is not None and not action.isSeparator():
            assert widget.isVisible(), action.text()


@pytest.mark.parametrize(("w", "h"), [(1280, 720), (1366, 768), (640, 360), (1920, 1080)])
def test_the_first_size_fits_the_available_screen(w, h):
    from PySide6.QtCore import QRect

    from odnix_desktop.ui.menus import fitted_geometry

    available = QRect(0, 0, w, h - 40)  # a panel takes 40 px; 640×360 is 1280×720 at QT_SCALE_FACTOR=2
    rect = fitted_geometry(available)
    assert available.contains(rect), (rect, available)
    assert rect.width() == min(1280, w - 16)


def test_the_window_opens_inside_its_screen(qtbot, window):
    available = window.screen().availableGeometry()
    assert window.width() <= available.width() and window.height() <= available.height()


# ----------------------------------------------------------------------------- 7: colour scheme
def window_is_dark() -> bool:
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication

    return QApplication.instance().palette().color(QPalette.ColorRole.Window).lightness() < 128


def test_the_colour_scheme_follows_the_platforms_and_the_setting(qtbot, window, monkeypatch):
    from PySide6.QtWidgets import QApplication

    from odnix_desktop.ui import theme

    monkeypatch.delenv("ODNIX_COLOR_SCHEME", raising=False)
    app = QApplication.instance()
    hints = app.styleHints()
    connection = theme.follow_system(app, lambda: window.settings.color_scheme)
    try:
        assert window.settings.color_scheme == "system"
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)  # the platform turned dark
        assert window_is_dark()
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
        assert not window_is_dark()
        window.choose_color_scheme("dark")  # View ▸ Colour scheme ▸ Dark: kept whatever the platform says
        assert window_is_dark() and window.settings.color_scheme == "dark"
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
        assert window_is_dark()
    finally:
        hints.colorSchemeChanged.disconnect(connection)
        theme.apply(app, "light")


# ----------------------------------------------------------------------------- 8: keyboard
def test_shortcuts_follow_the_conventions(window):
    a = window.acts
    assert a.settings.shortcut().toString() == "Ctrl+,"
    assert a.quit.shortcut().toString() == "Ctrl+Q"
    menu = next(m.menu() for m in window.menuBar().actions() if m.text() == "&Account")
    assert menu.log_in.shortcut().toString() == "Ctrl+L" and menu.history.shortcut().toString() == "Ctrl+H"


def test_tab_leaves_the_table_and_the_caption_box(qtbot, window, tmp_path):
    window.show()
    qtbot.waitExposed(window)
    window.add_paths(make_photos(tmp_path / "in", 2, (64, 48)))
    wait_added(qtbot, window, 2)
    window.table.setFocus()
    window.table.setCurrentIndex(window.proxy.index(0, 1))
    qtbot.keyClick(window.table, Qt.Key.Key_Tab)
    assert not window.table.hasFocus()


def test_every_control_has_a_name_for_screen_readers(qtbot, window):
    from odnix_desktop.ui.accessibility import nameless

    assert nameless(window) == []
    dialog = window.edit_settings()
    assert nameless(dialog) == []
    dialog.reject()
    login = window.show_login()
    assert nameless(login) == []
    login.reject()
