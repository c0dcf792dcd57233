"""The settings in force while the window runs: one copy, saved when changed."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from odnix_desktop.core import settings as settings_store
from odnix_desktop.core.settings import Settings


class SettingsController(QObject):
    """Holds the current :class:`Settings` (frozen); ``apply`` replaces, saves and announces them."""

    #: New settings are in force (the Settings).
    changed = Signal(object)

    def __init__(self, settings: Settings, *, persist: bool = True, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self._persist = persist

    def current(self) -> Settings:
        return self._settings

    def apply(self, new: Settings) -> None:
        self._settings = new
        if self._persist:
            settings_store.save(new)
        self.changed.emit(new)
