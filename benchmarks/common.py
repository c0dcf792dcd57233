"""Shared benchmark helpers: where the corpus is, CPU timing, SSIM."""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("ODNIX_CORPUS", REPO.parent / "shared" / "corpus"))


def corpus_files(sub: str, patterns: tuple[str, ...]) -> list[Path]:
    folder = CORPUS / sub
    if not folder.is_dir():
        return []
    return sorted(p for pat in patterns for p in folder.glob(pat))


@dataclass
class Timing:
    cpu: float = 0.0  # this process plus finished children
    wall: float = 0.0


@contextmanager
def timed(into: Timing):
    c0 = time.process_time()
    ch0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    w0 = time.perf_counter()
    try:
        yield into
    finally:
        ch1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        into.wall = time.perf_counter() - w0
        into.cpu = (time.process_time() - c0) + (ch1.ru_utime - ch0.ru_utime) + (ch1.ru_stime - ch0.ru_stime)


def best_of(n: int, fn: Callable[[], object]) -> tuple[Timing, object]:
    best: Timing | None = None
    result: object = None
    for _ in range(n):
        t = Timing()
        with timed(t):
            result = fn()
        if best is None or t.cpu < best.cpu:
            best = t
    assert best is not None
    return best, result


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """SSIM on luma (Wang et al. 2004, Gaussian window sigma 1.5), inputs uint8 RGB of one shape."""
    from scipy.ndimage import gaussian_filter

    def luma(x: np.ndarray) -> np.ndarray:
        x = x.astype(np.float64)
        return 0.299 * x[..., 0] + 0.587 * x[..., 1] + 0.114 * x[..., 2] if x.ndim == 3 else x

    x, y = luma(a), luma(b)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mx, my = gaussian_filter(x, 1.5), gaussian_filter(y, 1.5)
    sxx = gaussian_filter(x * x, 1.5) - mx * mx
    syy = gaussian_filter(y * y, 1.5) - my * my
    sxy = gaussian_filter(x * y, 1.5) - mx * my
    m = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2))
    return float(m.mean())
