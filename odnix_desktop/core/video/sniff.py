"""Judging a file no magic number matched: ask the bundled ffmpeg's demuxers."""

from __future__ import annotations

import logging
from pathlib import Path

from odnix_desktop.core.errors import OdnixError, UnsupportedMediaError
from odnix_desktop.core.media import MediaKind
from odnix_desktop.core.video.probe import parse_info, probe_args
from odnix_desktop.core.video.tool import ffmpeg_exe, run_quick

log = logging.getLogger(__name__)

#: Seconds the content fallback of :func:`sniff_with_ffmpeg` may take per file.
SNIFF_TIMEOUT_S = 20.0


def sniff_with_ffmpeg(source: Path) -> MediaKind | None:
    """Ask ffmpeg's demuxers what an unrecognised file is: VIDEO, IMAGE, or None (unknown).

    Used only when no magic number matched, so a folder of documents costs one short
    ffmpeg run per unknown file. A file ffmpeg reads as audio only is refused here.
    """
    try:
        result = run_quick(probe_args(ffmpeg_exe(), source), timeout=SNIFF_TIMEOUT_S)
    except OdnixError as exc:
        log.info("ffmpeg could not judge %s: %s", source, exc)
        return None
    info = parse_info(result.stderr.decode("utf-8", errors="replace"))
    if info.container is None:
        return None
    if info.videos:
        still = info.container.endswith("_pipe") or info.container in ("image2", "gif", "webp", "apng")
        return MediaKind.IMAGE if still else MediaKind.VIDEO
    if info.audios:
        raise UnsupportedMediaError("holds only audio, no video stream", path=source)
    return None
