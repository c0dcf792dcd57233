"""Describe a file before any work: kind, bytes, dimensions, format (and duration/fps for clips)."""

from __future__ import annotations

from pathlib import Path

from odnix_desktop.core.errors import CorruptMediaError, OdnixError
from odnix_desktop.core.media import MediaInfo, MediaKind, sniff_kind
from odnix_desktop.core.options import DEFAULT_MAX_PIXELS


def describe(path: Path, max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[MediaKind, MediaInfo]:
    """Read only headers (never the pixels). Raises :class:`OdnixError` with a reason."""
    kind = sniff_kind(path)
    size = path.stat().st_size
    if kind is MediaKind.IMAGE:
        from odnix_desktop.core.image.decode import open_image

        opened = open_image(path, max_pixels)
        try:
            w, h = opened.upright_size
            return kind, MediaInfo(size, w, h, opened.format, frames=opened.frames if opened.frames > 1 else None)
        finally:
            opened.image.close()
    from odnix_desktop.core.video import probe as video_probe

    try:
        return kind, video_probe.probe(path).media_info()
    except OdnixError:
        raise
    except (OSError, ValueError) as exc:  # pragma: no cover - defensive
        raise CorruptMediaError(str(exc), path=path) from None
