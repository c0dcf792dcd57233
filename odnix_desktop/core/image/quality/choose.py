"""How a photo's quality is chosen: a fixed quality, or the per-photo search (JPEG), or a
posterised PNG for a photo-like RGBA picture; and what a byte budget that wins does to it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image

from odnix_desktop.core.image import encode
from odnix_desktop.core.image.quality import lossy_png, search
from odnix_desktop.core.options import CompressOptions, QualityInfo
from odnix_desktop.core.progress import CancelToken, Progress, Report, check_cancel, no_report


def choose_quality(
    img: Image.Image,
    fmt: str,
    options: CompressOptions,
    source: Path,
    report: Report = no_report,
    cancel: CancelToken | None = None,
) -> QualityInfo:
    """A fixed quality as given; else, for JPEG, the lowest quality that reaches the target."""
    if options.quality is not None or fmt != "JPEG":
        return QualityInfo(None if fmt == "PNG" else options.fixed_quality)
    auto = options.target == "auto"
    target = target_of(options)
    if min(img.size) < search.MIN_SIDE:  # too small to score: the seed's quality
        return QualityInfo(options.fixed_quality, target, None, 0)
    pixels = np.asarray(img if img.mode in ("RGB", "L") else img.convert("RGB"))

    def step(done: int) -> None:
        check_cancel(cancel, source)
        report(Progress(0.5 + 0.3 * done / search.MAX_PROBES, "finding the quality"))

    found = search.search(pixels, encode.encode_jpeg, target, step, search.AUTO_SLOPE if auto else None)
    check_cancel(cancel, source)
    return QualityInfo(found.quality, found.target, found.achieved, found.probes)


def target_of(options: CompressOptions) -> float:
    return search.AUTO_TARGET if options.target == "auto" else float(options.target)


def lossy_rgba(
    img: Image.Image, fmt: str, options: CompressOptions, max_bytes: int | None
) -> tuple[bytes, QualityInfo] | None:
    """A photo-like RGBA picture as a posterised PNG when it reaches the target and is smaller."""
    if fmt != "PNG" or options.quality is not None or img.mode != "RGBA" or img.getcolors(4096) is not None:
        return None
    found = lossy_png.lossy(img, target_of(options))
    if found is None:
        return None
    data = encode.encode_png(found[0])
    if len(data) >= len(encode.encode_png(img)) or (max_bytes is not None and len(data) > max_bytes):
        return None
    return data, QualityInfo(None, target_of(options), found[1], found[2])


def budget_won(qinfo: QualityInfo, used: tuple[int, tuple[int, int]], notes: list[str]) -> QualityInfo:
    """The byte budget forced a lower quality or size than the target asked for."""
    if qinfo.target is not None:
        notes.append(
            f"the quality target {qinfo.target:g} could not be met within the byte budget: "
            f"quality {used[0]} at {used[1][0]}×{used[1][1]} was needed to fit"
        )
    return replace(qinfo, quality=None if qinfo.quality is None else used[0], achieved=None)
