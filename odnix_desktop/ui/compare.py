"""The compare dialog: before/after for one item (the view is ``compare_view``; a clip's
time slider, playback and preview are ``clip_player``)."""

from __future__ import annotations

import itertools
import logging

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QButtonGroup, QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from odnix_desktop.core.media import MediaInfo, MediaKind
from odnix_desktop.core.options import CompressOptions
from odnix_desktop.jobs.base import Job
from odnix_desktop.jobs.runner import JobRunner
from odnix_desktop.jobs.tasks import LoadPairJob, VideoFramesJob
from odnix_desktop.ui import text
from odnix_desktop.ui.clip_player import ClipControls, pixmap_for
from odnix_desktop.ui.compare_view import AFTER, BEFORE, MODES, ODNIX, SIDE, SPLIT, CompareView, checkerboard
from odnix_desktop.ui.on_odnix import OnOdnixPane
from odnix_desktop.ui.queue_model import QueueItem
from odnix_desktop.ui.time_slider import clip_time

__all__ = ["AFTER", "BEFORE", "MODES", "ODNIX", "SIDE", "SPLIT", "CompareDialog", "CompareView", "checkerboard"]

log = logging.getLogger(__name__)


def side_label(title: str, info: MediaInfo | None, extra: str = "") -> str:
    if info is None:
        return f"{title}\n{extra}" if extra else title
    parts = [text.human_bytes(info.bytes), text.dims(info.width, info.height), info.format]
    if info.fps:
        parts.append(f"{info.fps:.3g} fps")
    line = f"{title} · " + " · ".join(p for p in parts if p)
    return f"{line}\n{extra}" if extra else line


class CompareDialog(QDialog):
    """Before/after for one finished item. Pictures and frames are loaded in workers."""

    _serial = itertools.count(1)

    def __init__(
        self,
        item: QueueItem,
        runner: JobRunner,
        parent: QWidget | None = None,
        *,
        background: str = "#ffffff",
        options: CompressOptions | None = None,
    ) -> None:
        super().__init__(parent)
        self.item = item
        self.runner = runner
        self.setWindowTitle(f"Compare — {item.source.name}")
        self.resize(1100, 760)
        self.view = CompareView(self)
        saved = item.saved_fraction
        saving = "" if saved is None else (f"saved {saved * 100:.0f}%" if saved >= 0 else f"{-saved * 100:.0f}% larger")
        if item.looks is not None:  # the perceived quality the search reached (SSIMULACRA2, issue 15)
            saving = " · ".join(x for x in (saving, f"looks: {item.looks:.0f} / 100") if x)
        self.view.set_labels(side_label("Before", item.before), side_label("After", item.after, saving))

        bar = QHBoxLayout()
        self.fit_button = QPushButton("Fit")
        self.fit_button.setToolTip("Fit the whole picture in the window (F)")
        self.fit_button.clicked.connect(self.view.fit)
        self.actual_button = QPushButton("100%")
        self.actual_button.setToolTip("One picture pixel per screen pixel (0)")
        self.actual_button.clicked.connect(self.view.actual_size)
        bar.addWidget(self.fit_button)
        bar.addWidget(self.actual_button)
        bar.addSpacing(16)
        self.mode_buttons = QButtonGroup(self)
        for key, (mode, title, tip) in enumerate(
            (
                (BEFORE, "Before", "Show the original only (1)"),
                (AFTER, "After", "Show the compressed file only (2)"),
                (SPLIT, "Split", "Original left, compressed right; drag the divider (3)"),
                (SIDE, "Side by side", "Original and compressed next to each other, zoom and pan in sync (4)"),
                (ODNIX, "On Odnix", "What viewers get on Odnix: the server's own processing, simulated (5)"),
            ),
            start=1,
        ):
            b = QPushButton(f"{title} ({key})")
            b.setCheckable(True)
            b.setToolTip(tip)
            b.setProperty("mode", mode)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.mode_buttons.addButton(b, key)
            bar.addWidget(b)
        self.mode_buttons.button(3).setChecked(True)
        self.mode_buttons.idClicked.connect(self._on_mode_clicked)
        self.view.modeChanged.connect(self._on_mode_changed)
        self.odnix = OnOdnixPane(item, runner, self.view, background, self)
        self.odnix.statusChanged.connect(self._on_odnix_status)
        bar.addWidget(self.odnix.widget())
        bar.addStretch(1)
        self.status = QLabel("Loading…")
        self.status.setToolTip("What the comparison is doing")
        bar.addWidget(self.status)
        for b in (self.fit_button, self.actual_button):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)

        self._job: Job | None = None
        self._want = 0
        self.clip: ClipControls | None = None
        if item.kind is MediaKind.VIDEO:
            self.clip = ClipControls(item, runner, self.view, options, self)
            self.clip.timeChanged.connect(self.reload)
            self.clip.status.connect(self.status.setText)
            self.clip.afterChanged.connect(self._show_labels)
            layout.addWidget(self.clip.row)
        self.view.setFocus()

    # -- loading -----------------------------------------------------------------
    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._want == 0:
            self.reload()

    @Slot()
    def reload(self) -> None:
        item = self.item
        if item.output is None and self.clip is None:
            self.status.setText("Not compressed yet")
            return
        if self._job is not None:
            self.runner.cancel(self._job)
        self._want = next(self._serial)
        if self.clip is not None:
            self.clip.pause()
            t = self.clip.current_time()
            job: Job = VideoFramesJob(self._want, item.source, self.clip.after_at(t), t, (1280, 1280))
            self._show_labels()
            self.status.setText(f"Fetching frames at {clip_time(t)}…")
            if self.view.mode == ODNIX:
                self.odnix.request(t)
        else:
            assert item.output is not None
            job = LoadPairJob(self._want, item.source, item.output)
            self.status.setText("Loading pictures…")
        job.signals.finished.connect(self._on_loaded)
        job.signals.failed.connect(self._on_failed)
        self._job = job
        self.runner.start(job, priority=20)

    @Slot(int, object)
    def _on_loaded(self, key: int, result) -> None:
        if key != self._want:
            return
        self._job = None
        if self.item.kind is MediaKind.VIDEO:
            t, before, after = result
            self.status.setText(f"Frame at {clip_time(t)}")
        else:
            before, after = result
            self.status.setText("Wheel: zoom · drag: pan · 1/2/3/4: before/after/split/side by side")
        keep = self.view.before is not None
        ratio = self.view.devicePixelRatioF()
        self.view.set_pixmaps(pixmap_for(before, ratio), pixmap_for(after, ratio), keep_view=keep)

    @Slot(int, str)
    def _on_failed(self, key: int, message: str) -> None:
        if key != self._want:
            return
        self._job = None
        self.status.setText("Could not load")
        self.status.setToolTip(message)
        self.view.placeholder = message
        self.view.update()

    def is_loading(self) -> bool:
        return self._job is not None

    def current_time(self) -> float:
        return 0.0 if self.clip is None else self.clip.current_time()

    @Slot()
    def _show_labels(self) -> None:
        """A clip's after side is the preview inside its five seconds, else the compressed file."""
        if self.clip is None:
            return
        title, info, extra = self.clip.after_label(self.clip.current_time())
        self.view.set_labels(side_label("Before", self.item.before), side_label(title, info, extra))

    # -- modes ---------------------------------------------------------------------
    @Slot(int)
    def _on_mode_clicked(self, button_id: int) -> None:
        self.view.set_mode(MODES[button_id - 1])

    @Slot(str)
    def _on_mode_changed(self, mode: str) -> None:
        self.mode_buttons.button(MODES.index(mode) + 1).setChecked(True)
        if mode == ODNIX and (self.view.odnix is None or self.item.kind is MediaKind.VIDEO):
            self.odnix.request(self.current_time())

    @Slot(str)
    def _on_odnix_status(self, message: str) -> None:
        self.status.setText(message)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        keys = (Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_3, Qt.Key.Key_4, Qt.Key.Key_5, Qt.Key.Key_F, Qt.Key.Key_0)
        if event.key() in keys:
            self.view.keyPressEvent(event)
        elif event.key() in (Qt.Key.Key_P, Qt.Key.Key_K) and self.clip is not None:
            self.clip.toggle()
        elif event.key() == Qt.Key.Key_Space:
            self.accept()
        else:
            super().keyPressEvent(event)

    def done(self, result: int) -> None:
        if self._job is not None:
            self.runner.cancel(self._job)
            self._job = None
        self.odnix.stop()
        if self.clip is not None:
            self.clip.stop()
        super().done(result)
