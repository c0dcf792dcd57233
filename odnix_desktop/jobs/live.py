"""The compare view's live quality slider, off the GUI thread: prepare a photo once, then
encode it at each quality asked for (``core.image.live``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QImage

from odnix_desktop.core.options import CompressOptions
from odnix_desktop.jobs.base import Job

if TYPE_CHECKING:  # Pillow and numpy are imported by the workers, not when the window loads
    from odnix_desktop.core.image.live import LiveEncoder, LiveResult


class LivePrepareJob(Job):
    """Decode and render the photo once (``LiveEncoder``)."""

    def __init__(self, key: int, source: Path, options: CompressOptions) -> None:
        super().__init__(key)
        self.source = source
        self.options = options

    def work(self) -> LiveEncoder:
        from odnix_desktop.core.image.live import LiveEncoder

        return LiveEncoder(self.source, self.options)


class LiveEncodeJob(Job):
    """Encode the prepared photo at one quality; the result with its picture as a QImage."""

    def __init__(self, key: int, encoder: LiveEncoder, quality: int) -> None:
        super().__init__(key)
        self.encoder = encoder
        self.quality = quality

    def work(self) -> tuple[LiveResult, QImage]:
        result = self.encoder.encode(self.quality, score=False)  # the picture first; LiveScoreJob next
        pixels = result.pixels
        height, width, channels = pixels.shape
        fmt = QImage.Format.Format_RGBA8888 if channels == 4 else QImage.Format.Format_RGB888
        image = QImage(pixels.data, width, height, width * channels, fmt).copy()  # owns its pixels
        return result, image


class LiveScoreJob(Job):
    """How an encoded result looks (SSIMULACRA2), after its picture is on screen."""

    def __init__(self, key: int, encoder: LiveEncoder, result: LiveResult) -> None:
        super().__init__(key)
        self.encoder = encoder
        self.result = result

    def work(self) -> LiveResult:
        return self.encoder.score(self.result)
