"""Options for one compression job and the result it gives."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from odnix_desktop.core.media import MediaInfo, MediaKind
from odnix_desktop.core.presets import PRESETS, Preset

#: Seed quality (libjpeg scale): WebP and animations without a fixed quality, and the
#: start of the byte-budget search where no perceptual target applies.
DEFAULT_QUALITY = 80
QUALITY_MIN, QUALITY_MAX = 1, 100
#: The perceptual target: "auto" (the preset's default score) or a SSIMULACRA2 score.
Target = str | int
TARGET_MIN, TARGET_MAX = 30, 99
#: "auto": the floor score of the per-photo search (core/image/quality/search.py, which
#: also spends above it where points are cheap). Here so the window can show it
#: without importing numpy.
AUTO_TARGET = 80.0
#: Decompression-bomb limit: more declared pixels than this are refused before decoding.
DEFAULT_MAX_PIXELS = 250_000_000
#: Outputs that would save less than this fraction keep the source instead (when it meets the preset).
DEFAULT_MIN_SAVING = 0.05


def check_quality(value: int) -> int:
    """The one check of a quality's range (CLI, settings and options all use it)."""
    if not QUALITY_MIN <= value <= QUALITY_MAX:
        raise ValueError(f"quality must be between {QUALITY_MIN} and {QUALITY_MAX}")
    return value


def check_target(value: Target) -> Target:
    """The one check of a perceptual target: "auto" or a whole score in range."""
    if value != "auto" and (not isinstance(value, int) or not TARGET_MIN <= value <= TARGET_MAX):
        raise ValueError(f'the target is "auto" or a score between {TARGET_MIN} and {TARGET_MAX}')
    return value


#: The suffix of outputs written beside their originals (``photo.odnix.jpg``).
DEFAULT_SUFFIX = ".odnix"


def check_suffix(suffix: str) -> str:
    """A suffix for outputs beside the originals: a few plain characters, never a path, never
    empty (so an output never takes its original's name)."""
    if not suffix or len(suffix) > 32 or not all(c.isalnum() or c in "._-" for c in suffix) or suffix in (".", ".."):
        raise ValueError("the suffix is 1-32 letters, digits, dots, dashes or underscores, e.g. .odnix")
    return suffix


@dataclass(frozen=True, slots=True)
class CropBox:
    """A crop in source pixels of the upright image: left, top, right, bottom."""

    left: int
    top: int
    right: int
    bottom: int


@dataclass(frozen=True, slots=True)
class OwnOutput:
    """An item's earlier output, as it was when written (its size and modification time).

    A recompress may replace this file, and only while it is still exactly that file: a file
    edited, swapped or written by anyone else since is never replaced (the new output then
    takes a free ``name-N`` instead)."""

    path: Path
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> OwnOutput:
        st = path.stat()
        return cls(path, st.st_size, st.st_mtime_ns)

    @classmethod
    def maybe(cls, path: Path | None) -> OwnOutput | None:
        """``of(path)``, or None when there is no such file."""
        try:
            return cls.of(path) if path is not None else None
        except OSError:
            return None


@dataclass(frozen=True, slots=True)
class CompressOptions:
    """Everything that decides the output of one job.

    ``preset=None`` chooses per kind: ``post`` for photos, ``reel`` for clips.
    ``quality=None`` (the default) searches each JPEG photo for the lowest quality that
    reaches ``target`` (SSIMULACRA2, "auto" = the default score); a fixed ``quality``
    bypasses that search, as the seed did.
    """

    preset: str | None = None
    quality: int | None = None
    target: Target = "auto"
    max_bytes: int | None = None
    max_dimension: int | None = None
    keep_original_if_smaller: bool = True
    max_pixels: int = DEFAULT_MAX_PIXELS
    crop: CropBox | None = None
    fps_cap: int | None = None  # 24 (seed) or 30; None = the preset's
    start_seconds: float = 0.0
    keep_dates: bool = True  # outputs get their source's file times (core/dates.py)
    keep_capture_date: bool = False  # clips keep their creation_time tag, nothing else
    min_saving: float = DEFAULT_MIN_SAVING  # below this fraction saved, a source meeting the preset is kept
    #: Beside the originals: ``photo.jpg`` -> ``photo<suffix>.jpg`` in the original's folder
    #: (None: into the output folder). Never empty, never a path: an original is never the output.
    beside_suffix: str | None = None
    #: Recompressing: this item's own earlier output, replaced atomically (not in the fingerprint).
    replaces: OwnOutput | None = None

    def __post_init__(self) -> None:
        if self.beside_suffix is not None:
            check_suffix(self.beside_suffix)
        if self.quality is not None:
            check_quality(self.quality)
        check_target(self.target)
        if not 0.0 <= self.min_saving < 1.0:
            raise ValueError("the minimum saving is a percentage from 0 to 99")
        if self.max_bytes is not None and self.max_bytes <= 0:
            raise ValueError("max-bytes must be positive")
        if self.preset is not None and self.preset not in PRESETS:
            raise ValueError(f"unknown preset {self.preset!r}; choose one of {', '.join(PRESETS)}")
        if self.fps_cap not in (None, 24, 30):
            raise ValueError("the fps cap is 24 or 30")

    def preset_for(self, kind: MediaKind) -> Preset:
        if self.preset is None:
            return PRESETS["post" if kind is MediaKind.IMAGE else "reel"]
        return PRESETS[self.preset]

    @property
    def fixed_quality(self) -> int:
        """The quality for encoders that take no perceptual target (WebP, animation)."""
        return DEFAULT_QUALITY if self.quality is None else self.quality

    def fingerprint(self) -> str:
        """A stable string naming everything that changes the output (for the cache)."""
        crop = None if self.crop is None else (self.crop.left, self.crop.top, self.crop.right, self.crop.bottom)
        return repr(
            (
                self.preset,
                self.quality,
                self.target,
                self.max_bytes,
                self.max_dimension,
                self.keep_original_if_smaller,
                crop,
                self.fps_cap,
                self.start_seconds,
                self.keep_capture_date,
                self.min_saving,
                self.beside_suffix,
            )
        )


class Status(enum.Enum):
    COMPRESSED = "compressed"
    KEPT_ORIGINAL = "kept-original"
    SKIPPED = "skipped"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class QualityInfo:
    """How a photo's quality was chosen: the target score, the score reached, the probe encodes.

    ``quality`` is the encoder's (JPEG/WebP) quality, None for PNG. ``target`` is None for
    a fixed quality; ``achieved`` is None when it was not measured (a fixed quality, or a
    byte budget that forced a lower quality than the search chose).
    """

    quality: int | None
    target: float | None = None
    achieved: float | None = None
    probes: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "encoder_quality": self.quality,
            "target": self.target,
            "achieved": None if self.achieved is None else round(self.achieved, 1),
            "probes": self.probes,
        }


@dataclass(frozen=True, slots=True)
class CompressResult:
    source: Path
    status: Status
    output: Path | None = None
    before: MediaInfo | None = None
    after: MediaInfo | None = None
    error: str | None = None
    warnings: tuple[str, ...] = field(default=())
    seconds: float = 0.0
    kind: MediaKind | None = None
    preset: str | None = None
    quality: QualityInfo | None = None

    @property
    def saved_fraction(self) -> float | None:
        if self.before is None or self.after is None or self.before.bytes == 0:
            return None
        return 1.0 - self.after.bytes / self.before.bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "source": str(self.source),
            "output": None if self.output is None else str(self.output),
            "status": self.status.value,
            "error": self.error,
            "before": None if self.before is None else self.before.to_json(),
            "after": None if self.after is None else self.after.to_json(),
            "warnings": list(self.warnings),
            "seconds": round(self.seconds, 3),
            "quality": None if self.quality is None else self.quality.to_json(),
        }
