"""Opening images safely: by content, with a bomb limit, and with JPEG draft decoding."""

from __future__ import annotations

import logging
import math
import struct
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from odnix_desktop.core import warn_capture
from odnix_desktop.core.errors import CorruptMediaError, ImageTooLargeError, UnsupportedMediaError
from odnix_desktop.core.options import DEFAULT_MAX_PIXELS

log = logging.getLogger(__name__)

# Our own limit (options.max_pixels) is checked on the header before any pixel is
# decoded, with a message for a person. Pillow's own check stays on as a backstop
# (it raises DecompressionBombError above 2 × MAX_IMAGE_PIXELS = 2 gigapixels): a GIF
# frame placed far outside the canvas grows the picture while frames are read, after
# our header check (the fuzzer found one that asked for 2.25 gigapixels).
Image.MAX_IMAGE_PIXELS = 4 * DEFAULT_MAX_PIXELS
#: What Pillow raises on damaged data besides OSError (the fuzzer found IndexError and
#: struct.error in the GIF reader while counting frames).
PILLOW_ERRORS = (OSError, SyntaxError, ValueError, IndexError, KeyError, TypeError, EOFError, struct.error)

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
        with warn_capture.collect() as caught:
            img = Image.open(path)
    except UnidentifiedImageError:
        raise UnsupportedMediaError("is not an image Pillow can read (unknown or damaged content)", path=path) from None
    except Image.DecompressionBombError as exc:
        raise ImageTooLargeError(str(exc), path=path) from None
    except PILLOW_ERRORS as exc:
        raise CorruptMediaError(f"is damaged and cannot be opened ({exc})", path=path) from None
    try:
        return _checked(img, path, max_pixels, [*notes, *_exif_notes(caught)])
    except BaseException:
        img.close()  # refused before any pixel: do not leave the file open
        raise


def _exif_notes(caught: list[str]) -> list[str]:
    notes = []
    for warning in caught:
        if "EXIF" in warning:
            notes.append(f"the EXIF block is damaged ({warning}); it was ignored")
    return notes


def _checked(img: Image.Image, path: Path, max_pixels: int, notes: list[str]) -> Opened:
    width, height = img.size
    if width <= 0 or height <= 0:
        raise CorruptMediaError("declares an empty picture (0 pixels)", path=path)
    try:
        frames = int(getattr(img, "n_frames", 1) or 1)
    except Image.DecompressionBombError as exc:
        raise ImageTooLargeError(f"a frame is too large to decode safely ({exc})", path=path) from None
    except PILLOW_ERRORS as exc:
        raise CorruptMediaError(
            f"is damaged: its frames cannot be read ({type(exc).__name__}: {exc})", path=path
        ) from None
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
    if img.format == "PNG" and "exif" not in img.info:
        # Pillow's PNG getexif() decodes every pixel to look for an eXIf chunk after the
        # image data (2.2 GB for a 15000×15000 PNG); one before it is already in info.
        return 1
    try:
        with warn_capture.collect() as caught:
            value = img.getexif().get(0x0112, 1)
    except Exception as exc:  # noqa: BLE001 - Pillow raises many types on bad EXIF
        notes.append(f"the EXIF block is unreadable ({type(exc).__name__}); orientation assumed upright")
        return 1
    if caught:
        notes.append(f"the EXIF block is damaged ({caught[0]}); it was ignored")
    try:
        value = int(value)
    except (TypeError, ValueError):
        value = 0
    if value not in ORIENTATION_TRANSPOSE:
        notes.append(f"EXIF orientation {value!r} is not valid; assumed upright")
        return 1
    return value


def streamable(opened: Opened, crop: tuple[int, int, int, int] | None) -> bool:
    """Whether libvips may decode this still as a stream (see ``resize.decode_streamed``).

    A crop is in upright pixels, so it is only taken when no turn is needed; a TIFF
    only without an orientation tag (Pillow turns TIFFs while loading, libvips does not).
    """
    from odnix_desktop.core.image import resize

    if not resize.can_stream(opened.format, opened.image.mode, opened.stored_size, opened.frames):
        return False
    if crop is not None and opened.orientation != 1:
        return False
    if opened.format == "TIFF":
        try:
            return int(opened.image.getexif().get(0x0112, 1) or 1) == 1
        except Exception:  # noqa: BLE001 - a damaged EXIF block: leave it to Pillow
            return False
    return True


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
    except Image.DecompressionBombError as exc:
        raise ImageTooLargeError(f"is too large to decode safely ({exc})", path=path) from None
    except PILLOW_ERRORS as exc:
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
