"""Uploads of finished items: which file each one sends, the jobs, and their state in the rows.

A QObject on the GUI thread, so the slots that receive the jobs' signals are ``@Slot`` methods.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot

from odnix_desktop.core.errors import ErrorKind
from odnix_desktop.core.presets import PRESETS
from odnix_desktop.core.progress import Progress
from odnix_desktop.core.settings import Settings
from odnix_desktop.core.userdirs import cache_dir
from odnix_desktop.jobs.base import JobState
from odnix_desktop.jobs.runner import JobRunner
from odnix_desktop.jobs.upload import PlannedUpload, UploadJob, UploadRequest
from odnix_desktop.ui.account import AccountController
from odnix_desktop.ui.queue_items import QueueItem, UploadState
from odnix_desktop.ui.queue_model import QueueModel

if TYPE_CHECKING:
    from odnix_desktop.core.upload import Target, UploadHistory, UploadResult

log = logging.getLogger(__name__)


class UploadController(QObject):
    #: Every upload started has ended.
    uploadsFinished = Signal()
    #: One item's upload ended (item id).
    uploadEnded = Signal(int)
    #: The server refused the login during an upload (HTTP 401): the account is now logged out.
    #: Emitted once per refused session, however many of its uploads fail.
    loginExpired = Signal()

    def __init__(
        self,
        model: QueueModel,
        runner: JobRunner,
        account: AccountController,
        settings: Callable[[], Settings],
        history: UploadHistory | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.runner = runner
        self.account = account
        self._settings = settings
        self._history = history
        self._jobs: dict[int, UploadJob] = {}
        self._after_login: list[int] = []  # items to upload once the person has logged in

    # -- the history file --------------------------------------------------------
    def history(self) -> UploadHistory:
        """The core's ``UploadHistory`` (opened on first use; raises ``HistoryError``)."""
        if self._history is None:
            from odnix_desktop.core.upload import UploadHistory

            self._history = UploadHistory()
        return self._history

    def history_or_none(self) -> UploadHistory | None:
        from odnix_desktop.core.upload import HistoryError

        try:
            return self.history()
        except HistoryError as exc:
            log.warning("%s", exc)
            return None

    # -- planning ---------------------------------------------------------------
    @staticmethod
    def uploadable(item: QueueItem) -> bool:
        return item.finished and item.output is not None and item.output.exists()

    def plan(self, items: list[QueueItem], target: Target, send_original: bool) -> list[PlannedUpload]:
        """The file each item sends: its compressed output when it was made with the target's
        preset; a recompression with that preset first when not; the original only when asked."""
        preset = PRESETS[target.value]
        out = []
        for item in items:
            if send_original:
                out.append(PlannedUpload(item.id, item.source, item.source))
            elif item.used_preset == target.value or item.kind is None or not preset.takes(item.kind):
                # Same preset; or a kind this target refuses: the checks say so by name.
                out.append(PlannedUpload(item.id, item.source, item.output))
            else:
                used = PRESETS[item.used_preset].title if item.used_preset in PRESETS else "another preset"
                options = self._settings().compress_options(target.value)
                if item.crop is not None and preset.square_crop:
                    from dataclasses import replace

                    options = replace(options, crop=item.crop)
                out.append(
                    PlannedUpload(
                        item.id,
                        item.source,
                        None,
                        options,
                        f"compressed as {used}: it is compressed again with the {preset.title} preset "
                        "before it is sent",
                    )
                )
        return out

    def planner_for(self, items: list[QueueItem]) -> Callable[[Target, bool], list[PlannedUpload]]:
        return _Planner(self, items)

    # -- login first ----------------------------------------------------------------
    def login_needed(self, items: list[QueueItem]) -> bool:
        """True when nobody is logged in: ``items`` wait for the login (see :meth:`after_login`)."""
        if self.account.logged_in:
            return False
        self._after_login = [i.id for i in items]
        return True

    def forget_waiting(self) -> None:
        """The login was given up: nothing waits for it any more."""
        self._after_login = []

    def after_login(self) -> AfterLogin:
        """Just logged in: the items that waited for it, else those a refused login left unsent."""
        waiting = [self.model.by_id(i) for i in self._after_login]
        self._after_login = []
        upload = [i for i in waiting if i is not None and self.uploadable(i)]
        return AfterLogin(upload, [] if upload else self.refused_login())

    # -- running ------------------------------------------------------------------
    def start(self, request: UploadRequest) -> int:
        """Queue one upload job per planned item (skipping items already uploading)."""
        session = self.account.session
        if session is None:
            raise RuntimeError("not logged in")
        history = self.history()
        out_root = cache_dir() / "for-upload"
        n = 0
        for plan in request.plans:
            item = self.model.by_id(plan.item_id)
            if item is None or plan.item_id in self._jobs:
                continue
            job = UploadJob(item.id, request, plan, session, history, out_root)
            job.signals.started.connect(self._on_started)
            job.signals.progress.connect(self._on_progress)
            job.signals.finished.connect(self._on_finished)
            job.signals.failed.connect(self._on_failed)
            job.signals.cancelled.connect(self._on_cancelled)
            self._jobs[item.id] = job
            self.model.update(item.id, upload=UploadState(request.target.value, request.target.title))
            self.runner.start(job)
            n += 1
        return n

    def is_busy(self) -> bool:
        return bool(self._jobs)

    def outcome_counts(self) -> tuple[int, int]:
        """How many items' last uploads went, and how many failed."""
        phases = [i.upload.phase for i in self.model.items() if i.upload is not None]
        return sum(p is JobState.FINISHED for p in phases), sum(p is JobState.FAILED for p in phases)

    def uploading(self, item_id: int) -> bool:
        return item_id in self._jobs

    def refused_login(self) -> list[QueueItem]:
        """Items whose last upload failed because the server refused the login."""
        return [
            i
            for i in self.model.items()
            if i.upload is not None and i.upload.failure is ErrorKind.LOG_IN_AGAIN and i.id not in self._jobs
        ]

    def cancel(self, item_ids: list[int]) -> None:
        for item_id in item_ids:
            job = self._jobs.get(item_id)
            if job is not None:
                self.runner.cancel(job)

    def cancel_all(self) -> None:
        self.cancel(sorted(self._jobs, reverse=True))

    def _set(self, item_id: int, **changes: object) -> None:
        item = self.model.by_id(item_id)
        if item is None or item.upload is None:
            return
        for name, value in changes.items():
            setattr(item.upload, name, value)
        self.model.update(item_id)

    def _ended(self, key: int) -> UploadJob | None:
        job = self._jobs.pop(key, None)
        self.uploadEnded.emit(key)
        if not self._jobs:
            self.uploadsFinished.emit()
        return job

    @Slot(int)
    def _on_started(self, key: int) -> None:
        self._set(key, phase=JobState.RUNNING, progress=Progress(0.0, "starting"))

    @Slot(int, object)
    def _on_progress(self, key: int, progress: Progress) -> None:
        self._set(key, progress=progress)

    @Slot(int, object)
    def _on_finished(self, key: int, result: UploadResult) -> None:
        job = self._jobs.get(key)
        sent = job.sent_file if job is not None else None
        warning = "; ".join(result.warnings) if result.warnings else ""
        self._set(
            key,
            phase=JobState.FINISHED,
            progress=None,
            url=result.url,
            result_id=result.id,
            error=warning,
            failure=None,
            sent_file=sent,
        )
        self._ended(key)

    @Slot(int, str)
    def _on_failed(self, key: int, message: str) -> None:
        job = self._jobs.get(key)
        failure = job.failure if job is not None and job.failure is not None else ErrorKind.FAILED
        sent = job.sent_file if job is not None else None
        reason = job.reason if job is not None and job.reason else message
        self._set(key, phase=JobState.FAILED, progress=None, error=reason, failure=failure, sent_file=sent)
        self._ended(key)
        if (
            failure is ErrorKind.LOG_IN_AGAIN
            and job is not None
            and self.account.expire(job.session, "the server refused the login during an upload: log in again")
        ):
            self.loginExpired.emit()

    @Slot(int)
    def _on_cancelled(self, key: int) -> None:
        self._set(key, phase=JobState.CANCELLED, progress=None)
        self._ended(key)


@dataclass(frozen=True, slots=True)
class AfterLogin:
    """What a fresh login leads to: the upload dialog for ``upload``, or ``not_sent`` selected."""

    upload: list[QueueItem]
    not_sent: list[QueueItem]


class _Planner:
    """``planner(target, send_original)`` for the upload dialog (a plain callable, GUI thread)."""

    def __init__(self, controller: UploadController, items: list[QueueItem]) -> None:
        self.controller = controller
        self.items = items

    def __call__(self, target: Target, send_original: bool) -> list[PlannedUpload]:
        return self.controller.plan(self.items, target, send_original)


def link_of(item: QueueItem | None) -> str | None:
    if item is None or item.upload is None:
        return None
    return item.upload.url
