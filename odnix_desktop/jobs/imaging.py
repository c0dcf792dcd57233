"""Pictures for the window, made on worker threads: thumbnails, full photos, video frames.

Everything here returns a ``QImage`` (safe off the GUI thread); the GUI thread turns
it into a ``QPixmap``. Pipelines are imported lazily, inside the workers.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QImage

if TYPE_CHECKING:
    from PIL.Image import Image


def pil_to_qimage(img: Image) -> QImage:
    """A deep copy, so the ``QImage`` outlives the Pillow image."""
    if img.mode != "RGBA":
        img = img.convert("RGBA")
    w, h = img.size
    data = img.tobytes("raw", "RGBA")
    return QImage(data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()


def image_thumbnail(path: Path, side: int) -> QImage:
    from odnix_desktop.core.image.preview import load_upright

    return pil_to_qimage(load_upright(path, side))


def upright_image(path: Path) -> QImage:
    """The whole photo, upright (the compare view)."""
    from odnix_desktop.core.image.preview import load_upright

    return pil_to_qimage(load_upright(path))


def video_frame(path: Path, t: float, max_size: tuple[int, int]) -> QImage:
    """One frame at ``t`` seconds, from the video pipeline's frame function."""
    from odnix_desktop.core.video.frames import frame_at

    return pil_to_qimage(frame_at(path, t, max_size))
