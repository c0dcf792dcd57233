"""Encoders: small JPEGs at the seed's perceived quality, lossless-optimized PNG, WebP, animation.

Every encoder writes no metadata: no EXIF, XMP, IPTC, comments or ICC (the
pixels are sRGB by then, which is what an untagged image means).
"""

from __future__ import annotations

import io
import logging
import tempfile
from collections.abc import Sequence
from typing import Any

import oxipng
from PIL import Image

log = logging.getLogger(__name__)

# Quantisation tables (natural row-major order, as Pillow's ``qtables`` takes them):
# jpegli's quality-80 tables with every frequency where row+column >= 4 made 1.3x
# coarser. Calibrated (benchmarks/bench_images.py) so that quality 80 here gives
# about 0.9x the bytes of libjpeg quality 80 at a higher SSIMULACRA2: the eye
# keeps the low frequencies, where these tables are finer than libjpeg's.
_LUMA_80 = (
    5,
    6,
    11,
    11,
    17,
    18,
    20,
    21,
    6,
    8,
    11,
    14,
    18,
    17,
    21,
    21,
    11,
    11,
    14,
    17,
    18,
    21,
    20,
    22,
    11,
    14,
    17,
    18,
    22,
    25,
    25,
    25,
    17,
    18,
    18,
    22,
    23,
    26,
    29,
    29,
    18,
    17,
    21,
    25,
    26,
    29,
    27,
    32,
    20,
    21,
    20,
    25,
    29,
    27,
    29,
    29,
    21,
    21,
    22,
    25,
    29,
    32,
    29,
    23,
)
_CHROMA_80 = (
    5,
    5,
    10,
    8,
    14,
    13,
    16,
    17,
    5,
    7,
    9,
    10,
    13,
    12,
    14,
    16,
    10,
    9,
    13,
    12,
    13,
    13,
    14,
    16,
    8,
    10,
    12,
    12,
    14,
    14,
    16,
    17,
    14,
    13,
    13,
    14,
    10,
    17,
    13,
    16,
    13,
    12,
    13,
    14,
    17,
    14,
    17,
    25,
    16,
    14,
    14,
    16,
    13,
    17,
    26,
    25,
    17,
    16,
    16,
    17,
    16,
    25,
    25,
    203,
)
#: Greyscale has no chroma to spend bytes on; its luma table is a little finer.
GREY_QUALITY_BOOST = 3

FORMAT_EXT = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif"}


def _clean(img: Image.Image) -> Image.Image:
    """Pillow copies ``info`` (comment, xmp, exif, icc) into saves; start from nothing."""
    img.info = {}
    return img


def _libjpeg_scale(quality: int) -> float:
    q = max(1, min(100, quality))
    return 5000 / q if q < 50 else 200 - 2 * q


def quant_table(base: Sequence[int], quality: int) -> list[int]:
    """``base`` (made for quality 80) scaled to ``quality`` along libjpeg's quality curve."""
    factor = _libjpeg_scale(quality) / _libjpeg_scale(80)
    return [max(1, min(255, round(v * factor))) for v in base]


def _save_releasing_gil(img: Image.Image, **params: Any) -> bytes:
    """Pillow holds the GIL while encoding into BytesIO, not into a real file."""
    with tempfile.TemporaryFile() as fh:
        img.save(fh, **params)
        fh.seek(0)
        return fh.read()


def encode_jpeg(img: Image.Image, quality: int, progressive: bool = False) -> bytes:
    """JPEG with optimised Huffman tables, 4:2:0, and the tables above.

    ``progressive`` re-orders the same coefficients into libjpeg-turbo's default scans:
    the same pixels, 2.8% fewer bytes on the corpus for ~5 ms (1080 px). The quality
    search probes baseline (cheaper); the output is progressive. A lossless mozjpeg
    pass after it would save 4.4% more but costs ~31 ms, more than the seed's q80
    budget leaves; it does not pay. pyjpegli (jpegli with adaptive quantisation, its
    default tables and subsampling) needed 7.7% more bytes than these tables at equal
    SSIMULACRA2 82 on the corpus (issue 15, item 3).
    """
    if img.mode == "L":
        tables = [quant_table(_LUMA_80, quality + GREY_QUALITY_BOOST)]
        params: dict[str, object] = {}
    else:
        img = img if img.mode == "RGB" else img.convert("RGB")
        tables = [quant_table(_LUMA_80, quality), quant_table(_CHROMA_80, quality)]
        params = {"subsampling": "4:2:0"}
    if progressive:
        params["progressive"] = True
    return _save_releasing_gil(_clean(img), format="JPEG", qtables=tables, optimize=True, **params)


def optimise_png(data: bytes) -> bytes:
    """Lossless: colour-type reduction (palette where it pays), better deflate, no metadata."""
    return bytes(oxipng.optimize_from_memory(data, level=2, strip=oxipng.StripChunks.all()))


def encode_png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    _clean(img).save(buf, format="PNG", compress_level=1)
    return optimise_png(buf.getvalue())


def webp_quality(quality: int) -> int:
    return max(1, min(100, quality))


def encode_webp(img: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    _clean(img).save(buf, format="WEBP", quality=webp_quality(quality), method=4)
    return buf.getvalue()


def encode_still(img: Image.Image, fmt: str, quality: int) -> bytes:
    if fmt == "JPEG":
        return encode_jpeg(img, quality, progressive=True)
    if fmt == "PNG":
        return encode_png(img)
    if fmt == "WEBP":
        return encode_webp(img, quality)
    raise ValueError(f"no still encoder for {fmt}")


def encode_animation(
    frames: Sequence[Image.Image], durations: Sequence[int], loop: int, fmt: str, quality: int
) -> bytes:
    """Every frame kept, each with its own duration (ms)."""
    first, rest = _clean(frames[0]), [_clean(f) for f in frames[1:]]
    buf = io.BytesIO()
    common = {"save_all": True, "append_images": rest, "duration": list(durations), "loop": loop}
    if fmt == "GIF":
        first.save(buf, format="GIF", optimize=True, disposal=2, **common)
        return buf.getvalue()
    if fmt == "PNG":
        first.save(buf, format="PNG", compress_level=6, disposal=1, blend=0, **common)
        return buf.getvalue()
    if fmt == "WEBP":
        first.save(buf, format="WEBP", quality=webp_quality(quality), method=4, **common)
        return buf.getvalue()
    raise ValueError(f"no animation encoder for {fmt}")
