"""One frame of a clip as a Pillow image, fast, for the before/after view."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from odnix_desktop.core.errors import CorruptMediaError
from odnix_desktop.core.video import command, diagnose
from odnix_desktop.core.video.probe import VideoProbe, probe
from odnix_desktop.core.video.tool import ffmpeg_exe, run_quick

log = logging.getLogger(__name__)

#: Seconds before the end used when ``t`` is past it.
END_MARGIN_S = 0.1


def frame_at(
    path: Path,
    t: float,
    max_size: int | tuple[int, int] = 1080,
    *,
    info: VideoProbe | None = None,
) -> Image.Image:
    """The frame shown at ``t`` seconds, upright, fitted inside ``max_size`` (never upscaled).

    Input seeking makes this cost one keyframe-to-``t`` decode, not the clip up to ``t``.
    HDR clips are tone-mapped as in the pipeline, so before and after compare fairly.
    Pass ``info`` (a probe of ``path``) to skip probing again.
    """
    info = info if info is not None else probe(path)
    box = (max_size, max_size) if isinstance(max_size, int) else max_size
    size = command.preview_size(*info.display_size, box)
    t = max(0.0, t)
    if info.duration is not None:
        t = min(t, max(0.0, info.duration - END_MARGIN_S))
    colour = command.source_colour(info)
    exe = ffmpeg_exe()
    for attempt in (t, max(0.0, t - 1.0), 0.0):
        result = run_quick(command.frame_args(exe, path, attempt, info.video.index, colour, size))
        if result.stdout:
            try:
                with Image.open(io.BytesIO(result.stdout)) as img:
                    img.load()
                    return img.convert("RGB")
            except (UnidentifiedImageError, OSError) as exc:
                log.debug("unreadable frame from ffmpeg at %.3f s: %s", attempt, exc)
        if attempt == 0.0:
            break
    lines = result.stderr.decode("utf-8", errors="replace").splitlines()
    detail = diagnose.meaningful_line(lines)
    raise CorruptMediaError(f"no frame could be decoded at {t:.2f} s" + (f": {detail}" if detail else ""), path=path)
