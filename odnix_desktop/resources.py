"""Where the app's files are, from a source checkout and from a PyInstaller bundle.

Qt-free and light: ``app.py`` uses it before Qt is imported.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def is_frozen() -> bool:
    """True inside a PyInstaller bundle (``dist/odnix-desktop/``)."""
    return bool(getattr(sys, "frozen", False))


def bundle_dir() -> Path:
    """The folder holding the bundled packages and data (``_internal/``), or the checkout's root."""
    if is_frozen():
        return Path(getattr(sys, "_MEIPASS", Path(sys.executable).resolve().parent))
    return Path(__file__).resolve().parent.parent


def resources_dir() -> Path:
    """``resources/`` (icons): bundled by build.spec beside the packages, or the checkout's;
    a wheel install carries them under ``<prefix>/share/odnix-desktop/resources``."""
    beside = bundle_dir() / "resources"
    if beside.is_dir():
        return beside
    installed = Path(sys.prefix) / "share" / "odnix-desktop" / "resources"
    return installed if installed.is_dir() else beside


def resource_path(name: str) -> Path:
    return resources_dir() / name


def ensure_std_streams() -> None:
    """A windowed build (Windows, macOS) starts with ``sys.stdout``/``sys.stderr`` set to None:
    anything that writes to them (logging's stream handler, a stray print, faulthandler) would
    raise. Point the missing ones at a log file in the user's cache folder, else at devnull."""
    if sys.stdout is not None and sys.stderr is not None:
        return
    stream = None
    try:
        from odnix_desktop.core.userdirs import cache_dir

        folder = cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        stream = open(folder / "odnix-desktop.log", "a", encoding="utf-8", buffering=1)  # noqa: SIM115
    except OSError:
        stream = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    if sys.stdout is None:
        sys.stdout = stream
    if sys.stderr is None:
        sys.stderr = stream
