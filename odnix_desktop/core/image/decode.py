"""Opening images safely: by content, with a bomb limit, and with JPEG draft decoding."""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from odnix_desktop.core.errors import CorruptMediaError, ImageTooLargeError, UnsupportedMediaError

log = logging.getLogger(__name__)

# Our own limit (options.max_pixels) is checked on the header before any pixel is
# decoded; Pillow's global one would refuse large-but-legitimate photos first.
Image.MAX_IMAGE_PIXELS = None

_heif_registered = False


def register_plugins() -> None:
    """Teach Pillow HEIC/HEIF (pillow-heif). AVIF is built into Pillow >= 11.2."""
    global _heif_registered
    if _heif_registered:
        return
    try:
        import pillow_heif

        pillow_heif.register_heif_opener()
    except ImportError:  # pragma: no cover - a packaging fault, reported on use
        log.warning("pillow-heif is not installed: HEIC photos cannot be read")
    _heif_registered = True


#: EXIF orientation -> the transposes that make the stored pixels upright.
ORIENTATION_TRANSPOSE: dict[int, tuple[Image.Transpose, ...]] = {
    1: (),
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}


@dataclass(frozen=True, slots=True)
class Opened:
    image: Image.Image
    format: str
    stored_size: tuple[int, int]
    orientation: int
    frames: int
    warnings: tuple[str, ...]

    @property
    def upright_size(self) -> tuple[int, int]:
        w, h = self.stored_size
        return (h, w) if self.orientation in (5, 6, 7, 8) else (w, h)


def open_image(path: Path, max_pixels: int) -> Opened:
    """Open ``path`` lazily (header only) and check it before any pixel is decoded."""
    register_plugins()
    notes: list[str] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            img = Image.open(path)
    except UnidentifiedImageError:
        raise UnsupportedMediaError("is not an image Pillow can read (unknown or damaged content)", path=path) from None
    except Image.DecompressionBombError as exc:
        raise ImageTooLargeError(str(exc), path=path) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise CorruptMediaError(f"is damaged and cannot be opened ({exc})", path=path) from None
    for warning in caught:
        if "EXIF" in str(warning.message):
            notes.append(f"the EXIF block is damaged ({str(warning.message).strip()}); it was ignored")
    width, height = img.size
    if width <= 0 or height <= 0:
        raise CorruptMediaError("declares an empty picture (0 pixels)", path=path)
    frames = int(getattr(img, "n_frames", 1) or 1)
    fmt = (img.format or "").upper()
    if fmt == "MPO":  # phone JPEGs with a depth map or preview: the first picture is the photo
        frames = 1
    declared = width * height
    if declared > max_pixels:
        raise ImageTooLargeError(
            f"declares {width}×{height} = {declared / 1e6:.0f} megapixels, over the limit of "
            f"{max_pixels / 1e6:.0f} megapixels (possible decompression bomb); nothing was decoded",
            path=path,
        )
    if frames > 1 and declared * frames > max_pixels * 4:
        raise ImageTooLargeError(
            f"declares {frames} frames of {width}×{height}, too many pixels to decode safely",
            path=path,
        )
    orientation = read_orientation(img, notes)
    if fmt == "TIFF":
        # Pillow reports a TIFF's size already turned and turns its pixels while loading.
        orientation = 1
    return Opened(img, fmt, (width, height), orientation, frames, tuple(notes))


def read_orientation(img: Image.Image, notes: list[str]) -> int:
    """The EXIF orientation (1..8); a corrupt EXIF block gives 1 and a warning."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            value = img.getexif().get(0x0112, 1)
    except Exception as exc:  # noqa: BLE001 - Pillow raises many types on bad EXIF
        notes.append(f"the EXIF block is unreadable ({type(exc).__name__}); orientation assumed upright")
        return 1
    if caught:
        notes.append(f"the EXIF block is damaged ({caught[0].message}); it was ignored")
    try:
        value = int(value)
    except (TypeError, ValueError):
        value = 0
    if value not in ORIENTATION_TRANSPOSE:
        notes.append(f"EXIF orientation {value!r} is not valid; assumed upright")
        return 1
    return value


def stored_box(upright_box: tuple[int, int], orientation: int) -> tuple[int, int]:
    w, h = upright_box
    return (h, w) if orientation in (5, 6, 7, 8) else (w, h)


def load(opened: Opened, path: Path, draft_size: tuple[float, float] | None) -> Image.Image:
    """Decode the pixels, at a DCT-reduced scale when the JPEG is much larger than needed.

    ``draft_size`` is in stored (not upright) pixels: the smallest size the
    decoded picture must still have in each dimension.
    """
    img = opened.image
    if draft_size is not None and opened.format in ("JPEG", "MPO"):
        want = (max(1, math.ceil(draft_size[0])), max(1, math.ceil(draft_size[1])))
        if want[0] < img.size[0] and want[1] < img.size[1]:
            img.draft(None, want)
    try:
        img.load()
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise CorruptMediaError(_describe_load_error(exc), path=path) from None
    return img


def _describe_load_error(exc: BaseException) -> str:
    text = str(exc)
    if "truncated" in text.lower() or isinstance(exc, EOFError):
        return f"is truncated: the file ends before the picture does ({text})"
    return f"is damaged and cannot be decoded ({text})"


def upright(img: Image.Image, orientation: int) -> Image.Image:
    for op in ORIENTATION_TRANSPOSE[orientation]:
        img = img.transpose(op)
    return img
