"""Per-user folders (cache, config, data) from platformdirs; ``ODNIX_USER_DIR`` overrides all three."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "odnix-desktop"
USER_DIR_ENV = "ODNIX_USER_DIR"


def _override(sub: str) -> Path | None:
    root = os.environ.get(USER_DIR_ENV)
    return Path(root) / sub if root else None


def cache_dir() -> Path:
    return _override("cache") or platformdirs.user_cache_path(APP, appauthor=False)


def config_dir() -> Path:
    return _override("config") or platformdirs.user_config_path(APP, appauthor=False)


def data_dir() -> Path:
    return _override("data") or platformdirs.user_data_path(APP, appauthor=False)


def output_dir() -> Path:
    """Where the window puts its outputs unless the user chose a folder."""
    return _override("output") or platformdirs.user_pictures_path() / "Odnix"
