"""The jobs the window runs. Each calls one core function (lazily imported) and returns its result."""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path, PurePath

from PySide6.QtGui import QImage

from odnix_desktop.core.batch import SkippedFile, WorkItem
from odnix_desktop.core.cache import ResultCache
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
        cache: ResultCache | None = None,
        force: bool = False,
    ) -> None:
        super().__init__(key)
        self.source = source
        self.out_root = out_root
        self.options = options
        self.rel_dir = rel_dir
        self.kind = kind
        self.cache = cache  # finished work is skipped, as in the CLI, unless ``force``
        self.force = force
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

        # The result cache (unchanged work is skipped, as in the CLI), then run_item inside the
        # resume journal: after a crash, what a killed window left of this item (temporaries, an
        # output already named) is cleaned up or adopted. The cache is the window's, not closed here.
        runner = ItemRunner(self.out_root, self.options, force=self.force, cache=self.cache, journal=shared_journal())
        result = runner.run(WorkItem(self.source, self.rel_dir, self.kind), self._report, self.cancel_event)
        runner.finish_folders()  # mirrored folders keep their source folders' dates
        return result

    def conclude(self, result: object) -> None:
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

    def work(self) -> list[WorkItem | SkippedFile]:
        from odnix_desktop.core.batch import collect

        return collect(self.paths)


@dataclass(frozen=True, slots=True)
class Described:
    kind: MediaKind
    info: MediaInfo
    thumbnail: QImage | None


class DescribeJob(Job):
    """``core.inspect.describe`` (headers only) plus a small thumbnail."""

    def __init__(self, key: int, path: Path, thumb_side: int = 96) -> None:
        super().__init__(key)
        self.path = path
        self.thumb_side = thumb_side

    def work(self) -> Described:
        from odnix_desktop.core.inspect import describe

        kind, info = describe(self.path)
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
        from odnix_desktop.jobs.imaging import upright_image

        before = upright_image(self.before)
        if self.cancel_event.is_set():
            return None  # type: ignore[return-value]
        return before, upright_image(self.after)


class VideoFramesJob(Job):
    """The before and after frames of a clip at the same moment. ``after`` is a file and the
    time in it that shows ``t`` of the original (a preview starts later), or None: before only."""

    def __init__(
        self, key: int, before: Path, after: tuple[Path, float] | None, t: float, max_size: tuple[int, int]
    ) -> None:
        super().__init__(key)
        self.before = before
        self.after = after
        self.t = t
        self.max_size = max_size

    def work(self) -> tuple[float, QImage, QImage | None]:
        from odnix_desktop.jobs.imaging import video_frame

        before = video_frame(self.before, self.t, self.max_size)
        if self.cancel_event.is_set():
            return None  # type: ignore[return-value]
        if self.after is None:
            return self.t, before, None
        path, t_after = self.after
        return self.t, before, video_frame(path, t_after, self.max_size)


class ExportJob(Job):
    """Copy finished outputs into a folder: a temp file, then a rename that never overwrites."""

    def __init__(self, key: int, files: list[Path], dest: Path, root: Path | None = None) -> None:
        super().__init__(key)
        self.files = files
        self.dest = dest
        self.root = root  # files under it keep their subfolders below ``dest``

    def _target(self, src: Path) -> Path:
        if self.root is not None and src.is_relative_to(self.root):
            return self.dest / src.relative_to(self.root)
        return self.dest / src.name

    def work(self) -> list[Path]:
        from odnix_desktop.core.dates import copy_times
        from odnix_desktop.core.errors import OutputError
        from odnix_desktop.core.output import commit, temporary_output

        written: list[Path] = []
        for src in self.files:
            if self.cancel_event.is_set():
                break
            final = self._target(src)
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


class SavePastedJob(Job):
    """A pasted picture written to a PNG in ``folder`` (off the GUI thread: a big screenshot
    takes a while to encode). A ``QImage`` may be used from any thread; a pixmap may not."""

    def __init__(self, key: int, image: QImage, folder: Path) -> None:
        super().__init__(key)
        self.image = image
        self.folder = folder

    def work(self) -> Path:
        from odnix_desktop.core.errors import OutputError
        from odnix_desktop.core.output import commit, temporary_output

        self.folder.mkdir(parents=True, exist_ok=True)
        final = self.folder / f"pasted-{time.strftime('%Y%m%d-%H%M%S')}-{self.key}.png"
        with temporary_output(final) as tmp:
            # PySide6 takes the format as a str at run time; its stubs say bytes.
            if not self.image.save(str(tmp), "PNG"):  # type: ignore[call-overload]
                raise OutputError("the pasted picture could not be saved", path=final)
            return commit(tmp, final)
