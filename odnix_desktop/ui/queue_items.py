"""What a queue row holds: the item, where it is (its state), and its last upload. No Qt model
here (that is ``queue_model``); the words each state shows live beside the state."""

from __future__ import annotations

import enum
import itertools
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePath

from PySide6.QtGui import QPixmap

from odnix_desktop.core.errors import ErrorKind
from odnix_desktop.core.media import MediaInfo, MediaKind
from odnix_desktop.core.options import CompressOptions, CropBox, OwnOutput, Status
from odnix_desktop.core.progress import Progress
from odnix_desktop.jobs.base import JobState
from odnix_desktop.ui import text


class ItemState(enum.Enum):
    """Where a row is until its compression ends. Once it ended, the row holds the core's
    :class:`Status` instead (one vocabulary per concept: no copy of the results here)."""

    PROBING = "Reading…"
    READY = "Ready"
    QUEUED = "Queued"
    RUNNING = "Compressing"
    UNSUPPORTED = "Unsupported"


#: A row's state: waiting or running (``ItemState``), or how its compression ended (``Status``).
RowState = ItemState | Status

#: What the Status column says about an ended compression.
RESULT_WORDS = {
    Status.COMPRESSED: "Done",
    Status.KEPT_ORIGINAL: "Kept original",
    Status.SKIPPED: "Skipped",
    Status.FAILED: "Failed",
    Status.CANCELLED: "Cancelled",
}
#: Sorting by the Status column: the order a row goes through.
_STATE_ORDER = [*ItemState, *Status]

_FINISHED = (Status.COMPRESSED, Status.KEPT_ORIGINAL, Status.SKIPPED)
_RETRYABLE = (Status.FAILED, Status.CANCELLED)


def state_words(state: RowState) -> str:
    return state.value if isinstance(state, ItemState) else RESULT_WORDS[state]


_ids = itertools.count(1)


#: What the Upload column says about an upload job's state.
UPLOAD_WORDS = {
    JobState.PENDING: "Waiting to upload",
    JobState.RUNNING: "Uploading",
    JobState.FINISHED: "Uploaded",
    JobState.FAILED: "Upload failed",
    JobState.CANCELLED: "Upload cancelled",
}


@dataclass
class UploadState:
    """The last upload of an item: where it went, how far it is, and what it created."""

    target: str  # core.upload.Target value
    target_title: str
    phase: JobState = JobState.PENDING  # the upload job's
    progress: Progress | None = None
    url: str | None = None
    result_id: str | None = None
    error: str = ""
    failure: ErrorKind | None = None  # why the last upload failed
    sent_file: Path | None = None

    @property
    def link(self) -> str | None:
        return self.url

    def text(self) -> str:
        p = self.progress
        if self.phase is JobState.RUNNING and p is not None:
            parts = [f"{p.fraction * 100:.0f}%"]
            sent = getattr(p, "bytes_sent", 0)
            total = getattr(p, "bytes_total", 0)
            if p.stage:
                parts.append(p.stage)
            if total and p.stage == "uploading":
                parts.append(f"{text.human_bytes(sent)} of {text.human_bytes(total)}")
            return " · ".join(parts)
        if self.phase is JobState.FINISHED:
            parts = [f"✓ {self.target_title}" + (f" #{self.result_id}" if self.result_id else "")]
            if self.url:
                parts.append(self.url.rstrip("/").rsplit("/", 1)[-1])  # the full link: tooltip, menu
            return " · ".join(parts)
        if self.phase is JobState.FAILED:
            first = self.error.splitlines()[0] if self.error else ""
            return f"✗ {(self.failure or ErrorKind.FAILED).words}: {first}"
        if self.phase is JobState.PENDING:
            return f"Waiting ({self.target_title})"
        return f"{UPLOAD_WORDS[self.phase]} ({self.target_title})"


@dataclass(eq=False)
class QueueItem:
    source: Path
    rel_dir: PurePath = PurePath()
    kind: MediaKind | None = None
    state: RowState = ItemState.PROBING
    before: MediaInfo | None = None
    after: MediaInfo | None = None
    output: Path | None = None
    preset: str | None = None  # per-item choice; None: the batch preset
    used_preset: str | None = None  # what the last run used
    progress: Progress | None = None
    error: str = ""
    warnings: tuple[str, ...] = ()
    thumbnail: QPixmap | None = None
    crop: CropBox | None = None  # the profile preset's square, in upright source pixels
    upload: UploadState | None = None
    max_bytes: int | None = None  # this item's target file size; None: the settings'
    quality: int | None = None  # this item's fixed quality (the compare view's live slider)
    written: OwnOutput | None = None  # the output as this item wrote it (a recompress replaces it)
    ran_with: str | None = None  # the options' fingerprint of the last run that ended
    stale: bool = False  # ended, but settings or preset changed since: needs recompressing
    looks: float | None = None  # SSIMULACRA2 the quality search reached (issue 15)
    id: int = field(default_factory=lambda: next(_ids))

    @property
    def finished(self) -> bool:
        """Compressed, kept or skipped: there is nothing left to do."""
        return self.state in _FINISHED

    @property
    def active(self) -> bool:
        return self.state is ItemState.QUEUED or self.state is ItemState.RUNNING

    @property
    def startable(self) -> bool:
        """Waiting, or ended but its settings changed since (Start recompresses it)."""
        return self.state is ItemState.PROBING or self.state is ItemState.READY or (self.finished and self.stale)

    @property
    def recompressible(self) -> bool:
        """Ended one way or another (done, kept, skipped, failed, cancelled): Recompress runs it again."""
        return self.finished or self.retryable

    @property
    def retryable(self) -> bool:
        return self.state in _RETRYABLE

    @property
    def croppable(self) -> bool:
        """A photo, read, and not being compressed: its profile square can be placed."""
        return self.kind is MediaKind.IMAGE and self.before is not None and not self.active

    def own_options(self, options: CompressOptions) -> CompressOptions:
        """``options`` with what was chosen for this item alone (target size, quality)."""
        if self.max_bytes is not None:
            options = replace(options, max_bytes=self.max_bytes)
        if self.quality is not None:
            options = replace(options, quality=self.quality)
        return options

    def fingerprint(self, options: CompressOptions) -> str:
        """What decides this item's output (a clip ignores the photos' quality and target)."""
        if self.kind is MediaKind.VIDEO:
            options = replace(options, quality=None, target="auto")
        return options.fingerprint()

    @property
    def saved_fraction(self) -> float | None:
        if self.before is None or self.after is None or not self.before.bytes or not self.finished:
            return None
        return 1.0 - self.after.bytes / self.before.bytes


@dataclass(frozen=True)
class Totals:
    items: int
    finished: int
    before_bytes: int
    after_bytes: int

    @property
    def saved_fraction(self) -> float | None:
        if not self.before_bytes or not self.finished:
            return None
        return 1.0 - self.after_bytes / self.before_bytes
