"""Memory per job: an estimate from the header, a budget for animations, and a gate so
that memory-heavy jobs do not run side by side.

Target (issue 10): under 1 GiB peak RSS for any single input at default settings with
``--jobs`` equal to the cores. Big stills are streamed by libvips (``resize.decode_streamed``)
and JPEGs are shrunk on load, so what remains heavy is a Pillow decode of a large still
(colour-managed, CMYK) and an animation, whose frames are all held at output size.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from odnix_desktop.core.errors import Cancelled, ImageTooLargeError
from odnix_desktop.core.options import CompressOptions
from odnix_desktop.core.progress import CancelToken

log = logging.getLogger(__name__)

MiB = 1 << 20
#: Frames × output pixels × 4 bytes (RGBA) an animation may hold. A 2000-frame 300×300
#: GIF (720 MB of frames) peaked at 940 MB and is refused; 400 MB of frames peaks near 600 MB.
ANIMATION_BYTES = 400 * MiB
#: Jobs together may reserve this much; a job estimated above it runs alone.
GATE_BYTES = 640 * MiB
#: Below this a job is light and never waits.
LIGHT_BYTES = 48 * MiB


class MemoryGate:
    """A counting budget: ``reserve(n)`` waits until ``n`` more bytes fit (or nothing else runs)."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._used = 0
        self._cond = threading.Condition()

    @contextmanager
    def reserve(self, nbytes: int, cancel: CancelToken | None = None, path: Path | None = None) -> Iterator[None]:
        amount = min(max(0, nbytes), self.budget)
        if amount < LIGHT_BYTES:
            yield
            return
        with self._cond:
            while self._used and self._used + amount > self.budget:
                if cancel is not None and cancel.is_set():
                    raise Cancelled(path=path)
                self._cond.wait(timeout=0.1)
            self._used += amount
        try:
            yield
        finally:
            with self._cond:
                self._used -= amount
                self._cond.notify_all()


GATE = MemoryGate(GATE_BYTES)


def image_estimate(source: Path, options: CompressOptions) -> int:
    """Bytes a photo job will hold at its peak, from the header alone (a lazy open: ~1 ms).

    Raises :class:`ImageTooLargeError` for an animation over :data:`ANIMATION_BYTES`.
    Any trouble reading the header gives 0: the pipeline reports it properly.
    """
    from PIL import Image

    from odnix_desktop.core import warn_capture
    from odnix_desktop.core.image import decode, pipeline, resize
    from odnix_desktop.core.media import MediaKind

    decode.register_plugins()
    try:
        with warn_capture.collect(), Image.open(source) as img:
            width, height, fmt, mode = img.width, img.height, (img.format or "").upper(), img.mode
            if width * height > options.max_pixels:
                return 0  # the pipeline refuses it from the header
            animated = fmt in ("GIF", "WEBP", "PNG", "AVIF") and bool(getattr(img, "is_animated", False))
            frames = int(getattr(img, "n_frames", 1) or 1) if animated else 1
    except (*decode.PILLOW_ERRORS, Image.DecompressionBombError):
        return 0
    stored = width * height
    if frames > 1:
        preset = options.preset_for(MediaKind.IMAGE)
        size = pipeline.plan_geometry((width, height), preset, options).size
        frames_bytes = frames * size[0] * size[1] * 4
        if frames_bytes > ANIMATION_BYTES:
            raise ImageTooLargeError(
                f"is an animation of {frames} frames at {size[0]}×{size[1]}: {frames_bytes / MiB:.0f} MB of "
                f"frames, over the limit of {ANIMATION_BYTES / MiB:.0f} MB (shorten it or make it smaller first)",
                path=source,
            )
        return frames_bytes + stored * 4
    if fmt in ("JPEG", "MPO") or resize.can_stream(fmt, mode, (width, height), 1):
        return 0  # shrunk on load or streamed: a few output-sized copies
    return stored * 4 * 3  # decoded, converted and resized copies
