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
