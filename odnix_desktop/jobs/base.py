"""The job base class: a QRunnable with a signals object and a state that ends exactly once."""

from __future__ import annotations

import enum
import itertools
import logging
import threading

from PySide6.QtCore import QObject, QRunnable, Signal

from odnix_desktop.core.errors import Cancelled, OdnixError

log = logging.getLogger(__name__)

_ids = itertools.count(1)


class JobState(enum.Enum):
    PENDING = "pending"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def ended(self) -> bool:
        return self in (JobState.FINISHED, JobState.FAILED, JobState.CANCELLED)


class JobSignals(QObject):
    """Signals of one job. ``key`` is the caller's key (e.g. a queue item id).

    Exactly one of ``finished``/``failed``/``cancelled`` is emitted, then ``ended``
    (with the job id) for the runner's bookkeeping.
    """

    started = Signal(int)
    progress = Signal(int, object)  # key, core.progress.Progress
    finished = Signal(int, object)  # key, result
    failed = Signal(int, str)  # key, message for a person
    cancelled = Signal(int)  # key
    ended = Signal(int)  # job id


class Job(QRunnable):
    """Subclasses implement :meth:`work`, which may call ``self.cancel_event`` aware core code.

    ``work`` returns the result; raising :class:`Cancelled` ends the job as cancelled,
    any other exception as failed (an :class:`OdnixError` keeps its message).
    """

    pool_name = "misc"

    def __init__(self, key: int = 0) -> None:
        super().__init__()
        # autoDelete stays True (the pool owns the C++ side once started). Do not call
        # setAutoDelete(False): PySide6 6.12's binding over-releases None and crashes at exit.
        # The runner keeps the Python wrapper (and so the signals object) until the job ends.
        self.id = next(_ids)
        self.key = key
        self.signals = JobSignals()
        self.cancel_event = threading.Event()
        self._state = JobState.PENDING
        self._lock = threading.Lock()
        self.returned = threading.Event()  # set when run() has left, so the job can be dropped

    # -- state -------------------------------------------------------------
    @property
    def state(self) -> JobState:
        return self._state

    def _begin(self) -> bool:
        with self._lock:
            if self._state is not JobState.PENDING:
                return False
            self._state = JobState.RUNNING
            return True

    def _end(self, state: JobState, payload: object = None) -> bool:
        with self._lock:
            if self._state.ended:
                return False
            self._state = state
        if state is JobState.FINISHED:
            self.signals.finished.emit(self.key, payload)
        elif state is JobState.FAILED:
            self.signals.failed.emit(self.key, str(payload))
        else:
            self.signals.cancelled.emit(self.key)
        self.signals.ended.emit(self.id)
        return True

    # -- running -------------------------------------------------------------
    def cancel(self) -> None:
        self.cancel_event.set()

    def end_unstarted(self) -> None:
        """The pool gave the job back before it started (``tryTake``): end it as cancelled."""
        self.cancel_event.set()
        if self._end(JobState.CANCELLED):
            self.returned.set()

    def run(self) -> None:  # called on a pool thread
        try:
            if not self._begin():
                return
            if self.cancel_event.is_set():
                self._end(JobState.CANCELLED)
                return
            self.signals.started.emit(self.key)
            try:
                result = self.work()
            except Cancelled:
                self._end(JobState.CANCELLED)
            except OdnixError as exc:
                self._end(JobState.FAILED, str(exc))
            except MemoryError:
                self._end(JobState.FAILED, "ran out of memory")
            except Exception as exc:  # a bug: keep the app alive, say what happened
                log.exception("job %s failed", type(self).__name__)
                self._end(JobState.FAILED, f"{type(exc).__name__}: {exc}")
            else:
                self.conclude(result)
        finally:
            self.returned.set()

    def conclude(self, result: object) -> None:
        """Turn the outcome of :meth:`work` into the one ending signal."""
        if self.cancel_event.is_set() and result is None:
            self._end(JobState.CANCELLED)
        else:
            self._end(JobState.FINISHED, result)

    def work(self) -> object:  # pragma: no cover - abstract
        raise NotImplementedError
