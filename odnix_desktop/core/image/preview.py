"""A photo as a person sees it, for showing (thumbnails, the compare view, the crop dialog):
the first frame, upright, in 8-bit RGB(A), optionally reduced. No Qt: the window's jobs turn
the Pillow image into a ``QImage``."""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image

from odnix_desktop.core.errors import CorruptMediaError
from odnix_desktop.core.image import colour, decode
from odnix_desktop.core.options import DEFAULT_MAX_PIXELS


def load_upright(path: Path, max_side: int | None = None) -> Image.Image:
    """The photo's first frame, upright (EXIF orientation applied), optionally reduced."""
    opened = decode.open_image(path, DEFAULT_MAX_PIXELS)
    try:
        draft: tuple[int, int] | None = None
        if max_side is not None:
            w, h = opened.stored_size
            scale = min(1.0, max_side / max(w, h))
            draft = (math.ceil(w * scale), math.ceil(h * scale))
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
