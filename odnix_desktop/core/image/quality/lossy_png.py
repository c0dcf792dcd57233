"""Photo-like transparent images: a lossy PNG when it still looks right.

A cut-out product shot (RGBA, thousands of colours) stays a lossless PNG and can be
huge. Rounding its colour channels to a coarser step (posterising) before the
lossless PNG coder cuts it to a third or less, and the alpha channel is not touched
at all: nothing is flattened, no edge changes. Fully transparent pixels get colour 0
(invisible, and free to compress). The coarsest step whose SSIMULACRA2 reaches the
target is kept; the score is taken on the picture composited on a dark and on a
light background (the reference tool's rule for alpha), the lower of the two, on
the search's tile sample. The caller keeps the lossless PNG when it is smaller.

Palette quantisation was measured first: Pillow's FASTOCTREE (its one built-in method
that keeps alpha) scores 37-68 on generated cut-outs and moves alpha by up to 61
levels, so it never qualifies; libimagequant (the ``imagequant`` package) does better
but is GPLv3 or commercial, which this proprietary app cannot ship without a licence.
"""

from __future__ import annotations

import logging

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from odnix_desktop.core.image.quality.search import mosaic
from odnix_desktop.core.image.quality.ssim2 import Reference

log = logging.getLogger(__name__)

BACKGROUNDS = (26, 230)  # 0.1 and 0.9 of white, as ssimulacra2 composites alpha


def _on(rgba: NDArray[np.uint8], grey: int) -> NDArray[np.uint8]:
    a = rgba[..., 3:4].astype(np.float32) / 255.0
    out = rgba[..., :3].astype(np.float32) * a + grey * (1.0 - a)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def looks(original: NDArray[np.uint8], candidate: NDArray[np.uint8]) -> float:
    """SSIMULACRA2 of an RGBA candidate: the lower score on a dark and on a light background."""
    return min(Reference(mosaic(_on(original, g))).score(mosaic(_on(candidate, g))) for g in BACKGROUNDS)


def posterise(rgba: NDArray[np.uint8], step: int) -> NDArray[np.uint8]:
    out = rgba.copy()
    rgb = (rgba[..., :3].astype(np.int16) + step // 2) // step * step
    out[..., :3] = np.minimum(rgb, 255).astype(np.uint8)
    out[rgba[..., 3] == 0, :3] = 0
    return out


def lossy(img: Image.Image, target: float) -> tuple[Image.Image, float, int] | None:
    """The coarsest posterised ``img`` (RGBA) reaching ``target``: (image, score, scores taken), or None.

    Step 16 first; if it passes, 32; if not, 8 and then 4: three scores at most.
    """
    if img.mode != "RGBA":
        return None
    original = np.asarray(img)
    scored: list[tuple[int, NDArray[np.uint8], float]] = []

    def passes(step: int) -> bool:
        candidate = posterise(original, step)
        score = looks(original, candidate)
        log.debug("RGBA colour step %d scores %.1f (target %.1f)", step, score, target)
        scored.append((step, candidate, score))
        return score >= target

    if passes(16):
        passes(32)
    elif not passes(8):
        passes(4)
    good = [s for s in scored if s[2] >= target]
    if not good:
        return None
    step, pixels, score = max(good, key=lambda s: s[0])
    return Image.fromarray(pixels), score, len(scored)
