"""Encoders: small JPEGs at the seed's perceived quality, lossless-optimized PNG, WebP, animation.

Every encoder writes no metadata: no EXIF, XMP, IPTC, comments or ICC (the
pixels are sRGB by then, which is what an untagged image means).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence

import mozjpeg_lossless_optimization as mozjpeg_lossless
import oxipng
import pyjpegli
from PIL import Image

log = logging.getLogger(__name__)

#: jpegli reaches the seed's SSIMULACRA2 at libjpeg q80 with about +4 quality
#: points (measured in benchmarks/bench_images.py); the lossless mozjpeg pass
#: that follows does not change a pixel.
JPEGLI_QUALITY_OFFSET = 4

FORMAT_EXT = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif"}


def _clean(img: Image.Image) -> Image.Image:
    """Pillow copies ``info`` (comment, xmp, exif, icc) into saves; start from nothing."""
    img.info = {}
    return img


def jpegli_quality(quality: int) -> int:
    return max(1, min(100, quality + JPEGLI_QUALITY_OFFSET))


def encode_jpeg(img: Image.Image, quality: int) -> bytes:
    """JPEG from an L or RGB image: jpegli at the seed-equivalent quality, then a lossless pass."""
    if img.mode == "L":
        buf = io.BytesIO()
        _clean(img).save(buf, format="JPEG", quality=quality, optimize=True)
        data = buf.getvalue()
    else:
        rgb = img if img.mode == "RGB" else img.convert("RGB")
        data = pyjpegli.encode(rgb.tobytes(), rgb.width, rgb.height, jpegli_quality(quality))
    try:
        return bytes(mozjpeg_lossless.optimize(data))
    except ValueError:  # pragma: no cover - keep the plain encode if the pass refuses
        log.warning("lossless JPEG pass failed; keeping the plain encode")
        return data


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
        return encode_jpeg(img, quality)
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
