"""Light and dark: the setting (System / Light / Dark), where "System" follows the platform's
colour scheme and its changes (``ODNIX_COLOR_SCHEME=light|dark`` overrides, for screenshots)."""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtCore import QMetaObject, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QApplication


def dark_palette() -> QPalette:
    p = QPalette()
    window, base, text = QColor(37, 37, 40), QColor(28, 28, 31), QColor(230, 230, 230)
    disabled = QColor(128, 128, 128)
    for role, colour in (
        (QPalette.ColorRole.Window, window),
        (QPalette.ColorRole.WindowText, text),
        (QPalette.ColorRole.Base, base),
        (QPalette.ColorRole.AlternateBase, QColor(44, 44, 48)),
        (QPalette.ColorRole.ToolTipBase, QColor(50, 50, 54)),
        (QPalette.ColorRole.ToolTipText, text),
        (QPalette.ColorRole.PlaceholderText, disabled),
        (QPalette.ColorRole.Text, text),
        (QPalette.ColorRole.Button, QColor(48, 48, 52)),
        (QPalette.ColorRole.ButtonText, text),
        (QPalette.ColorRole.BrightText, QColor(255, 90, 90)),
        (QPalette.ColorRole.Light, QColor(70, 70, 75)),
        (QPalette.ColorRole.Midlight, QColor(60, 60, 64)),
        (QPalette.ColorRole.Mid, QColor(90, 90, 96)),
        (QPalette.ColorRole.Dark, QColor(20, 20, 22)),
        (QPalette.ColorRole.Shadow, QColor(0, 0, 0)),
        (QPalette.ColorRole.Highlight, QColor(64, 128, 220)),
        (QPalette.ColorRole.HighlightedText, QColor(255, 255, 255)),
        (QPalette.ColorRole.Link, QColor(100, 160, 255)),
    ):
        p.setColor(role, colour)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        p.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return p


#: A focus that shows, on buttons and check boxes too (Fusion's own is a faint outline).
FOCUS_STYLE = """
QPushButton:focus { border: 2px solid palette(highlight); border-radius: 4px; padding: 3px 10px;
                    background: palette(button); }
QCheckBox:focus, QRadioButton:focus { border: 1px solid palette(highlight); border-radius: 3px; }
QToolButton:focus { border: 1px solid palette(highlight); border-radius: 3px; }
"""


def platform_scheme() -> Qt.ColorScheme:
    """The platform's light or dark setting (GTK, the desktop portal, Windows, macOS)."""
    return QGuiApplication.styleHints().colorScheme()


def wants_dark(scheme: str = "system", platform: Qt.ColorScheme | None = None) -> bool:
    """``scheme`` is the setting: "system" follows ``platform`` (default: the platform's now).
    ``ODNIX_COLOR_SCHEME=light|dark`` overrides both (the screenshot scripts use it)."""
    forced = os.environ.get("ODNIX_COLOR_SCHEME", "").lower()
    if forced in ("dark", "light"):
        return forced == "dark"
    if scheme in ("dark", "light"):
        return scheme == "dark"
    return (platform if platform is not None else platform_scheme()) == Qt.ColorScheme.Dark


def apply(app: QApplication, scheme: str = "system", platform: Qt.ColorScheme | None = None) -> bool:
    """Fusion everywhere (same look on every platform) with a palette for the chosen scheme.
    Returns True when dark."""
    dark = wants_dark(scheme, platform)
    app.setStyle("Fusion")
    app.setPalette(dark_palette() if dark else app.style().standardPalette())
    app.setStyleSheet(FOCUS_STYLE)
    app.setProperty("odnixDark", dark)
    return dark


def follow_system(app: QApplication, scheme: Callable[[], str] = lambda: "system") -> QMetaObject.Connection:
    """Apply ``scheme()`` (the setting) now and whenever the platform's scheme changes.
    Returns the connection (to disconnect)."""
    apply(app, scheme())
    hints = app.styleHints()
    return hints.colorSchemeChanged.connect(lambda new: apply(app, scheme(), new))  # GUI thread only


def is_dark(app: QApplication) -> bool:
    return bool(app.property("odnixDark"))


def tinted(icon: QIcon, colour: QColor, size: int = 32) -> QIcon:
    """A one-colour icon (an arrow, play/stop) redrawn in ``colour`` so it shows on dark toolbars."""
    pixmap = icon.pixmap(size, size)
    out = QPixmap(pixmap.size())
    out.setDevicePixelRatio(pixmap.devicePixelRatio())
    out.fill(Qt.GlobalColor.transparent)
    painter = QPainter(out)
    painter.drawPixmap(0, 0, pixmap)
    painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
    painter.fillRect(out.rect(), colour)
    painter.end()
    return QIcon(out)
