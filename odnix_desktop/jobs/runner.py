"""The pools and the bookkeeping of live jobs.

Images run in parallel (one thread per core, or the setting), videos one at a
time (ffmpeg already uses every core), and small work (probing, thumbnails,
compare frames, exports) on a pool of its own so it never waits behind encodes.
"""

from __future__ import annotations

import logging
import weakref

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QThreadPool, Signal, Slot

from odnix_desktop.core.settings import default_workers
from odnix_desktop.jobs.base import Job, JobState

log = logging.getLogger(__name__)

_runners: list[weakref.ref[JobRunner]] = []


def live_runners() -> list[JobRunner]:
    """Every runner still alive (the tests' dangling-job guard checks them)."""
    out = []
    for ref in list(_runners):
        runner = ref()
        if runner is None or not shiboken6.isValid(runner):
            _runners.remove(ref)
        else:
            out.append(runner)
    return out


class JobRunner(QObject):
    """Starts jobs on the right pool, keeps them alive until they end, cancels them."""

    #: The last compress job ended (the batch is over).
    batchDone = Signal()
    #: Number of live compress jobs changed.
    busyChanged = Signal(int)

    COMPRESS_POOLS = ("images", "videos")

    def __init__(self, image_workers: int | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pools: dict[str, QThreadPool] = {}
        for name, threads in (
            ("images", image_workers or default_workers()),
            ("videos", 1),
            ("misc", 2),
            ("uploads", 1),
            ("playback", 1),  # the compare view's clip player: one at a time, never in misc's way
        ):
            pool = QThreadPool(self)
            pool.setObjectName(f"odnix-{name}")
            pool.setMaxThreadCount(threads)
            self.pools[name] = pool
        self._live: dict[int, Job] = {}
        self._done: list[Job] = []  # ended, but run() may not have returned yet
        self._compress_live = 0
        _runners.append(weakref.ref(self))

    # -- starting -----------------------------------------------------------
    def start(self, job: Job, priority: int = 0) -> Job:
        self._live[job.id] = job
        job.signals.ended.connect(self._on_ended)
        self.pools[job.pool_name].start(job, priority)
        if job.pool_name in self.COMPRESS_POOLS:
            self._compress_live += 1
            if self._compress_live == 1:
                self.busyChanged.emit(1)
        return job

    def set_image_workers(self, n: int) -> None:
        self.pools["images"].setMaxThreadCount(max(1, n))

    # -- state ----------------------------------------------------------------
    def live_jobs(self) -> list[Job]:
        return list(self._live.values())

    def compress_count(self) -> int:
        return self._compress_live

    def is_busy(self) -> bool:
        return self.compress_count() > 0

    def active_threads(self) -> int:
        return sum(p.activeThreadCount() for p in self.pools.values())

    # -- cancelling -----------------------------------------------------------
    def cancel(self, job: Job) -> None:
        """Set the job's cancel token; a job still queued is taken back from its pool and ends
        as cancelled at once, before this returns (a running one stops at its next check).

        ``QThreadPool.tryTake`` is safe with PySide6 < 6.12 (pinned: 6.12.0's binding
        over-releases the returned bool and crashes the interpreter at exit).
        """
        job.cancel()
        if job.state is JobState.PENDING and self.pools[job.pool_name].tryTake(job):
            job.end_unstarted()

    def cancel_all(self, pools: tuple[str, ...] | None = None) -> None:
        # Take the queued ones first so freed threads do not pick them up.
        for job in sorted(self.live_jobs(), key=lambda j: -j.id):
            if pools is None or job.pool_name in pools:
                self.cancel(job)

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Cancel everything and wait for the threads. Returns False if some did not stop."""
        self.cancel_all()
        ok = all(pool.waitForDone(timeout_ms) for pool in self.pools.values())
        if ok:
            # Deliver the queued "ended" signals now, so the bookkeeping is empty on return.
            QCoreApplication.sendPostedEvents(self, QEvent.Type.MetaCall)
            self._live.clear()
            self._done.clear()
            self._compress_live = 0
        return ok

    def wait(self, timeout_ms: int = 30_000) -> bool:
        return all(pool.waitForDone(timeout_ms) for pool in self.pools.values())

    # -- bookkeeping ----------------------------------------------------------
    @Slot(int)
    def _on_ended(self, job_id: int) -> None:
        job = self._live.pop(job_id, None)
        if job is not None:
            self._done.append(job)
        self._done = [j for j in self._done if not j.returned.is_set()]
        if job is not None and job.pool_name in self.COMPRESS_POOLS:
            self._compress_live -= 1
            if self._compress_live == 0:
                self.busyChanged.emit(0)
                self.batchDone.emit()
