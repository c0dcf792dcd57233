"""SSIMULACRA2 in single precision numpy, vectorised, with the reference image prepared once.

A port of the published metric (libjxl's tools/ssimulacra2.cc, and the PyPI
``ssimulacra2`` package that mirrors it): XYB colour, six scales, SSIM and
edge-difference maps with L1 and L4 norms, the same 108 weights and the same
final mapping. Differences from the reference, all for speed:

- float32 throughout and a 256-entry table for the sRGB transfer curve;
- the blur is an explicit separable Gaussian (sigma 1.5, radius 5) with the
  reference's borders (zero above and below, mirrored left and right);
- the reference side (its XYB planes, their blur and blurred square) is computed
  once per search (:class:`Reference`) and reused by every probe;
- a channel is computed at a scale only where its weights matter: at full
  resolution only Y has any (X's and B's are below 0.001), which saves most of the work.

On a 1080-pixel photo it is 5-6x faster than the reference package and agrees with it
to within a few hundredths of a point (tests/test_quality.py, benchmarks/bench_images.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

F32 = NDArray[np.float32]

NUM_SCALES = 6
_C2 = np.float32(0.0009)
_OPSIN = np.array(
    [
        [0.30, 1.0 - 0.078 - 0.30, 0.078],
        [0.23, 1.0 - 0.078 - 0.23, 0.078],
        [0.24342268924547819, 0.20476744424496821, 1.0 - 0.24342268924547819 - 0.20476744424496821],
    ],
    dtype=np.float32,
)
_BIAS = np.float32(0.0037930732552754493)
_CBRT_BIAS = np.float32(np.cbrt(0.0037930732552754493))

# fmt: off
_WEIGHTS = np.array([
    0.0, 0.0007376606707406586, 0.0, 0.0, 0.0007793481682867309, 0.0, 0.0, 0.0004371155730107379, 0.0,
    1.1041726426657346, 0.00066284834129271, 0.00015231632783718752, 0.0, 0.0016406437456599754, 0.0,
    1.8422455520539298, 11.441172603757666, 0.0, 0.0007989109436015163, 0.000176816438078653, 0.0,
    1.8787594979546387, 10.94906990605142, 0.0, 0.0007289346991508072, 0.9677937080626833, 0.0,
    0.00014003424285435884, 0.9981766977854967, 0.00031949755934435053, 0.0004550992113792063, 0.0, 0.0,
    0.0013648766163243398, 0.0, 0.0, 0.0, 0.0, 0.0, 7.466890328078848, 0.0, 17.445833984131262,
    0.0006235601634041466, 0.0, 0.0, 6.683678146179332, 0.00037724407979611296, 1.027889937768264,
    225.20515300849274, 0.0, 0.0, 19.213238186143016, 0.0011401524586618361, 0.001237755635509985,
    176.39317598450694, 0.0, 0.0, 24.43300999870476, 0.28520802612117757, 0.0004485436923833408, 0.0, 0.0,
    0.0, 34.77906344483772, 44.835625328877896, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0008680556573291698,
    0.0, 0.0, 0.0, 0.0, 0.0, 0.0005313191874358747, 0.0, 0.00016533814161379112, 0.0, 0.0, 0.0, 0.0, 0.0,
    0.0004179171803251336, 0.0017290828234722833, 0.0, 0.0020827005846636437, 0.0, 0.0, 8.826982764996862,
    23.19243343998926, 0.0, 95.1080498811086, 0.9863978034400682, 0.9834382792465353, 0.0012286405048278493,
    171.2667255897307, 0.9807858872435379, 0.0, 0.0, 0.0, 0.0005130064588990679, 0.0, 0.00010854057858411537,
])
# fmt: on


def _srgb_table() -> F32:
    v = np.arange(256, dtype=np.float64) / 255.0
    lin = np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)
    return lin.astype(np.float32)


_LINEAR = _srgb_table()


def _kernel() -> F32:
    radius = 5  # the reference's round(3.2795 * 1.5 + 0.2546) and scipy's truncate=3.33
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    k = np.exp(-0.5 * (x / 1.5) ** 2)
    return (k / k.sum()).astype(np.float32)


_K = _kernel()
_R = 5


def to_linear(rgb: NDArray[np.uint8]) -> F32:
    """8-bit sRGB (H, W, 3) or grey (H, W) to linear light, planar (3, H, W)."""
    if rgb.ndim == 2:
        rgb = np.repeat(rgb[..., None], 3, axis=2)
    return np.asarray(np.take(_LINEAR, rgb.transpose(2, 0, 1)), dtype=np.float32, order="C")  # planar in one pass


def _xyb(lin: F32, channels: list[int]) -> F32:
    """Planar linear RGB to the metric's positive XYB, only ``channels`` (0 X, 1 Y, 2 B), in that order.

    Plain multiply-adds, not ``tensordot``: that goes through a multi-threaded BLAS,
    which fights the app's own threads (two photos at once ran no faster than one).
    """
    rows = [0, 1, 2] if 2 in channels else [0, 1]
    mixed = np.empty((len(rows),) + lin.shape[1:], dtype=np.float32)
    for i in rows:
        m = mixed[i]
        np.multiply(lin[0], _OPSIN[i, 0], out=m)
        m += lin[1] * _OPSIN[i, 1]
        m += lin[2] * _OPSIN[i, 2]
        m += _BIAS
        np.maximum(m, 0, out=m)
        np.cbrt(m, out=m)
        m -= _CBRT_BIAS
    out = np.empty((len(channels),) + lin.shape[1:], dtype=np.float32)
    for k, c in enumerate(channels):
        if c == 0:
            np.subtract(mixed[0], mixed[1], out=out[k])
            out[k] *= 7.0  # 0.5 * 14
            out[k] += 0.42
        elif c == 1:
            np.add(mixed[0], mixed[1], out=out[k])
            out[k] *= 0.5
            out[k] += 0.01
        else:
            out[k] = mixed[2] - 0.5 * (mixed[0] + mixed[1]) + 0.55
    return out


def _downsample(lin: F32) -> F32:
    """2x2 box average; an odd last row or column averages what is there (edge copied)."""
    c, h, w = lin.shape
    if h % 2 or w % 2:
        lin = np.pad(lin, ((0, 0), (0, h % 2), (0, w % 2)), mode="edge")
    s = lin[:, 0::2, :] + lin[:, 1::2, :]
    return (s[:, :, 0::2] + s[:, :, 1::2]) * np.float32(0.25)


def _mirror_rows(p: F32, h: int) -> None:
    """Fill the ``_R`` rows above and below ``p``'s body (rows ``_R.._R+h``) by mirroring, edge included."""
    p[..., :_R, :] = p[..., 2 * _R - 1 : _R - 1 : -1, :]
    p[..., _R + h :, :] = p[..., _R + h - 1 : h - 1 : -1, :]


def _blur_padded(p: F32, h: int, w: int) -> F32:
    """The blur of a stack whose rows are already mirror-padded by ``_R`` (see :func:`blur`)."""
    v = np.zeros(p.shape[:-2] + (h, w + 2 * _R), dtype=np.float32)  # zero columns for the second pass
    body = v[..., _R : _R + w]
    tmp = np.empty(p.shape[:-2] + (h, w), dtype=np.float32)
    np.multiply(p[..., _R : _R + h, :], _K[_R], out=body)
    for j in range(1, _R + 1):
        np.add(p[..., _R - j : _R - j + h, :], p[..., _R + j : _R + j + h, :], out=tmp)
        tmp *= _K[_R + j]
        body += tmp
    out = v[..., _R : _R + w] * _K[_R]
    for j in range(1, _R + 1):
        np.add(v[..., _R - j : _R - j + w], v[..., _R + j : _R + j + w], out=tmp)
        tmp *= _K[_R + j]
        out += tmp
    return out


def blur(planes: F32) -> F32:
    """Gaussian (sigma 1.5) over the last two axes: mirrored above and below, zero left and right.

    (The reference package blurs its planes transposed, zero-padding along what is
    the image's width; that is kept for agreement.) In-place sums over shifted views,
    symmetric taps paired: no temporaries larger than one plane stack.
    """
    h, w = planes.shape[-2:]
    p = np.empty(planes.shape[:-2] + (h + 2 * _R, w), dtype=np.float32)
    p[..., _R : _R + h, :] = planes
    _mirror_rows(p, h)
    return _blur_padded(p, h, w)


def _norms(maps: F32) -> NDArray[np.float64]:
    """Per plane (all leading axes) the mean (L1) and fourth-root mean of the fourth power (L4),
    stacked on a new last axis: (..., 2)."""
    lead, n = maps.shape[:-2], maps.shape[-2] * maps.shape[-1]
    flat = maps.reshape(-1, n)
    sq = np.square(flat)
    np.square(sq, out=sq)
    # float32 sums along the contiguous axis (numpy sums those pairwise: accurate to ~1e-7);
    # a float64 accumulator made it a buffered, casting reduction, which ran no faster on two threads
    sums = np.stack([np.add.reduce(flat, axis=1), np.add.reduce(sq, axis=1)], axis=-1).astype(np.float64) / n
    sums[:, 1] **= 0.25
    return sums.reshape(lead + (2,))


@dataclass(frozen=True, slots=True)
class _RefScale:
    xyb: F32
    mu: F32
    var: F32  # its variance: blur(xyb * xyb) - mu * mu
    edge: F32  # 1 + |xyb - mu|, the edge maps' denominator


class Reference:
    """The original's per-scale planes, prepared once and scored against many candidates.

    Only the channels whose weights matter at a scale are computed there (see
    :func:`_channels`): at full resolution that is Y alone, which is most of the work.
    Everything of the original's side that a score needs (its blurred mean, variance and
    the edge maps' denominator) is kept, so a probe only computes its own side.
    """

    def __init__(self, rgb: NDArray[np.uint8], scales: int = NUM_SCALES) -> None:
        self.shape = rgb.shape[:2]
        if min(self.shape) < 8:
            raise ValueError(f"a {self.shape[1]}×{self.shape[0]} picture is too small to score (8 px at least)")
        self.truncated = scales < NUM_SCALES
        count = _scale_count(self.shape, scales)
        self.weights = _weights(count, self.truncated)
        self.channels = _channels(self.weights)
        self.scales: list[_RefScale] = []
        lin = to_linear(rgb)
        for s in range(count):
            xyb = _xyb(lin, self.channels[s])
            both = blur(np.stack([xyb, xyb * xyb]))
            mu = both[0]
            var = both[1] - mu * mu
            edge = 1.0 + np.abs(xyb - mu)
            self.scales.append(_RefScale(xyb, mu, var, edge))
            if s < count - 1:
                lin = _downsample(lin)

    def score(self, rgb: NDArray[np.uint8]) -> float:
        """SSIMULACRA2 of ``rgb`` (same size as the reference): 100 is identical, ~80 is good."""
        if rgb.shape[:2] != self.shape:
            raise ValueError(f"size {rgb.shape[:2]} differs from the reference's {self.shape}")
        lin = to_linear(rgb)
        per = np.zeros((3, len(self.scales), 2, 3))  # (channel, scale, norm, kind)
        for s, ref in enumerate(self.scales):
            # per channel: (ssim, artefact, detail lost) x (L1, L4) -> (norm, kind)
            per[self.channels[s], s] = _scale_terms(ref, _xyb(lin, self.channels[s])).transpose(1, 2, 0)
            if s < len(self.scales) - 1:
                lin = _downsample(lin)
        return _final(per, self.weights)


def _scale_terms(ref: _RefScale, xyb: F32) -> NDArray[np.float64]:
    """The three maps' norms at one scale, as (kind, channel, norm).

    One padded stack for the blur, filled in place (no pad or stack copies), and the
    three maps written into one array so that their norms are one set of reductions:
    fewer, larger numpy calls, so the GIL is held for less of the time.
    """
    c, h, w = xyb.shape
    p = np.empty((3, c, h + 2 * _R, w), dtype=np.float32)
    body = p[:, :, _R : _R + h]
    body[0] = xyb
    np.multiply(xyb, xyb, out=body[1])
    np.multiply(ref.xyb, xyb, out=body[2])
    _mirror_rows(p, h)
    b = _blur_padded(p, h, w)
    mu2, s22, s12 = b[0], b[1], b[2]
    maps = np.empty((3, c, h, w), dtype=np.float32)
    # 1 - ssim: num = (1 - (mu1 - mu2)^2) * (2 * (s12 - mu1 mu2) + C2), den = var1 + var2 + 2 C2
    m12 = ref.mu * mu2
    diff = ref.mu - mu2
    np.square(diff, out=diff)
    np.subtract(1.0, diff, out=diff)
    s12 -= m12
    s12 *= 2.0
    s12 += _C2
    s12 *= diff  # num
    np.square(mu2, out=m12)
    s22 -= m12
    s22 += ref.var
    s22 += _C2  # den (summed in the reference's order: identical pictures score exactly 100)
    d = maps[0]
    np.divide(s12, s22, out=d)
    np.subtract(1.0, d, out=d)
    np.maximum(d, 0.0, out=d)
    # edge maps: ratio = (1 + |xyb - mu2|) / (1 + |ref - mu1|) - 1, split by sign
    ratio = np.subtract(xyb, mu2, out=mu2)
    np.abs(ratio, out=ratio)
    ratio += 1.0
    ratio /= ref.edge
    ratio -= 1.0
    np.maximum(ratio, 0.0, out=maps[1])
    np.negative(ratio, out=ratio)
    np.maximum(ratio, 0.0, out=maps[2])
    return _norms(maps)


def _scale_count(shape: tuple[int, ...], scales: int) -> int:
    h, w = shape[0], shape[1]
    count = 0
    while count < scales and min(h, w) >= 8:
        count += 1
        h, w = (h + 1) // 2, (w + 1) // 2
    return count


def _weights(count: int, truncated: bool) -> NDArray[np.float64]:
    """The weights as (channel, scale, norm, kind).

    The reference walks its weights in order over the scales it actually computed,
    so a small image (fewer than six scales) uses later scales' weights for earlier
    ones; that is kept for agreement. A deliberately truncated metric uses each
    scale's own weights.
    """
    if truncated:
        return _WEIGHTS.reshape(3, NUM_SCALES, 2, 3)[:, :count]
    return np.stack([_WEIGHTS[c * count * 6 : (c + 1) * count * 6] for c in range(3)]).reshape(3, count, 2, 3)


#: A channel whose weights at a scale are all below this is skipped there: its terms
#: (means of maps mostly under 1) then move the score by well under 0.01 point.
NEGLIGIBLE_WEIGHT = 0.005


def _channels(weights: NDArray[np.float64]) -> list[list[int]]:
    """Per scale, the channels (0 X, 1 Y, 2 B) that carry weight; at least one."""
    out = []
    for s in range(weights.shape[1]):
        used = [c for c in range(3) if weights[c, s].max() >= NEGLIGIBLE_WEIGHT]
        out.append(used or [1])
    return out


def _final(per: NDArray[np.float64], weights: NDArray[np.float64]) -> float:
    """Weighted sum and the reference's mapping to 0..100."""
    x = float(np.sum(weights * np.abs(per))) * 0.9562382616834844
    x = 2.326765642916932 * x - 0.020884521182843837 * x * x + 6.248496625763138e-05 * x * x * x
    return 100.0 - 10.0 * x**0.6276336467831387 if x > 0 else 100.0


def ssimulacra2(reference: NDArray[np.uint8], distorted: NDArray[np.uint8]) -> float:
    """One-off score; for many candidates against one original, build a :class:`Reference`."""
    return Reference(reference).score(distorted)
