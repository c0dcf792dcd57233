"""Lanczos resizing: libvips where it can (several times faster than Pillow, and it
releases the GIL), Pillow otherwise (alpha, exotic modes, or no libvips)."""

from __future__ import annotations

import logging
from pathlib import Path

from PIL import Image

from odnix_desktop.core.media import open_regular

log = logging.getLogger(__name__)

_VIPS_FORMATS = {"L": 1, "RGB": 3, "CMYK": 4}

try:
    import pyvips

    # One thread per call: the app already runs one image job per core.
    pyvips.concurrency_set(1)
    pyvips.cache_set_max(0)
    # libvips reports harmless header oddities ("unknown EXIF resolution unit") as
    # warnings; real decode failures raise pyvips.Error and are handled.
    logging.getLogger("pyvips").setLevel(logging.ERROR)
except (ImportError, OSError) as exc:  # pragma: no cover - wheel missing on some platform
    pyvips = None
    log.info("libvips unavailable (%s); resizing with Pillow", exc)


def lanczos(img: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Resize to exactly ``size`` with a Lanczos-3 kernel."""
    if img.size == size:
        return img
    bands = _VIPS_FORMATS.get(img.mode)
    if pyvips is None or bands is None:
        return img.resize(size, Image.Resampling.LANCZOS)
    v = pyvips.Image.new_from_memory(img.tobytes(), img.width, img.height, bands, "uchar")
    v = v.resize(size[0] / img.width, vscale=size[1] / img.height, kernel="lanczos3")
    if (v.width, v.height) != size:  # rounding in libvips: crop or pad one pixel
        v = v.gravity("centre", size[0], size[1], extend="copy")
    out = Image.frombytes(img.mode, size, v.write_to_memory())
    out.info = dict(img.info)
    return out


def can_decode_jpeg_fitted(fmt: str, mode: str) -> bool:
    return pyvips is not None and fmt in ("JPEG", "MPO") and mode in ("RGB", "L")


def shrink_factor(stored: tuple[int, int], target: tuple[int, int], headroom: float) -> int:
    """Largest JPEG DCT shrink (1, 2, 4, 8) that keeps ``headroom`` × the target in both directions."""
    for factor in (8, 4, 2):
        if stored[0] / factor >= target[0] * headroom and stored[1] / factor >= target[1] * headroom:
            return factor
    return 1


class JpegDecodeError(Exception):
    """libvips could not decode the JPEG; ``truncated`` tells the usual case apart."""

    def __init__(self, message: str, truncated: bool) -> None:
        super().__init__(message)
        self.truncated = truncated


def decode_jpeg_fitted(
    path: str, mode: str, stored: tuple[int, int], target: tuple[int, int], headroom: float
) -> Image.Image:
    """Decode a JPEG with DCT shrink-on-load and Lanczos it to ``target`` (stored orientation).

    Runs entirely in libvips, which releases the GIL: Pillow's JPEG decoder holds
    it, so with threads the decode would run one at a time.
    """
    assert pyvips is not None
    factor = shrink_factor(stored, target, headroom)
    # Loaded from an open descriptor, never by name: ``new_from_file`` reads options out
    # of a name (``x.jpg[shrink=2]`` would load ``x.jpg``), and a FIFO is refused unopened.
    with open_regular(Path(path)) as fh:
        return _decode_jpeg_fd(fh.fileno(), mode, factor, target)


def _decode_jpeg_fd(fd: int, mode: str, factor: int, target: tuple[int, int]) -> Image.Image:
    assert pyvips is not None
    try:
        source = pyvips.Source.new_from_descriptor(fd)
        v = pyvips.Image.new_from_source(source, "", shrink=factor, access="sequential", fail_on="truncated")
        if v.bands != _VIPS_FORMATS[mode]:
            v = v.colourspace("b-w" if mode == "L" else "srgb")[: _VIPS_FORMATS[mode]]
        if (v.width, v.height) != target:
            v = v.resize(target[0] / v.width, vscale=target[1] / v.height, kernel="lanczos3")
            if (v.width, v.height) != target:
                v = v.gravity("centre", target[0], target[1], extend="copy")
        data = v.write_to_memory()
    except pyvips.Error as exc:
        text = " ".join(str(exc).split())
        lowered = text.lower()
        raise JpegDecodeError(text, "premature end" in lowered or "truncated" in lowered) from None
    return Image.frombytes(mode, target, data)


#: Stills with more pixels than this are decoded by libvips as a stream (rows in, shrunk
#: rows out) instead of whole by Pillow. Measured on a 15000×15000 single-colour PNG:
#: Pillow peaked at 2.2 GB, the stream at 113 MB (and 2.1 s instead of 6.4 s).
STREAM_PIXELS = 16_000_000
_STREAM_FORMATS = frozenset({"PNG", "WEBP", "GIF", "TIFF"})
_STREAM_MODES = frozenset({"1", "L", "LA", "RGB", "RGBA", "P", "PA", "I;16", "I;16B", "I;16L", "CMYK"})
_MODE_FOR_BANDS = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}


def can_stream(fmt: str, mode: str, stored: tuple[int, int], frames: int) -> bool:
    """A big still libvips can stream (CMYK and colour-managed ones too: see ``to_srgb``)."""
    return (
        pyvips is not None
        and frames == 1
        and fmt in _STREAM_FORMATS
        and mode in _STREAM_MODES
        and stored[0] * stored[1] > STREAM_PIXELS
    )


def decode_streamed(
    path: Path, target: tuple[int, int], crop: tuple[int, int, int, int] | None, *, to_srgb: bool = False
) -> tuple[Image.Image, bool]:
    """Decode a big still with libvips in sequential access: crop (stored pixels), Lanczos
    to ``target``, 8-bit out. Memory stays a few rows of the source, not the whole picture.

    With ``to_srgb`` (CMYK, or a profile that is not sRGB) libvips converts to sRGB with the
    embedded profile (a standard CMYK one when none is embedded); the second value tells
    whether it did (a profile it cannot use leaves the pixels as they are, for Pillow).
    Raises :class:`JpegDecodeError` (whose name is historical) when libvips cannot decode it.
    """
    if to_srgb:
        try:
            return _streamed(path, target, crop, True), True
        except JpegDecodeError as exc:
            log.info("libvips could not use the colour profile of %s (%s); decoding without it", path, exc)
    return _streamed(path, target, crop, False), False


def _streamed(path: Path, target: tuple[int, int], crop: tuple[int, int, int, int] | None, icc: bool) -> Image.Image:
    assert pyvips is not None
    with open_regular(path) as fh:
        try:
            source = pyvips.Source.new_from_descriptor(fh.fileno())
            v = pyvips.Image.new_from_source(source, "", access="sequential", fail_on="truncated")
            if icc:
                v = v.icc_transform("srgb", embedded=True, intent="relative")
            elif v.interpretation == "cmyk":
                v = v.colourspace("srgb")
            if v.format != "uchar" or v.bands > 4:
                v = v.colourspace("b-w" if v.bands < 3 else "srgb")[: 2 if v.bands in (1, 2) else 4]
            if crop is not None:
                v = v.crop(crop[0], crop[1], crop[2] - crop[0], crop[3] - crop[1])
            alpha = v.bands in (2, 4)
            if alpha:
                v = v.premultiply()
            v = v.resize(target[0] / v.width, vscale=target[1] / v.height, kernel="lanczos3")
            if alpha:
                v = v.unpremultiply()
            if (v.width, v.height) != target:
                v = v.gravity("centre", target[0], target[1], extend="copy")
            v = v.cast("uchar")
            bands = v.bands
            data = v.write_to_memory()
        except pyvips.Error as exc:
            text = " ".join(str(exc).split())
            lowered = text.lower()
            raise JpegDecodeError(text, "premature end" in lowered or "truncated" in lowered) from None
    return Image.frombytes(_MODE_FOR_BANDS[bands], target, data)
