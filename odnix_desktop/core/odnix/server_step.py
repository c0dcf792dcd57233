"""A local simulation of the Odnix server's processing, with the server's own calls.

Images: the Pillow calls of ``post_scribe`` (posts) and ``handle_media_upload`` (chat), in
the same order with the same arguments. Clips: ``compress_video``'s ffmpeg arguments, and its
rules (under 512 KiB stored as sent; a re-encode larger than the upload thrown away).

The server runs Pillow 11.0 / libwebp 1.4 and the ffmpeg 4.2.2 of imageio-ffmpeg 0.4; we run
newer builds, so the simulated bytes are close to, not identical with, what the server stores
(``benchmarks/bench_odnix.py`` measures how close).
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps

from odnix_desktop.core.errors import CorruptMediaError, OdnixError
from odnix_desktop.core.odnix.profile import ImageStep, VideoStep
from odnix_desktop.core.progress import CancelToken, Report, no_report
from odnix_desktop.core.video.command import progress_args

log = logging.getLogger(__name__)

#: Pixels the simulation decodes at most (the server's own limit is 5000 px per side).
MAX_PIXELS = 5000 * 5000
#: ``compress_video`` accepts a re-encode larger than the upload only for uploads over 50 MiB.
KEEP_LARGER_ABOVE = 50 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ServerImage:
    """What the server would store for an image, and what it did to get there."""

    data: bytes
    format: str
    size: tuple[int, int]
    uploaded_size: tuple[int, int]  # upright
    uploaded_format: str
    uploaded_bytes: int
    had_alpha: bool  # the upload had real transparency
    stored_as_sent: bool

    @property
    def resized(self) -> bool:
        return self.size != self.uploaded_size

    def image(self) -> Image.Image:
        with Image.open(io.BytesIO(self.data)) as img:
            return img.convert("RGBA") if "A" in img.getbands() else img.convert("RGB")


def has_real_alpha(img: Image.Image) -> bool:
    """Any pixel not fully opaque (palette transparency included)."""
    if img.mode == "P" and "transparency" in img.info:
        img = img.convert("RGBA")
    if "A" not in img.getbands():
        return False
    extrema = img.getchannel("A").getextrema()
    low: Any = extrema[0] if isinstance(extrema, tuple) else extrema
    return bool(low < 255)


def simulate_image(data: bytes, step: ImageStep) -> ServerImage:
    """The server's image step on ``data`` (the bytes as uploaded)."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            if opened.width * opened.height > MAX_PIXELS:
                raise CorruptMediaError(f"is {opened.width}×{opened.height} px, over the server's 5000 px per side")
            fmt = (opened.format or "").upper()
            alpha = has_real_alpha(opened)
            if fmt in step.untouched_formats:
                img = ImageOps.exif_transpose(opened)
                return ServerImage(data, fmt, img.size, img.size, fmt, len(data), alpha, True)
            out, size, uploaded = _server_pillow_calls(opened, step, fmt)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise CorruptMediaError(f"cannot be read as the server would read it ({exc})") from None
    out_fmt = step.format or fmt
    return ServerImage(out, out_fmt, size, uploaded, fmt, len(data), alpha, False)


def _server_pillow_calls(
    opened: Image.Image, step: ImageStep, fmt: str
) -> tuple[bytes, tuple[int, int], tuple[int, int]]:
    """``post_scribe`` / ``handle_media_upload``, call for call."""
    img = ImageOps.exif_transpose(opened)
    uploaded = img.size
    if img.width > step.box or img.height > step.box:
        img.thumbnail((step.box, step.box), Image.Resampling.LANCZOS)
    output_io = io.BytesIO()
    if step.format == "WEBP":  # posts: always WebP, alpha dropped
        if img.mode != "RGB":
            img = img.convert("RGB")
        img.save(output_io, format="WEBP", quality=step.quality, optimize=True)
    elif fmt == "JPEG":  # chat: the uploaded format is kept
        if img.mode != "RGB":
            img = img.convert("RGB")
        img.save(output_io, format="JPEG", quality=step.quality, optimize=True)
    elif fmt == "PNG":
        img.save(output_io, format="PNG", optimize=True)
    elif fmt == "WEBP":
        img.save(output_io, format="WEBP", quality=step.quality, optimize=True)
    else:
        raise ValueError(f"the server does not re-encode {fmt} images here")
    return output_io.getvalue(), img.size, uploaded


# --------------------------------------------------------------------------- clips
def server_video_args(exe: Path, source: Path, dest: Path, step: VideoStep) -> list[str]:
    """``compress_video``'s command, argument for argument, plus what only changes how it runs
    here: no banner, no stdin, errors only, progress on stdout, and the ``file:`` protocol."""
    return [
        str(exe),
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-y",
        "-i",
        f"file:{source.resolve()}",
        "-vcodec",
        "libx264",
        "-crf",
        str(step.crf),
        "-preset",
        step.x264_preset,
        "-vf",
        f"scale=-2:{step.height}",
        "-acodec",
        "aac",
        "-b:a",
        f"{step.audio_bitrate_k}k",
        "-movflags",
        "+faststart",
        *progress_args(),
        f"file:{dest.resolve()}",
    ]


@dataclass(frozen=True, slots=True)
class ServerClip:
    """What the server would store for a clip: ``path`` is the upload itself when stored as sent."""

    path: Path
    stored_as_sent: bool
    reason: str  # "under 512 KiB", "re-encoded", "re-encode larger than the upload"


def simulate_video(
    source: Path,
    dest: Path,
    step: VideoStep,
    *,
    duration: float | None = None,
    report: Report = no_report,
    cancel: CancelToken | None = None,
) -> ServerClip:
    """Run the server's step on ``source``; ``dest`` (an .mp4 path) receives a re-encode."""
    from odnix_desktop.core.video.ffmpeg_run import run_ffmpeg
    from odnix_desktop.core.video.tool import ffmpeg_exe

    size = source.stat().st_size
    if size < step.stored_as_sent_below:
        return ServerClip(source, True, f"under {step.stored_as_sent_below // 1024} KB: stored as sent")
    try:
        run_ffmpeg(
            server_video_args(ffmpeg_exe(), source, dest, step),
            path=source,
            expected_duration=duration,
            report=report,
            cancel=cancel,
            stage="simulating Odnix",
            doing="simulating the server's re-encode",
        )
    except OdnixError as exc:
        log.warning("the server's re-encode failed here too; it keeps the upload: %s", exc)
        dest.unlink(missing_ok=True)
        return ServerClip(source, True, "the server's re-encode fails on it: stored as sent")
    if step.keeps_upload_if_smaller and dest.stat().st_size > size and size <= KEEP_LARGER_ABOVE:
        dest.unlink(missing_ok=True)
        return ServerClip(source, True, "the server's re-encode is larger than the upload: stored as sent")
    return ServerClip(dest, False, f"{size // 1024} KB, over {step.stored_as_sent_below // 1024} KB: re-encoded")
