"""The per-photo search: the lowest JPEG quality whose SSIMULACRA2 reaches a target.

The photo is decoded and resized once (by the pipeline); the search works on a
*sample* of it: a mosaic of tiles cut on the JPEG block grid, so every tile is
quantised exactly as it is in the whole picture. Each probe encodes only the
mosaic, decodes it and scores it with the fast SSIMULACRA2 (:mod:`.ssim2`) against
the original mosaic, whose side of the metric is prepared once.

Score against quality is smooth and nearly straight between q60 and q95, so the
search predicts a start (the quality that gives the target on a typical photo),
then takes a Newton step with a typical slope, then a secant step through the two
probes. It stops as soon as a probe lands inside ``[target, target + TOLERANCE]``;
the median photo needs two or three probes and none more than ``MAX_PROBES``. The
answer is the lowest probed quality that reached the target (see :func:`_answer`
when none did). With a ``slope`` (the default "auto"), :func:`spend` then raises it
while a point of score costs less than that many bytes, from the probes' own slopes.
"""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from odnix_desktop.core.image.quality.ssim2 import Reference
from odnix_desktop.core.options import AUTO_TARGET as AUTO_TARGET  # re-exported: the floor of "auto"

log = logging.getLogger(__name__)

#: The default ("auto"): a floor score, then equal slope (:func:`spend`) at this many
#: bytes per point. Chosen by benchmarks/calibrate_target.py: on the corpus, "every photo
#: at one score" needed more bytes at a given mean than one fixed quality; equal slope
#: with a floor needs fewer than either and keeps the worst tenth at the floor. The floor
#: is options.AUTO_TARGET.
AUTO_SLOPE = 3000.0
#: Spending stops this many quality steps above the floor.
MAX_SPEND = 12
#: Typical growth of log(bytes) per quality step (used after a single probe).
TYPICAL_BYTES_SLOPE = 0.035
#: JPEG headers and Huffman tables in a probe's bytes, not scaled with its pixels.
HEADER_BYTES = 600
#: A probe within this many points above the target ends the search.
TOLERANCE = 1.0
MAX_PROBES = 5
#: Pictures with a side shorter than this are not searched (the metric needs a few scales).
MIN_SIDE = 32
#: Further below the target than this at the best probe: the target is out of reach.
HOPELESS = 8.0
MIN_QUALITY, MAX_QUALITY = 30, 96
#: Typical d(score)/d(quality) of our tables near q80 (points per quality step).
TYPICAL_SLOPE = 0.55
#: d(score)/d(quality) above the start, where photos whose floor binds need the step up: the
#: curve steepens with quality (0.75-0.9 between q81 and q87 on 9 of the 12 corpus and
#: generated photos measured, 1.3-1.5 on a night scene), so a step up at the typical slope
#: overshot and cost a third probe. Used for the first step up only; the secant refines.
RISING_SLOPE = 0.8
#: Quality that reaches score 80 on the median corpus photo; other targets start along the slope.
TYPICAL_QUALITY = 81
#: Tiles: side (a multiple of the 16-pixel 4:2:0 block) and how many, spread over the picture.
TILE = 128
GRID = (3, 2)  # columns, rows of tiles in the mosaic
MARGIN = 16
#: The mosaic scores this much higher than the whole picture on average (its coarse
#: scales see tile seams, identical on both sides): measured on the 8 corpus photos and
#: 7 generated ones at q70, q80 and q88 (mean +1.35, sd 1.0), and taken off every probe.
MOSAIC_BIAS = 1.3


@dataclass(frozen=True, slots=True)
class Probe:
    quality: int
    score: float
    size: int  # bytes of the probe's (mosaic) encode


@dataclass(frozen=True, slots=True)
class Found:
    quality: int
    target: float
    achieved: float
    probes: int


def _starts(length: int, count: int) -> list[int]:
    """``count`` tile origins spread evenly over ``length``, on the 16-px grid, ``MARGIN`` from the edges."""
    span = length - TILE - 2 * MARGIN
    return [MARGIN + (span * (2 * i + 1) // (2 * count)) // 16 * 16 for i in range(count)]


def mosaic(pixels: NDArray[np.uint8], margin: int = 0) -> NDArray[np.uint8]:
    """``GRID`` tiles of ``TILE`` px (plus ``margin`` around each) cut on the 16-px grid, evenly spread;
    the picture itself if it is too small to sample."""
    h, w = pixels.shape[:2]
    cols, rows = GRID
    if w < (TILE + 2 * MARGIN) * (cols + 1) or h < (TILE + 2 * MARGIN) * (rows + 1):
        return pixels
    side = TILE + 2 * margin
    band = [
        np.concatenate(
            [pixels[y - margin : y - margin + side, x - margin : x - margin + side] for x in _starts(w, cols)], 1
        )
        for y in _starts(h, rows)
    ]
    return np.ascontiguousarray(np.concatenate(band, axis=0))


def inner(padded: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """The ``TILE`` cores of a mosaic cut with ``MARGIN``: the margins only kept the decoder's
    chroma upsampling from reaching across tile seams, as it does not in the whole picture."""
    side = TILE + 2 * MARGIN
    rows = [
        np.concatenate(
            [
                padded[y + MARGIN : y + MARGIN + TILE, x + MARGIN : x + MARGIN + TILE]
                for x in range(0, padded.shape[1], side)
            ],
            1,
        )
        for y in range(0, padded.shape[0], side)
    ]
    return np.ascontiguousarray(np.concatenate(rows, axis=0))


Encoder = Callable[[Image.Image, int], bytes]


def _decoded(data: bytes) -> NDArray[np.uint8]:
    with Image.open(io.BytesIO(data)) as img:
        return np.asarray(img.convert("RGB") if img.mode not in ("RGB", "L") else img)


def start_quality(target: float) -> int:
    return _clamp(TYPICAL_QUALITY + (target - 80.0) / TYPICAL_SLOPE)


def _clamp(q: float) -> int:
    return int(max(MIN_QUALITY, min(MAX_QUALITY, round(q))))


def _next_quality(probes: list[Probe], target: float) -> int | None:
    """Secant through the two probes that bracket (or are nearest) the target; None when nothing new."""
    aim = target + TOLERANCE / 2
    tried = {p.quality for p in probes}
    if len(probes) == 1:
        step = aim - probes[0].score
        q = probes[0].quality + step / (RISING_SLOPE if step > 0 else TYPICAL_SLOPE)
    else:
        below = [p for p in probes if p.score < target]
        above = [p for p in probes if p.score >= target]
        if below and above:
            lo, hi = max(below, key=lambda p: p.quality), min(above, key=lambda p: p.quality)
            if hi.quality - lo.quality <= 1:
                return None  # the answer is hi
        else:
            lo, hi = sorted(probes, key=lambda p: abs(p.score - aim))[:2]
        slope = (hi.score - lo.score) / (hi.quality - lo.quality) if hi.quality != lo.quality else 0.0
        slope = max(slope, TYPICAL_SLOPE / 4)  # flat or noisy: do not jump off the scale
        q = lo.quality + (aim - lo.score) / slope
        if below and above:
            q = min(max(q, lo.quality + 1), hi.quality - 1)
    nq = _clamp(q)
    return None if nq in tried else nq


def search(
    pixels: NDArray[np.uint8],
    encode: Encoder,
    target: float,
    check: Callable[[int], None] = lambda _i: None,
    slope: float | None = None,
) -> Found:
    """The lowest quality whose probe scores at least ``target``, then (with ``slope``, bytes per
    point) raised by :func:`spend`; ``check(i)`` runs before each probe (progress, cancel: may raise)."""
    sample = mosaic(pixels)
    sampled = sample.shape != pixels.shape
    bias = MOSAIC_BIAS if sampled else 0.0
    ref = Reference(sample)
    tile_img = Image.fromarray(mosaic(pixels, MARGIN)) if sampled else Image.fromarray(pixels)
    cores = inner if sampled else (lambda a: a)
    probes: list[Probe] = []
    q: int | None = start_quality(target)
    while q is not None and len(probes) < MAX_PROBES:
        check(len(probes))
        data = encode(tile_img, q)
        score = ref.score(cores(_decoded(data))) - bias
        probes.append(Probe(q, score, len(data)))
        log.debug("probe q%d -> %.2f (target %.1f)", q, score, target)
        if target <= score <= target + TOLERANCE:
            break
        if (q >= MAX_QUALITY and score < target) or (q <= MIN_QUALITY and score > target):
            break
        q = _next_quality(probes, target)
    found = _answer(probes, target)
    if slope is None or found.achieved < target or probes[0].score < target:
        return found  # no spending on a photo that needed more than the typical quality (see spend)
    return spend(probes, found, slope, pixels.shape[0] * pixels.shape[1] / (tile_img.width * tile_img.height))


def spend(probes: list[Probe], found: Found, slope: float, scale: float) -> Found:
    """Equal slope: above the floor, buy points while one costs less than ``slope`` bytes.

    Bytes grow about exponentially with quality and the score about linearly, so the
    cost of a point, B(q) * beta / alpha, rises with q; the quality where it reaches
    ``slope`` is solved from the probes' local slopes (typical ones after a single
    probe). Every photo then pays the same for its last point, which is the fewest
    total bytes for a given mean score; the floor keeps the worst photos up.

    Only photos whose first probe (the typical quality) already reached the floor spend:
    on one that needed more, the mosaic's slopes extrapolated upward mislead (plasma_Kite:
    solved to q96, 2.9x the seed's bytes for +8 points; on the corpus that cost 0.801x ->
    0.826x at equal mean). Until the first step up was re-tuned, the noisy one-step slopes
    there happened to give no spending either.
    """
    base = next(p for p in probes if p.quality == found.quality)
    alpha, beta = _local_slopes(probes, base)
    whole = max(1.0, (base.size - HEADER_BYTES) * scale)
    extra = math.log(slope * alpha / (beta * whole)) / beta
    q = min(MAX_QUALITY, found.quality + max(0, min(MAX_SPEND, round(extra))))
    return Found(q, found.target, estimate(probes, q), found.probes)


def estimate(probes: list[Probe], q: int) -> float:
    """The score at ``q``: interpolated between probes, or from the nearest one along the typical slope."""
    pts = sorted(probes, key=lambda p: p.quality)
    for lo, hi in zip(pts, pts[1:], strict=False):
        if lo.quality <= q <= hi.quality:
            return lo.score + (hi.score - lo.score) * (q - lo.quality) / (hi.quality - lo.quality)
    near = min(pts, key=lambda p: abs(p.quality - q))
    return near.score + TYPICAL_SLOPE * (q - near.quality)


def _local_slopes(probes: list[Probe], base: Probe) -> tuple[float, float]:
    """Score points and log-bytes per quality step near ``base``: a secant through the nearest other probe."""
    others = [p for p in probes if p.quality != base.quality]
    if not others:
        return TYPICAL_SLOPE, TYPICAL_BYTES_SLOPE
    o = min(others, key=lambda p: abs(p.quality - base.quality))
    dq = o.quality - base.quality
    alpha = (o.score - base.score) / dq
    beta = math.log(max(o.size, 1) / max(base.size, 1)) / dq
    return min(max(alpha, 0.2), 1.5), min(max(beta, 0.015), 0.08)


def _answer(probes: list[Probe], target: float) -> Found:
    """The lowest quality that reached the target. If none did: the highest probed when it
    came close; when the target is far out of reach (4:2:0 cannot draw sharp colour
    edges, say), the typical quality: no bytes spent for nothing."""
    good = [p for p in probes if p.score >= target]
    if good:
        best = min(good, key=lambda p: p.quality)
    elif max(p.score for p in probes) >= target - HOPELESS:
        best = max(probes, key=lambda p: p.quality)
    else:
        typical = start_quality(target)
        best = min(probes, key=lambda p: abs(p.quality - typical))
    return Found(best.quality, target, best.score, len(probes))
