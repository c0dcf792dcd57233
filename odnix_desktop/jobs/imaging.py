"""Pictures for the window, made on worker threads: thumbnails, full photos, video frames.

Everything here returns a ``QImage`` (safe off the GUI thread); the GUI thread turns
it into a ``QPixmap``. Pipelines are imported lazily, inside the workers.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QImage

from odnix_desktop.core.errors import CorruptMediaError, OdnixError
from odnix_desktop.core.options import DEFAULT_MAX_PIXELS


def pil_to_qimage(img) -> QImage:  # PIL.Image.Image -> QImage (deep copy)
    if img.mode != "RGBA":
        img = img.convert("RGBA")
    w, h = img.size
    data = img.tobytes("raw", "RGBA")
    return QImage(data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()


def load_upright(path: Path, max_side: int | None = None):
    """The photo's first frame, upright (EXIF orientation applied), optionally reduced."""
    from PIL import Image

    from odnix_desktop.core.image import colour, decode

    opened = decode.open_image(path, DEFAULT_MAX_PIXELS)
    try:
        draft = None
        if max_side is not None:
            w, h = opened.stored_size
            scale = min(1.0, max_side / max(w, h))
            draft = (w * scale, h * scale)
        img = decode.load(opened, path, draft)
        try:
            img.seek(0)
        except EOFError:  # pragma: no cover
            pass
        img = colour.normalise_depth(img.convert("RGBA") if img.mode in ("P", "PA", "LA") else img)
        img = decode.upright(img, opened.orientation)
        if max_side is not None and max(img.size) > max_side:
            img = img.copy()
            img.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        elif img is opened.image:
            img = img.copy()
        return img
    except (OSError, ValueError) as exc:
        raise CorruptMediaError(f"cannot be shown ({exc})", path=path) from None
    finally:
        opened.image.close()


def image_thumbnail(path: Path, side: int) -> QImage:
    return pil_to_qimage(load_upright(path, side))


def video_frame(path: Path, t: float, max_size: tuple[int, int]) -> QImage:
    """One frame at ``t`` seconds, from the video pipeline's frame function."""
    try:
        from odnix_desktop.core.video.frames import frame_at
    except ImportError as exc:
        raise OdnixError(f"video frames are not available yet ({exc})") from None
    return pil_to_qimage(frame_at(path, t, max_size))
