"""The window's settings: a frozen dataclass, read from and written to a JSON file.

Qt-free, so the CLI and the tests can read the same file. The file lives in the
per-user config folder (:mod:`odnix_desktop.core.userdirs`).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from odnix_desktop.core import userdirs
from odnix_desktop.core.options import (
    DEFAULT_MIN_SAVING,
    DEFAULT_QUALITY,
    DEFAULT_SUFFIX,
    CompressOptions,
    check_quality,
    check_suffix,
    check_target,
)
from odnix_desktop.core.presets import PRESETS

log = logging.getLogger(__name__)

FILE_NAME = "settings.json"

AFTER_BATCH_ACTIONS = ("nothing", "open-folder")
FPS_CAPS = (24, 30)
COLOR_SCHEMES = ("system", "light", "dark")
OUTPUT_MODES = ("folder", "beside")


def default_output_folder() -> Path:
    return userdirs.output_dir()


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the settings dialog edits. Frozen: the dialog edits a copy."""

    output_folder: str = ""
    quality: int | None = None  # a fixed JPEG/WebP quality; None: the per-photo target (issue 15)
    target: str | int = "auto"  # perceived quality (SSIMULACRA2) each photo must reach
    max_dimension: int | None = None
    fps_cap: int = 24
    keep_original_if_smaller: bool = True
    image_workers: int = 0  # 0: one per core
    after_batch: str = "nothing"
    batch_preset: str | None = None  # None: post for photos, reel for clips
    upload_background: str = "#ffffff"  # posts: transparency is flattened onto it (core.odnix)
    keep_dates: bool = True  # outputs get their source's file dates (never written into the file)
    keep_capture_date: bool = False  # clips keep their creation_time tag, and only it
    min_saving_percent: float = DEFAULT_MIN_SAVING * 100  # below this, a source meeting the preset is kept
    color_scheme: str = "system"  # the window's: follow the platform, or always light or dark
    output_mode: str = "folder"  # "folder": into output_folder; "beside": beside each original
    output_suffix: str = DEFAULT_SUFFIX  # beside the originals: photo.jpg -> photo.odnix.jpg
    max_bytes: int | None = None  # a target file size for every output (the CLI's --max-bytes)

    def __post_init__(self) -> None:
        if self.quality is not None:
            check_quality(self.quality)
        check_target(self.target)
        if self.max_dimension is not None and self.max_dimension < 16:
            raise ValueError("the max dimension must be at least 16 px")
        if self.fps_cap not in FPS_CAPS:
            raise ValueError("the fps cap is 24 or 30")
        if self.image_workers < 0:
            raise ValueError("image workers must be 0 (one per core) or more")
        if self.after_batch not in AFTER_BATCH_ACTIONS:
            raise ValueError(f"after the batch: one of {', '.join(AFTER_BATCH_ACTIONS)}")
        if self.output_mode not in OUTPUT_MODES:
            raise ValueError(f"outputs go: one of {', '.join(OUTPUT_MODES)}")
        check_suffix(self.output_suffix)
        if self.max_bytes is not None and self.max_bytes < 1024:
            raise ValueError("the target file size is at least 1 KB")
        if self.color_scheme not in COLOR_SCHEMES:
            raise ValueError(f"colour scheme: one of {', '.join(COLOR_SCHEMES)}")
        if self.batch_preset is not None and self.batch_preset not in PRESETS:
            raise ValueError(f"unknown preset {self.batch_preset!r}")
        if not 0 <= self.min_saving_percent < 100:
            raise ValueError("the minimum saving is a percentage from 0 to 99")

    @property
    def output_path(self) -> Path:
        return Path(self.output_folder) if self.output_folder else default_output_folder()

    @property
    def workers(self) -> int:
        return self.image_workers or default_workers()

    def with_changes(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    def compress_options(self, preset: str | None) -> CompressOptions:
        return CompressOptions(
            preset=preset,
            quality=self.quality,
            target=self.target,
            max_bytes=self.max_bytes,
            max_dimension=self.max_dimension,
            keep_original_if_smaller=self.keep_original_if_smaller,
            fps_cap=self.fps_cap,
            keep_dates=self.keep_dates,
            keep_capture_date=self.keep_capture_date,
            min_saving=self.min_saving_percent / 100.0,
            beside_suffix=self.output_suffix if self.output_mode == "beside" else None,
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Settings:
        """Unknown keys are ignored; a bad value falls back to the default for that key."""
        known = {f.name for f in fields(cls)}
        if "target" not in data and data.get("quality") == DEFAULT_QUALITY:
            # written before issue 15, when 80 was every file's default, not a choice
            data = {k: v for k, v in data.items() if k != "quality"}
        result = cls()
        for key, value in data.items():
            if key not in known:
                continue
            try:
                result = replace(result, **{key: value})
            except (ValueError, TypeError) as exc:
                log.warning("settings: ignoring %s=%r (%s)", key, value, exc)
        return result


def settings_path() -> Path:
    return userdirs.config_dir() / FILE_NAME


def load(path: Path | None = None) -> Settings:
    path = path or settings_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError) as exc:
        log.warning("settings: cannot read %s (%s); using defaults", path, exc)
        return Settings()
    if not isinstance(data, dict):
        return Settings()
    return Settings.from_json(data)


def save(settings: Settings, path: Path | None = None) -> Path:
    """Write atomically (temp file + replace) so a crash never leaves half a file."""
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(settings.to_json(), indent=2, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)
    return path
