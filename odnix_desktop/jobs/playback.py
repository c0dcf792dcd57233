"""Clip playback and the five-second preview for the compare view, off the GUI thread.

:class:`PlaybackJob` decodes before and after side by side (``core.video.playback``) and
emits each pair of frames at its moment on the wall clock. It never queues more than one
pair: until the window says it has shown the last one (:meth:`PlaybackJob.frame_shown`),
new pairs are dropped, so a slow screen costs smoothness, never memory.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QImage

from odnix_desktop.core.options import CompressOptions
from odnix_desktop.core.progress import Progress
from odnix_desktop.jobs.base import Job, JobSignals

if TYPE_CHECKING:
    from odnix_desktop.core.video.playback import FrameStream, StreamSpec
    from odnix_desktop.core.video.preview import PreviewResult

#: Frames further behind the clock than this are skipped, to catch up.
LATE_S = 0.25


class PlaybackSignals(JobSignals):
    frame = Signal(int, float, object, object)  # key, time in the clip (s), before, after (QImage)


@dataclass(frozen=True, slots=True)
class PlaybackEnd:
    """How a playback that reached the end went."""

    t: float  # the time of the last frame, in the clip
    shown: int
    dropped: int


def _qimage(data: bytes, size: tuple[int, int]) -> QImage:
    w, h = size
    return QImage(data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()  # owns its pixels


class PlaybackJob(Job):
    """Play ``before`` and ``after`` together at ``before.fps``; ``t`` is reported in the clip's
    time (``before.start + i / fps``). Cancelling stops the decoders at once."""

    pool_name = "playback"

    def __init__(self, key: int, before: StreamSpec, after: StreamSpec) -> None:
        super().__init__(key)
        self.signals: PlaybackSignals = PlaybackSignals()
        self.before = before
        self.after = after
        self._streams: list[FrameStream] = []
        self._shown_last = True
        self.shown = 0
        self.dropped = 0

    def frame_shown(self) -> None:
        """The window has put the last pair on screen: the next one may come."""
        self._shown_last = True

    def cancel(self) -> None:
        super().cancel()
        for stream in list(self._streams):
            stream.stop()  # a read blocked on ffmpeg returns at once

    def work(self) -> PlaybackEnd | None:
        from odnix_desktop.core.video.playback import FrameStream

        try:
            for spec in (self.before, self.after):
                self._streams.append(FrameStream(spec))
                if self.cancel_event.is_set():
                    return None
            return self._play(*self._streams)
        finally:
            for stream in self._streams:
                stream.close()

    def _play(self, before: FrameStream, after: FrameStream) -> PlaybackEnd | None:
        fps = self.before.fps
        clock = time.monotonic()
        i = 0
        while not self.cancel_event.is_set():
            a, b = before.read(), after.read()
            if a is None or b is None:
                break
            wait = clock + i / fps - time.monotonic()
            if wait > 0 and self.cancel_event.wait(wait):  # pacing, woken early by a cancel
                break
            if wait < -LATE_S or not self._shown_last:
                self.dropped += 1
            else:
                self._shown_last = False
                self.shown += 1
                t = self.before.start + i / fps
                self.signals.frame.emit(self.key, t, _qimage(a, before.size), _qimage(b, after.size))
            i += 1
        if self.cancel_event.is_set():
            return None
        return PlaybackEnd(self.before.start + max(0, i - 1) / fps, self.shown, self.dropped)


class PreviewJob(Job):
    """Encode a few seconds of a clip at the chosen settings (``core.video.preview``)."""

    pool_name = "misc"

    def __init__(self, key: int, source: Path, dest: Path, options: CompressOptions, t: float) -> None:
        super().__init__(key)
        self.source = source
        self.dest = dest
        self.options = options
        self.t = t

    def _report(self, progress: Progress) -> None:
        self.signals.progress.emit(self.key, progress)

    def work(self) -> PreviewResult:
        from odnix_desktop.core.video.preview import encode_preview

        return encode_preview(
            self.source, self.dest, self.options, self.t, report=self._report, cancel=self.cancel_event
        )
