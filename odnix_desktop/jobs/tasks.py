"""The jobs the window runs. Each calls one core function (lazily imported) and returns its result."""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from PySide6.QtGui import QImage

from odnix_desktop.core.media import MediaInfo, MediaKind
from odnix_desktop.core.options import CompressOptions, CompressResult, Status
from odnix_desktop.core.progress import Progress
from odnix_desktop.jobs.base import Job, JobState

log = logging.getLogger(__name__)


class CompressJob(Job):
    """``core.compress.run_item`` for one queue item. A FAILED result ends as ``failed``
    (with the core's message), CANCELLED as ``cancelled``; the rest as ``finished(result)``."""

    #: At most this many progress signals a second (the last one, 1.0, always goes).
    PROGRESS_HZ = 15.0

    def __init__(
        self,
        key: int,
        source: Path,
        out_root: Path,
        options: CompressOptions,
        *,
        rel_dir: PurePath = PurePath(),
        kind: MediaKind | None = None,
    ) -> None:
        super().__init__(key)
        self.source = source
        self.out_root = out_root
        self.options = options
        self.rel_dir = rel_dir
        self.kind = kind
        self.pool_name = "videos" if kind is MediaKind.VIDEO else "images"
        self._last_report = 0.0

    def _report(self, progress: Progress) -> None:
        now = time.monotonic()
        if progress.fraction < 1.0 and now - self._last_report < 1.0 / self.PROGRESS_HZ:
            return
        self._last_report = now
        self.signals.progress.emit(self.key, progress)

    def work(self) -> CompressResult:
        from odnix_desktop.core.batch import WorkItem
        from odnix_desktop.core.itemrun import ItemRunner, shared_journal

        # run_item inside the resume journal (no result cache): after a crash, what a killed
        # window left of this item (temporaries, an output already named) is cleaned up or adopted.
        runner = ItemRunner(self.out_root, self.options, journal=shared_journal())
        result = runner.run(WorkItem(self.source, self.rel_dir, self.kind), self._report, self.cancel_event)
        runner.finish_folders()  # mirrored folders keep their source folders' dates
        return result

    def conclude(self, result: Any) -> None:
        assert isinstance(result, CompressResult)
        if result.status is Status.CANCELLED:
            self._end(JobState.CANCELLED)
        elif result.status is Status.FAILED:
            self._end(JobState.FAILED, result.error or f"{self.source.name}: failed")
        else:
            self._end(JobState.FINISHED, result)


class CollectJob(Job):
    """``core.batch.collect``: walk folders and sniff files off the GUI thread."""

    def __init__(self, key: int, paths: list[Path]) -> None:
        super().__init__(key)
        self.paths = paths

    def work(self) -> list:
        from odnix_desktop.core.batch import WorkItem, collect
        from odnix_desktop.core.errors import UnsupportedMediaError
        from odnix_desktop.core.media import sniff_kind

        out = []
        for entry in collect(self.paths):
            if isinstance(entry, WorkItem) and entry.kind is None:
                try:  # files named directly: sniff here too, so the right pool gets them
                    entry = WorkItem(entry.source, entry.rel_dir, sniff_kind(entry.source))
                except UnsupportedMediaError:
                    pass  # the describe job reports the reason
            out.append(entry)
        return out


@dataclass(frozen=True, slots=True)
class Described:
    kind: MediaKind
    info: MediaInfo
    thumbnail: QImage | None


def describe_media(path: Path) -> tuple[MediaKind, MediaInfo]:
    """``core.inspect.describe``; for clips, falls back to ``probe(path).media_info()`` while
    ``core.video.probe`` has no module-level ``media_info`` (which ``describe`` expects)."""
    from odnix_desktop.core.inspect import describe
    from odnix_desktop.core.media import sniff_kind

    if sniff_kind(path) is MediaKind.VIDEO:
        from odnix_desktop.core.video import probe as video_probe

        if not hasattr(video_probe, "media_info"):
            return MediaKind.VIDEO, video_probe.probe(path).media_info()
    return describe(path)


class DescribeJob(Job):
    """``core.inspect.describe`` (headers only) plus a small thumbnail."""

    def __init__(self, key: int, path: Path, thumb_side: int = 96) -> None:
        super().__init__(key)
        self.path = path
        self.thumb_side = thumb_side

    def work(self) -> Described:
        kind, info = describe_media(self.path)
        thumb: QImage | None = None
        if not self.cancel_event.is_set():
            try:
                thumb = self._thumbnail(kind, info)
            except Exception as exc:  # noqa: BLE001 - a missing thumbnail is not a failure
                log.info("no thumbnail for %s: %s", self.path, exc)
        return Described(kind, info, thumb)

    def _thumbnail(self, kind: MediaKind, info: MediaInfo) -> QImage | None:
        from odnix_desktop.jobs.imaging import image_thumbnail, video_frame

        if kind is MediaKind.IMAGE:
            return image_thumbnail(self.path, self.thumb_side)
        t = min(1.0, (info.duration or 0) / 2)
        return video_frame(self.path, t, (self.thumb_side, self.thumb_side))


class LoadPairJob(Job):
    """Both sides of an image comparison, full size and upright."""

    def __init__(self, key: int, before: Path, after: Path) -> None:
        super().__init__(key)
        self.before = before
        self.after = after

    def work(self) -> tuple[QImage, QImage]:
        from odnix_desktop.jobs.imaging import load_upright, pil_to_qimage

        before = pil_to_qimage(load_upright(self.before))
        if self.cancel_event.is_set():
            return None  # type: ignore[return-value]
        return before, pil_to_qimage(load_upright(self.after))


class VideoFramesJob(Job):
    """The before and after frames of a clip at the same timestamp."""

    def __init__(self, key: int, before: Path, after: Path, t: float, max_size: tuple[int, int]) -> None:
        super().__init__(key)
        self.before = before
        self.after = after
        self.t = t
        self.max_size = max_size

    def work(self) -> tuple[float, QImage, QImage]:
        from odnix_desktop.jobs.imaging import video_frame

        before = video_frame(self.before, self.t, self.max_size)
        if self.cancel_event.is_set():
            return None  # type: ignore[return-value]
        return self.t, before, video_frame(self.after, self.t, self.max_size)


class ExportJob(Job):
    """Copy finished outputs into a folder: a temp file, then a rename that never overwrites."""

    def __init__(self, key: int, files: list[Path], dest: Path) -> None:
        super().__init__(key)
        self.files = files
        self.dest = dest

    def work(self) -> list[Path]:
        from odnix_desktop.core.dates import copy_times
        from odnix_desktop.core.errors import OutputError
        from odnix_desktop.core.output import commit, temporary_output

        written: list[Path] = []
        for src in self.files:
            if self.cancel_event.is_set():
                break
            final = self.dest / src.name
            with temporary_output(final) as tmp:
                try:
                    shutil.copyfile(src, tmp)
                except OSError as exc:
                    raise OutputError(f"cannot copy {src.name}: {exc.strerror or exc}") from None
                copy_times(src, tmp)  # the output's dates (its source's, when kept) go with it
                written.append(commit(tmp, final))
        return written


class PreviewJob(Job):
    """A photo upright, fitted in ``max_side`` pixels (the crop dialog's picture)."""

    def __init__(self, key: int, path: Path, max_side: int) -> None:
        super().__init__(key)
        self.path = path
        self.max_side = max_side

    def work(self) -> QImage:
        from odnix_desktop.jobs.imaging import image_thumbnail

        return image_thumbnail(self.path, self.max_side)
