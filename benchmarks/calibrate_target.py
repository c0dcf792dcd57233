"""Which per-photo rule buys a mean SSIMULACRA2 for the fewest bytes? (issue 15, item 1)

    .venv/bin/python benchmarks/calibrate_target.py

For each photo (the corpus and the generated calibration kinds), our encoder runs at
every quality from 50 to 96 and each output is scored with our SSIMULACRA2 (it agrees
with the reference to ~0.01 points; see bench_images.py). Then, offline, three rules
pick one quality per photo and are compared by total bytes against mean score and the
worst tenth:

- same: every photo at the lowest quality that reaches a score T;
- slope: equal slope of bytes against score (the same marginal cost per point for every
  photo: the fewest total bytes for a mean), never below a floor F;
- fixed: one quality for all (today's behaviour, for reference).
"""

from __future__ import annotations

import io
import math
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_images import calibration_photos  # noqa: E402
from benchmarks.common import corpus_files  # noqa: E402
from odnix_desktop.core.image import encode  # noqa: E402
from odnix_desktop.core.image.quality import ssim2  # noqa: E402

QUALITIES = list(range(50, 97, 2))


def curve(path: Path) -> list[tuple[int, int, float]]:
    with Image.open(path) as img:
        img = ImageOps.exif_transpose(img).convert("RGB")
    img.thumbnail((1080, 1080), Image.Resampling.LANCZOS)
    ref = ssim2.Reference(np.asarray(img))
    out = []
    for q in QUALITIES:
        data = encode.encode_jpeg(img, q)
        out.append((q, len(data), ref.score(np.asarray(Image.open(io.BytesIO(data)).convert("RGB")))))
    return out


def worst_tenth(v: list[float]) -> float:
    return statistics.fmean(sorted(v)[: max(1, math.ceil(len(v) / 10))])


def rule_same(curves, t):
    return [next((p for p in c if p[2] >= t), c[-1]) for c in curves]


def rule_slope(curves, lam, floor):
    """Equal slope: each photo at the quality that maximises lam * score - bytes (lam in bytes per
    point, the same for every photo: the cheapest way to a mean), but never below ``floor``."""
    picks = []
    for c in curves:
        ok = [p for p in c if p[2] >= floor] or [c[-1]]
        picks.append(max(ok, key=lambda p: lam * p[2] - p[1]))
    return picks


def rule_fixed(curves, q):
    return [next(p for p in c if p[0] >= q) for c in curves]


def report(name: str, curves, picks_by_param) -> None:
    print(f"\n## {name}\n| rule | total KB | mean | worst tenth |\n|---|---:|---:|---:|")
    for label, picks in picks_by_param:
        total = sum(p[1] for p in picks) / 1e3
        scores = [p[2] for p in picks]
        print(f"| {label} | {total:,.0f} | {statistics.fmean(scores):.2f} | {worst_tenth(scores):.2f} |")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmpname:
        sets = {
            "corpus": corpus_files("photos", ("*.jpg", "*.jpeg", "*.png", "*.heic", "*.webp")),
            "generated": calibration_photos(Path(tmpname)),
        }
        for name, paths in sets.items():
            if not paths:
                continue
            curves = [curve(p) for p in paths]
            rows = [(f"fixed q{q}", rule_fixed(curves, q)) for q in (76, 80, 84)]
            rows += [(f"same {t}", rule_same(curves, t)) for t in (78, 79, 80, 81, 82)]
            rows += [
                (f"slope {lam} floor {f}", rule_slope(curves, lam, f))
                for f in (76, 78, 79)
                for lam in (2000, 3000, 4000, 5000, 6000, 8000)
            ]
            report(name, curves, rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
