"""The compare view's live quality slider: one photo decoded and rendered once (the pipeline's
own geometry and colour handling), then encoded again at any quality from those pixels, with
the result's size and its perceived quality (SSIMULACRA2 against the rendered pixels).

Decoding, fitting and the metric's reference planes are paid once per photo; each move of the
slider costs one encode, one decode of the result and one score."""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from odnix_desktop.core.image import decode, encode
from odnix_desktop.core.image.pipeline import choose_format, plan_geometry, render_still
from odnix_desktop.core.image.quality.ssim2 import Reference
from odnix_desktop.core.media import MediaKind
from odnix_desktop.core.options import CompressOptions, check_quality


@dataclass(frozen=True, slots=True)
class LiveResult:
    """One encode at ``quality``: the bytes, their size, how it looks, and its pixels."""

    quality: int
    data: bytes
    format: str  # "JPEG", "WEBP" or "PNG" (PNG ignores the quality)
    looks: float | None  # SSIMULACRA2, 100 = identical; None when the photo is too small to score
    pixels: NDArray[np.uint8]  # RGB(A) of the encoded result, for the "after" picture

    @property
    def bytes(self) -> int:
        return len(self.data)


class LiveEncoder:
    """A photo ready to be encoded again and again (thread-safe: one encode at a time)."""

    def __init__(self, source: Path, options: CompressOptions) -> None:
        preset = options.preset_for(MediaKind.IMAGE)
        opened = decode.open_image(source, options.max_pixels)
        try:
            geometry = plan_geometry(opened.upright_size, preset, options)
            self.image: Image.Image = render_still(opened, source, geometry, [])
        finally:
            opened.image.close()
        self.format = choose_format(self.image, opened.format)
        rgb = np.asarray(self.image.convert("RGB"))
        self._reference = Reference(rgb) if min(rgb.shape[:2]) >= 8 else None
        self._lock = threading.Lock()
        self._score_lock = threading.Lock()

    @property
    def size(self) -> tuple[int, int]:
        return self.image.size

    def encode(self, quality: int, *, score: bool = True) -> LiveResult:
        """Encode at ``quality``; ``score=False`` leaves ``looks`` None (ask :meth:`score` after,
        so the picture can be shown first)."""
        check_quality(quality)
        with self._lock:
            data = encode.encode_still(self.image, self.format, quality)
            with Image.open(io.BytesIO(data)) as out:
                out.load()
                pixels = np.asarray(out.convert("RGBA" if "A" in out.mode else "RGB"))
        result = LiveResult(quality, data, self.format, None, pixels)
        return self.score(result) if score else result

    def score(self, result: LiveResult) -> LiveResult:
        """``result`` with its SSIMULACRA2 against the rendered pixels (None if too small)."""
        if self._reference is None:
            return result
        with self._score_lock:  # apart from encoding: the next picture never waits for a score
            looks = self._reference.score(result.pixels[..., :3])
        return replace(result, looks=looks)
