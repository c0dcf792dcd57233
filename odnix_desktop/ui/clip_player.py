"""The compare view's clip controls: the time slider, Play/Pause, and "Preview 5 s".

Play decodes before and after from the slider's moment in step (``jobs.playback``) and
shows each pair in the compare view, so split, side by side, zoom and pan work while the
clip plays. "Preview 5 s" encodes five seconds at the item's settings (``core.video.preview``),
then plays it against the original: the settings can be judged before the whole clip is
compressed, as HandBrake's preview allows. There is no sound: the comparison is visual.
"""

from __future__ import annotations

import itertools
import logging
import shutil
import tempfile
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from odnix_desktop.core.media import MediaInfo
from odnix_desktop.core.options import CompressOptions
from odnix_desktop.core.progress import Progress
from odnix_desktop.core.video.playback import StreamSpec, playback_fps
from odnix_desktop.core.video.preview import PREVIEW_SECONDS, PreviewResult
from odnix_desktop.jobs.playback import PlaybackEnd, PlaybackJob, PreviewJob
from odnix_desktop.jobs.runner import JobRunner
from odnix_desktop.ui import text
from odnix_desktop.ui.compare_view import ODNIX, SPLIT, CompareView
from odnix_desktop.ui.queue_model import QueueItem
from odnix_desktop.ui.time_slider import TimeSlider, clip_time

log = logging.getLogger(__name__)

#: The slider's resolution: a thousand steps over the clip.
STEPS = 1000
#: Seconds before the end a still frame is taken from (the last frame may not exist at t = duration).
END_MARGIN_S = 0.05


def pixmap_for(image: QImage | None, ratio: float) -> QPixmap | None:
    if image is None:
        return None
    pixmap = QPixmap.fromImage(image)  # on the GUI thread
    pixmap.setDevicePixelRatio(ratio)  # one picture pixel per device pixel at 100%
    return pixmap


class ClipControls(QObject):
    """The row under a clip's compare view, and the jobs behind it."""

    #: The user chose another moment (debounced): the dialog fetches the still frames there.
    timeChanged = Signal()
    #: Words for the dialog's status line.
    status = Signal(str)
    #: What the after side now shows changed (the preview, or the compressed file).
    afterChanged = Signal()

    _keys = itertools.count(1)

    def __init__(
        self, item: QueueItem, runner: JobRunner, view: CompareView, options: CompressOptions | None, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.item, self.runner, self.view, self.options = item, runner, view, options
        self.preview: PreviewResult | None = None
        self._play_job: PlaybackJob | None = None
        self._preview_job: PreviewJob | None = None
        self._folder: Path | None = None
        self._build(parent)

    def _build(self, parent: QWidget) -> None:
        self.row = QWidget(parent)
        layout = QHBoxLayout(self.row)
        layout.setContentsMargins(0, 0, 0, 0)
        self.play_button = QPushButton("▶ Play")
        self.play_button.setToolTip("Play before and after together from this moment (P); no sound")
        self.play_button.setAccessibleName("Play or pause the clip")
        self.play_button.clicked.connect(self.toggle)
        self.preview_button = QPushButton(f"Preview {PREVIEW_SECONDS:.0f} s")
        self.preview_button.setToolTip(
            f"Encode {PREVIEW_SECONDS:.0f} seconds from this moment at the chosen settings, then play them"
            " against the original — before compressing the whole clip"
        )
        self.preview_button.setEnabled(self.options is not None)
        self.preview_button.clicked.connect(self.make_preview)
        self.slider = TimeSlider()
        self.slider.setRange(0, STEPS)
        self.slider.setValue(STEPS // 10)
        self.slider.setToolTip("Time: both sides show the frame at this moment")
        self.slider.setAccessibleName("Time in the clip")
        self.slider.valueChanged.connect(self._on_scrub)
        self.slider.sliderPressed.connect(self.pause)
        self.time_label = QLabel()
        self.time_label.setToolTip("Time of the frames shown / length of the clip")
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self.timeChanged)
        for widget in (self.play_button, self.preview_button):
            layout.addWidget(widget)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.time_label)
        self._update_time_label()

    # -- time ------------------------------------------------------------------------
    def duration(self) -> float:
        info = self.item.before
        return float(info.duration) if info and info.duration else 0.0

    def current_time(self) -> float:
        d = self.duration()
        return max(0.0, min(d - END_MARGIN_S, d * self.slider.value() / STEPS)) if d else 0.0

    def show_time(self, t: float) -> None:
        """Move the slider to ``t`` without asking for still frames (playback drives it)."""
        d = self.duration()
        self.slider.blockSignals(True)
        self.slider.setValue(round(STEPS * t / d) if d else 0)
        self.slider.blockSignals(False)
        self._update_time_label(t)

    @Slot(int)
    def _on_scrub(self, _value: int) -> None:
        self._update_time_label()
        self._debounce.start()

    def _update_time_label(self, t: float | None = None) -> None:
        now = self.current_time() if t is None else t
        self.time_label.setText(f"{clip_time(now)} / {clip_time(self.duration())}")

    # -- what the after side shows -------------------------------------------------------
    def after_at(self, t: float) -> tuple[Path, float] | None:
        """The file and its own time that show the compressed clip at ``t`` in the original:
        the preview inside its five seconds, else the compressed file (None: neither exists)."""
        p = self.preview
        if p is not None and p.start - 0.01 <= t <= p.start + p.seconds:
            return p.path, max(0.0, t - p.start)
        if self.item.output is not None and self.item.finished:
            return self.item.output, t
        return None

    def after_label(self, t: float) -> tuple[str, MediaInfo | None, str]:
        """Title, facts and an extra line for the after side at ``t``."""
        p = self.preview
        if p is not None and p.start - 0.01 <= t <= p.start + p.seconds:
            whole = "" if p.estimated_bytes is None else f" · whole clip ≈ {text.human_bytes(p.estimated_bytes)}"
            extra = f"preview of {p.seconds:.0f} s from {clip_time(p.start)}{whole}"
            return "After (preview)", p.after, extra
        if self.item.output is None or not self.item.finished:
            return "After", None, f"not compressed yet: Preview {PREVIEW_SECONDS:.0f} s shows the settings"
        return "After", self.item.after, ""

    # -- playing -----------------------------------------------------------------------
    def is_playing(self) -> bool:
        return self._play_job is not None

    @Slot()
    def toggle(self) -> None:
        if self.is_playing():
            self.pause()
        else:
            self.play()

    @Slot()
    def play(self) -> None:
        t = self.current_time()
        if t >= self.duration() - 2 * END_MARGIN_S:
            t = 0.0  # at the end: play from the start, as players do
        after = self.after_at(t)
        if after is None:
            self.status.emit(f"Nothing to play the original against yet: use Preview {PREVIEW_SECONDS:.0f} s")
            return
        self.pause()
        self._debounce.stop()  # a still frame asked for just before would pause it again
        if self.view.mode == ODNIX:
            self.view.set_mode(SPLIT)  # the Odnix simulation is one frame at a time
        ratio = self.view.devicePixelRatioF()
        box = (round(self.view.width() * ratio), round(self.view.height() * ratio))
        fps = playback_fps(*(i.fps if i else None for i in (self.item.before, self.item.after)))
        seconds = None
        if self.preview is not None and after[0] == self.preview.path:
            seconds = self.preview.seconds - after[1]
        job = PlaybackJob(
            next(self._keys),
            StreamSpec(self.item.source, t, fps, box, seconds),
            StreamSpec(after[0], after[1], fps, box, seconds),
        )
        job.signals.frame.connect(self._on_frame)
        job.signals.finished.connect(self._on_ended)
        job.signals.failed.connect(self._on_failed)
        self._play_job = job
        self.play_button.setText("❚❚ Pause")
        self.status.emit(f"Playing from {clip_time(t)} at {fps:.3g} fps")
        self.runner.start(job)

    @Slot()
    def pause(self) -> None:
        job, self._play_job = self._play_job, None
        if job is not None:
            self.runner.cancel(job)
            self.status.emit(f"Paused at {clip_time(self.current_time())}")
        self.play_button.setText("▶ Play")

    @Slot(int, float, object, object)
    def _on_frame(self, key: int, t: float, before: QImage, after: QImage) -> None:
        job = self._play_job
        if job is None or key != job.key:
            return  # a frame already on its way when the user paused
        ratio = self.view.devicePixelRatioF()
        self.view.set_pixmaps(pixmap_for(before, ratio), pixmap_for(after, ratio), keep_view=True)
        self.show_time(t)
        job.frame_shown()

    @Slot(int, object)
    def _on_ended(self, key: int, end: PlaybackEnd) -> None:
        if self._play_job is None or key != self._play_job.key:
            return
        self._play_job = None
        self.play_button.setText("▶ Play")
        self.show_time(end.t)
        log.info("playback ended at %.2f s: %d frames shown, %d dropped", end.t, end.shown, end.dropped)
        self.status.emit(f"Played to {clip_time(end.t)}")

    @Slot(int, str)
    def _on_failed(self, key: int, message: str) -> None:
        if self._play_job is None or key != self._play_job.key:
            return
        self._play_job = None
        self.play_button.setText("▶ Play")
        self.status.emit(f"Could not play: {message}")

    # -- the five-second preview -----------------------------------------------------------
    @Slot()
    def make_preview(self) -> None:
        if self.options is None:
            return
        self.pause()
        if self._preview_job is not None:
            self.runner.cancel(self._preview_job)
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="odnix-preview-"))
        key = next(self._keys)
        dest = self._folder / f"preview-{key}.mp4"
        job = PreviewJob(key, self.item.source, dest, self.options, self.current_time())
        job.signals.progress.connect(self._on_preview_progress)
        job.signals.finished.connect(self._on_preview_done)
        job.signals.failed.connect(self._on_preview_failed)
        self._preview_job = job
        self.preview_button.setEnabled(False)
        self.status.emit(f"Encoding a {PREVIEW_SECONDS:.0f} s preview…")
        self.runner.start(job, priority=30)

    @Slot(int, object)
    def _on_preview_progress(self, key: int, progress: Progress) -> None:
        if self._preview_job is not None and key == self._preview_job.key:
            self.status.emit(f"Encoding a {PREVIEW_SECONDS:.0f} s preview… {progress.fraction * 100:.0f}%")

    @Slot(int, object)
    def _on_preview_done(self, key: int, result: PreviewResult) -> None:
        if self._preview_job is None or key != self._preview_job.key:
            return
        self._preview_job = None
        self.preview_button.setEnabled(True)
        old, self.preview = self.preview, result
        if old is not None:
            old.path.unlink(missing_ok=True)
        self.show_time(result.start)
        self.afterChanged.emit()
        self.play()

    @Slot(int, str)
    def _on_preview_failed(self, key: int, message: str) -> None:
        if self._preview_job is None or key != self._preview_job.key:
            return
        self._preview_job = None
        self.preview_button.setEnabled(True)
        self.status.emit(f"Could not make the preview: {message}")

    def stop(self) -> None:
        """The dialog closes: stop the jobs and remove the previews."""
        self._debounce.stop()
        self.pause()
        if self._preview_job is not None:
            self.runner.cancel(self._preview_job)
            self._preview_job = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
