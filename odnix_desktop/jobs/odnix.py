"""The compare window's "On Odnix" picture, made off the GUI thread (core.odnix.preview)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from odnix_desktop.jobs.base import Job

if TYPE_CHECKING:
    from PySide6.QtGui import QImage

    from odnix_desktop.core.odnix.preview import OnOdnix


class OnOdnixJob(Job):
    """``(QImage, OnOdnix)`` for a photo, or the frame at ``t`` for a clip."""

    def __init__(
        self,
        key: int,
        target: str,
        source: Path,
        output: Path,
        *,
        background: str = "#ffffff",
        t: float | None = None,
        max_size: tuple[int, int] = (1280, 1280),
        simulated: Path | None = None,
    ) -> None:
        super().__init__(key)
        self.target = target
        self.source = source
        self.output = output
        self.background = background
        self.t = t
        self.max_size = max_size
        self.simulated = simulated

    def work(self) -> tuple[QImage, OnOdnix]:
        from odnix_desktop.core.odnix.preview import on_odnix_image, on_odnix_video
        from odnix_desktop.jobs.imaging import pil_to_qimage

        if self.t is None:
            result = on_odnix_image(
                self.target, self.source, self.output, background=self.background, cancel=self.cancel_event
            )
        else:
            assert self.simulated is not None
            result = on_odnix_video(
                self.target, self.output, self.t, self.max_size, self.simulated, cancel=self.cancel_event
            )
        return pil_to_qimage(result.image), result
