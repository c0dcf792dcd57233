"""Bring any decoded picture to 8-bit sRGB (or greyscale), keeping real transparency."""

from __future__ import annotations

import io
import logging
from functools import lru_cache
from typing import cast

from PIL import Image, ImageCms

log = logging.getLogger(__name__)

#: The modes the encoders take.
WORKING_MODES = ("L", "LA", "RGB", "RGBA")


@lru_cache(maxsize=1)
def _srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@lru_cache(maxsize=32)
def _transform(icc: bytes, in_mode: str, out_mode: str) -> ImageCms.ImageCmsTransform:
    src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    return ImageCms.buildTransform(
        src,
        _srgb(),
        in_mode,
        out_mode,
        renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
        flags=ImageCms.Flags.BLACKPOINTCOMPENSATION,
    )


def is_srgb_profile(icc: bytes) -> bool:
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        desc = (ImageCms.getProfileDescription(profile) or "").lower()
    except (OSError, ImageCms.PyCMSError):
        return False
    return "srgb" in desc or "iec61966-2" in desc or "iec 61966-2" in desc


def normalise_depth(img: Image.Image) -> Image.Image:
    """Exotic modes to one of L, LA, RGB, RGBA, CMYK (16-bit to 8-bit, palettes expanded)."""
    mode = img.mode
    if mode in WORKING_MODES or mode == "CMYK":
        return img
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        # 16-bit (or 32-bit) greyscale: scale, do not clip, to 8 bits.
        ints = img if mode == "I" else img.convert("I")
        lo, hi = cast("tuple[float, float]", ints.getextrema())  # one band: (min, max)
        shift = 8 if (hi > 255 or mode != "I") else 0
        return ints.point(lambda v: v / (1 << shift)).convert("L") if shift else ints.convert("L")
    if mode == "F":
        lo, hi = cast("tuple[float, float]", img.getextrema())  # one band: (min, max)
        scale = 255.0 if hi <= 1.0 else 1.0
        return img.point(lambda v: v * scale).convert("L")
    if mode == "1":
        return img.convert("L")
    if mode in ("P", "PA"):
        has_alpha = mode == "PA" or "transparency" in img.info
        return img.convert("RGBA" if has_alpha else "RGB")
    if mode == "La":
        return img.convert("LA")
    if mode == "RGBa":
        return img.convert("RGBA")
    if mode == "LAB":
        lab = ImageCms.createProfile("LAB")
        return ImageCms.profileToProfile(img, lab, _srgb(), outputMode="RGB") or img.convert("RGB")
    return img.convert("RGBA" if "A" in mode else "RGB")


def to_srgb(img: Image.Image, icc: bytes | None, notes: list[str]) -> Image.Image:
    """Convert colour-managed pixels to sRGB; CMYK becomes RGB; greyscale stays greyscale."""
    alpha = img.getchannel("A") if img.mode in ("RGBA", "LA") else None
    base = img.convert(img.mode[:-1]) if alpha is not None else img
    if icc and not (base.mode == "RGB" and is_srgb_profile(icc)) and base.mode != "L":
        try:
            out_mode = "RGB"
            base = ImageCms.applyTransform(base, _transform(icc, base.mode, out_mode)) or base
        except (OSError, ImageCms.PyCMSError, ValueError) as exc:
            notes.append(f"the embedded colour profile could not be used ({exc}); colours taken as sRGB")
    elif icc and base.mode == "L" and not _is_grey_profile(icc):
        notes.append("the greyscale colour profile was not applied")
    if base.mode == "CMYK":
        base = base.convert("RGB")
    if alpha is not None:
        if base.mode == "L":
            base = Image.merge("LA", (base, alpha))
        else:
            base = base.convert("RGB")
            base.putalpha(alpha)
    return base


def _is_grey_profile(icc: bytes) -> bool:
    return icc[16:20] == b"GRAY"


def drop_opaque_alpha(img: Image.Image) -> Image.Image:
    """An alpha channel that is fully opaque everywhere is dropped."""
    if img.mode not in ("RGBA", "LA"):
        return img
    lo, _hi = img.getchannel("A").getextrema()
    if lo == 255:
        return img.convert(img.mode[:-1])
    return img


def has_alpha(img: Image.Image) -> bool:
    return img.mode in ("RGBA", "LA")
