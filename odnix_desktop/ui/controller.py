"""The queue's behaviour: turns the window's intentions into jobs and job signals into rows.

A QObject on the GUI thread, so every cross-thread slot here is a ``@Slot`` method.
"""

from __future__ import annotations

import logging
import math
import shutil
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QGuiApplication, QImage, QPixmap

from odnix_desktop.core.batch import SkippedFile, WorkItem
from odnix_desktop.core.cache import ResultCache
from odnix_desktop.core.options import CompressOptions, CompressResult, CropBox, OwnOutput, Status
from odnix_desktop.core.presets import PRESETS
from odnix_desktop.core.progress import Progress
from odnix_desktop.core.settings import Settings
from odnix_desktop.core.userdirs import cache_dir
from odnix_desktop.jobs.base import Job
from odnix_desktop.jobs.runner import JobRunner
from odnix_desktop.jobs.tasks import CollectJob, CompressJob, Described, DescribeJob, ExportJob, SavePastedJob
from odnix_desktop.ui.queue_model import ItemState, QueueItem, QueueModel

log = logging.getLogger(__name__)

#: Thumbnails are shown this big (logical pixels); made at the screen's pixel ratio, at least 2x.
THUMB_SIDE = 48


def thumb_pixels() -> int:
    app = QGuiApplication.instance()
    ratio = app.devicePixelRatio() if isinstance(app, QGuiApplication) else 1.0
    return math.ceil(THUMB_SIDE * max(2.0, ratio))


class QueueController(QObject):
    #: Items were added (count); emitted after each collect.
    itemsAdded = Signal(int)
    #: A path collect finished (all its rows exist, descriptions may still run).
    collected = Signal()
    #: Items were queued for compressing (their ids): a batch starts or grows.
    queued = Signal(list)
    #: Every started compress job has ended.
    batchFinished = Signal()
    #: Every describe job has ended (rows show their before values).
    describedAll = Signal()
    busyChanged = Signal(bool)
    #: Finished outputs were copied to a folder (the files written).
    exported = Signal(list)
    #: An export failed (message for a person).
    exportFailed = Signal(str)
    #: A pasted picture could not be saved (message for a person).
    pasteFailed = Signal(str)

    def __init__(
        self, model: QueueModel, runner: JobRunner, settings: Callable[[], Settings], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.runner = runner
        self._settings = settings
        self._compress: dict[int, CompressJob] = {}
        self._describe: dict[int, DescribeJob] = {}
        self._collects: dict[int, CollectJob] = {}
        self._collect_keys = 0
        self._side_jobs: dict[int, Job] = {}  # exports and pasted pictures being saved
        self._side_keys = 0
        self._paste_dir: Path | None = None
        self._cache: ResultCache | None = None
        self._cache_failed = False
        model.presetChosen.connect(self._on_preset_chosen)
        runner.batchDone.connect(self._on_batch_done)
        runner.busyChanged.connect(self._on_busy_changed)

    # -- adding ----------------------------------------------------------------
    def add_paths(self, paths: list[Path]) -> None:
        if not paths:
            return
        self._collect_keys += 1
        job = CollectJob(self._collect_keys, [Path(p) for p in paths])
        job.signals.finished.connect(self._on_collected)
        job.signals.failed.connect(self._on_collect_failed)
        job.signals.cancelled.connect(self._on_collect_cancelled)
        self._collects[job.key] = job
        self.runner.start(job, priority=10)

    def add_pasted_image(self, image: QImage) -> Job:
        """Save a pasted picture to a PNG of its own (off the GUI thread), then queue it."""
        if self._paste_dir is None:
            self._paste_dir = cache_dir() / f"pasted-{int(time.time() * 1000)}"
        job = SavePastedJob(self._next_side_key(), image, self._paste_dir)
        job.signals.finished.connect(self._on_pasted)
        job.signals.failed.connect(self._on_paste_failed)
        job.signals.cancelled.connect(self._on_side_cancelled)
        return self._start_side(job)

    def pending_collects(self) -> int:
        return len(self._collects)

    def pending_describes(self) -> int:
        return len(self._describe)

    @Slot(int, object)
    def _on_collected(self, key: int, entries: list) -> None:
        self._collects.pop(key, None)
        new: list[QueueItem] = []
        settings = self._settings()
        ours = settings.output_suffix if settings.output_mode == "beside" else None
        for entry in entries:
            if ours and entry.source.stem.endswith(ours):  # an output written beside its original
                why = f"is an output of Odnix Desktop (its name ends with {ours}): not compressed again"
                new.append(QueueItem(entry.source, state=ItemState.UNSUPPORTED, error=why))
            elif isinstance(entry, SkippedFile):
                new.append(QueueItem(entry.source, state=ItemState.UNSUPPORTED, error=entry.reason))
            elif isinstance(entry, WorkItem):
                new.append(QueueItem(entry.source, rel_dir=entry.rel_dir, kind=entry.kind))
        added = self.model.add(new)
        for item in added:
            if item.state is ItemState.PROBING:
                self._start_describe(item)
        self.itemsAdded.emit(len(added))
        self.collected.emit()
        self._maybe_described_all()

    @Slot(int, str)
    def _on_collect_failed(self, key: int, message: str) -> None:
        self._collects.pop(key, None)
        log.warning("could not read the dropped paths: %s", message)
        self.collected.emit()

    @Slot(int)
    def _on_collect_cancelled(self, key: int) -> None:
        self._collects.pop(key, None)
        self.collected.emit()

    def _start_describe(self, item: QueueItem) -> None:
        job = DescribeJob(item.id, item.source, thumb_pixels())
        job.signals.finished.connect(self._on_described)
        job.signals.failed.connect(self._on_describe_failed)
        job.signals.cancelled.connect(self._on_describe_cancelled)
        self._describe[item.id] = job
        self.runner.start(job)

    @Slot(int, object)
    def _on_described(self, key: int, described: Described) -> None:
        self._describe.pop(key, None)
        item = self.model.by_id(key)
        if item is not None:
            changes: dict = {"kind": described.kind}
            if item.before is None:
                changes["before"] = described.info
            if described.thumbnail is not None and not described.thumbnail.isNull():
                pixmap = QPixmap.fromImage(described.thumbnail)  # GUI thread
                pixmap.setDevicePixelRatio(thumb_pixels() / THUMB_SIDE)  # crisp at high DPI
                changes["thumbnail"] = pixmap
            if item.state is ItemState.PROBING:
                changes["state"] = ItemState.READY
            self.model.update(key, **changes)
        self._maybe_described_all()

    @Slot(int, str)
    def _on_describe_failed(self, key: int, message: str) -> None:
        self._describe.pop(key, None)
        item = self.model.by_id(key)
        if item is not None and item.state is ItemState.PROBING:
            self.model.update(key, state=ItemState.UNSUPPORTED, error=message)
        self._maybe_described_all()

    @Slot(int)
    def _on_describe_cancelled(self, key: int) -> None:
        self._describe.pop(key, None)
        self._maybe_described_all()

    def _maybe_described_all(self) -> None:
        if not self._describe and not self._collects:
            self.describedAll.emit()

    # -- compressing -------------------------------------------------------------
    def options_for(self, item: QueueItem, settings: Settings | None = None) -> CompressOptions:
        """What compressing ``item`` now would use (the settings, its preset, its crop)."""
        settings = settings or self._settings()
        preset = self.model.effective_preset(item)
        options = settings.compress_options(preset)
        if item.crop is not None and preset is not None and PRESETS[preset].square_crop:
            options = replace(options, crop=item.crop)  # the square the user placed
        return item.own_options(options)  # the row menu's target size, the live slider's quality

    def set_target_size(self, item_ids: list[int], max_bytes: int | None) -> int:
        """The row menu's target file size for these items (None: the settings'); ended items
        whose options change are marked "needs recompressing". Returns how many were set."""
        return self._set_own(item_ids, max_bytes=max_bytes)

    def set_quality(self, item_ids: list[int], quality: int | None) -> int:
        """The compare view's "Apply to this item": a fixed quality for these items."""
        return self._set_own(item_ids, quality=quality)

    def _set_own(self, item_ids: list[int], **changes: object) -> int:
        items = [i for i in (self.model.by_id(k) for k in item_ids) if i is not None and not i.active]
        for item in items:
            self.model.update(item.id, **changes)
        self.mark_stale([i.id for i in items])
        return len(items)

    def start(self, item_ids: list[int] | None = None, *, force: bool = False) -> int:
        """Queue every startable item (or the given ones): waiting ones, and ended ones whose
        settings changed. Work already done with the same options is skipped (the result
        cache), unless ``force``. Returns how many were queued."""
        settings = self._settings()
        self.runner.set_image_workers(settings.workers)
        out_root = settings.output_path
        items = self.model.items() if item_ids is None else [self.model.by_id(i) for i in item_ids]
        ids: list[int] = []
        for item in items:
            if item is None or not item.startable or item.id in self._compress:
                continue
            options = self.options_for(item, settings)
            if item.written is not None and item.written.path == item.output:  # recompressing
                options = replace(options, replaces=item.written)  # only our own, unchanged output
            job = CompressJob(
                item.id,
                item.source,
                out_root,
                options,
                rel_dir=item.rel_dir,
                kind=item.kind,
                cache=self._result_cache(),
                force=force,
            )
            job.signals.started.connect(self._on_started)
            job.signals.progress.connect(self._on_progress)
            job.signals.finished.connect(self._on_finished)
            job.signals.failed.connect(self._on_failed)
            job.signals.cancelled.connect(self._on_cancelled)
            self._compress[item.id] = job
            self.model.update(item.id, state=ItemState.QUEUED, error="", progress=None, warnings=())
            self.runner.start(job)
            ids.append(item.id)
        if ids:
            self.queued.emit(ids)
        return len(ids)

    def is_busy(self) -> bool:
        return bool(self._compress)

    def job_for(self, item_id: int) -> Job | None:
        return self._compress.get(item_id)

    @Slot(int)
    def _on_started(self, key: int) -> None:
        self.model.update(key, state=ItemState.RUNNING, progress=Progress(0.0, "starting"))

    @Slot(int, object)
    def _on_progress(self, key: int, progress: Progress) -> None:
        item = self.model.by_id(key)
        if item is not None and item.state is ItemState.RUNNING:
            self.model.update(key, progress=progress)

    def _result_cache(self) -> ResultCache | None:
        """The CLI's result cache, opened once (None when it cannot be: work is then redone)."""
        if self._cache is None and not self._cache_failed:
            try:
                self._cache = ResultCache(cache_dir() / "results.sqlite3")
            except Exception as exc:  # noqa: BLE001 - the cache is an optimisation only
                log.warning("result cache unavailable (%s); every item will be compressed", exc)
                self._cache_failed = True
        return self._cache

    def recompress(self, item_ids: list[int]) -> int:
        """Compress these ended items again with today's settings and presets, replacing each
        one's own earlier output. Returns how many were queued."""
        again = [i for i in (self.model.by_id(k) for k in item_ids) if i is not None and i.recompressible]
        for item in again:
            self.model.update(item.id, state=ItemState.READY, error="", stale=False)
        return self.start([i.id for i in again], force=True) if again else 0

    def mark_stale(self, item_ids: list[int] | None = None) -> int:
        """Ended items whose options now differ from their last run's need recompressing
        (Start picks them up). Returns how many rows are stale now."""
        settings = self._settings()
        items = self.model.items() if item_ids is None else [self.model.by_id(i) for i in item_ids]
        for item in items:
            if item is None or not item.finished or item.ran_with is None:
                continue
            stale = item.fingerprint(self.options_for(item, settings)) != item.ran_with
            if stale != item.stale:
                self.model.update(item.id, stale=stale)
        return sum(1 for i in self.model.items() if i.stale)

    @Slot(int, str)
    def _on_preset_chosen(self, item_id: int, _preset: str) -> None:
        self.mark_stale([item_id])

    @Slot(int, object)
    def _on_finished(self, key: int, result: CompressResult) -> None:
        job, item = self._compress.pop(key, None), self.model.by_id(key)
        changes: dict = {
            "state": result.status,
            "after": result.after,
            "output": result.output,
            "ran_with": item.fingerprint(job.options) if job is not None and item is not None else None,
            "stale": False,
            "written": OwnOutput.maybe(result.output),
            "used_preset": result.preset,
            "warnings": result.warnings,
            "looks": None if result.quality is None else result.quality.achieved,
            "progress": None,
            "error": "",
        }
        if result.before is not None:
            changes["before"] = result.before
        if result.kind is not None:
            changes["kind"] = result.kind
        self.model.update(key, **changes)

    @Slot(int, str)
    def _on_failed(self, key: int, message: str) -> None:
        self._compress.pop(key, None)
        self.model.update(key, state=Status.FAILED, error=message, progress=None)

    @Slot(int)
    def _on_cancelled(self, key: int) -> None:
        self._compress.pop(key, None)
        self.model.update(key, state=Status.CANCELLED, progress=None)

    @Slot()
    def _on_batch_done(self) -> None:
        if not self._compress:
            self.batchFinished.emit()

    @Slot(int)
    def _on_busy_changed(self, n: int) -> None:
        self.busyChanged.emit(n > 0)

    # -- managing -------------------------------------------------------------
    def cancel(self, item_ids: list[int]) -> None:
        for item_id in item_ids:
            job = self._compress.get(item_id)
            if job is not None:
                self.runner.cancel(job)

    def cancel_all(self) -> None:
        self.cancel(sorted(self._compress, reverse=True))

    def retry(self, item_ids: list[int] | None = None) -> int:
        """Failed or cancelled items go back to the queue and start again."""
        items = self.model.items() if item_ids is None else [self.model.by_id(i) for i in item_ids]
        again = [i.id for i in items if i is not None and i.retryable]
        for item_id in again:
            self.model.update(item_id, state=ItemState.READY, error="", after=None, output=None)
        return self.start(again) if again else 0

    def remove(self, item_ids: list[int]) -> None:
        for item_id in item_ids:
            for jobs in (self._compress, self._describe):
                job = jobs.pop(item_id, None)
                if job is not None:
                    self.runner.cancel(job)
        self.model.remove(item_ids)
        self._maybe_described_all()

    def clear_finished(self) -> None:
        self.remove([i.id for i in self.model.items() if i.finished])

    def set_crop(self, item_id: int, box: CropBox) -> bool:
        """The profile picture's square for an item (it then uses the profile preset); an item
        already compressed (or failed) is compressed again with it. False: no such item."""
        item = self.model.by_id(item_id)
        if item is None:
            return False
        self.model.update(item_id, crop=box, preset="profile")
        if item.recompressible:
            self.recompress([item_id])
        return True

    @Slot(object)
    def apply_settings(self, settings: Settings) -> None:
        """New settings: the photo pool's size and the batch preset follow at once; ended rows
        whose options changed are marked "needs recompressing"."""
        self.runner.set_image_workers(settings.workers)
        self.model.batch_preset = settings.batch_preset
        self.model.refresh_presets()
        self.mark_stale()

    # -- export and paste (side jobs) -----------------------------------------------
    def export(self, files: list[Path], folder: Path) -> Job:
        """Copy finished outputs into ``folder`` (never over a file there), keeping the
        subfolders they have under the output folder."""
        job = ExportJob(self._next_side_key(), files, folder, self._settings().output_path)
        job.signals.finished.connect(self._on_exported)
        job.signals.failed.connect(self._on_export_failed)
        job.signals.cancelled.connect(self._on_side_cancelled)
        return self._start_side(job)

    def _next_side_key(self) -> int:
        self._side_keys += 1
        return self._side_keys

    def _start_side(self, job: Job) -> Job:
        self._side_jobs[job.key] = job
        self.runner.start(job)
        return job

    @Slot(int, object)
    def _on_exported(self, key: int, written: list[Path]) -> None:
        self._side_jobs.pop(key, None)
        self.exported.emit(written)

    @Slot(int, str)
    def _on_export_failed(self, key: int, message: str) -> None:
        self._side_jobs.pop(key, None)
        self.exportFailed.emit(message)

    @Slot(int, object)
    def _on_pasted(self, key: int, path: Path) -> None:
        self._side_jobs.pop(key, None)
        self.add_paths([path])

    @Slot(int, str)
    def _on_paste_failed(self, key: int, message: str) -> None:
        self._side_jobs.pop(key, None)
        self.pasteFailed.emit(message)

    @Slot(int)
    def _on_side_cancelled(self, key: int) -> None:
        self._side_jobs.pop(key, None)

    def shutdown(self) -> bool:
        """Cancel everything and wait: no job (and so no temp file) outlives this. The pasted
        pictures' folder goes too."""
        for d in (self._compress, self._describe, self._collects, self._side_jobs):
            d.clear()
        stopped = self.runner.shutdown()
        if self._cache is not None:
            self._cache.close()
            self._cache = None
        if self._paste_dir is not None:
            shutil.rmtree(self._paste_dir, ignore_errors=True)
        return stopped
