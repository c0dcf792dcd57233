"""The body of an upload: streamed from the file as multipart, with progress and cancel."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from requests_toolbelt.multipart.encoder import MultipartEncoder, MultipartEncoderMonitor

from odnix_desktop.core.errors import Cancelled
from odnix_desktop.core.progress import CancelToken, Progress, Report

if TYPE_CHECKING:
    from odnix_desktop.core.upload.transport import Request

#: Share of the progress bar given to sending the body; the rest is the server's answer.
BODY_SHARE = 0.95


@dataclass(frozen=True, slots=True)
class UploadProgress(Progress):
    """A :class:`Progress` that also tells the bytes of the body sent so far."""

    bytes_sent: int = 0
    bytes_total: int = 0


class ProgressSink:
    """Turns body bytes into :class:`UploadProgress`; the fraction never goes backwards."""

    def __init__(self, report: Report) -> None:
        self._report = report
        self._fraction = 0.0
        self._stage = ""
        self._sent = 0
        self._total = 0

    def stage(self, stage: str) -> None:
        self._stage = stage
        self._emit()

    def body(self, sent: int, total: int, stage: str) -> None:
        fraction = BODY_SHARE * (sent / total if total else 1.0)
        step = fraction - self._fraction
        changed = stage != self._stage
        self._sent, self._total, self._stage = sent, total, stage
        if step >= 0.002 or sent >= total or changed:
            self._fraction = max(self._fraction, fraction)
            self._emit()

    def _emit(self) -> None:
        self._report(
            UploadProgress(
                fraction=self._fraction,
                stage=self._stage,
                bytes_sent=self._sent,
                bytes_total=self._total,
            )
        )


class Body:
    """The multipart body of a request with a file (streamed from it, with progress and cancel)."""

    def __init__(
        self, req: Request, state: BodyState, sink: ProgressSink, cancel: CancelToken | None, path: Path | None
    ) -> None:
        self.req, self.state, self.sink, self.cancel, self.path = req, state, sink, cancel, path
        self._handle: Any = None

    def __enter__(self) -> MultipartEncoderMonitor | None:
        req, state = self.req, self.state
        if req.file is None:
            return None
        self._handle = req.file.path.open("rb")
        encoder = MultipartEncoder(
            fields=[*req.fields, (req.file.field, (req.file.filename, self._handle, req.file.content_type))]
        )
        state.total = encoder.len
        self.sink.body(0, state.total, "uploading")
        return MultipartEncoderMonitor(encoder, self._on_read)

    def _on_read(self, monitor: MultipartEncoderMonitor) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled(path=self.path)
        self.state.sent = monitor.bytes_read
        stage = "uploading"
        if self.state.complete and self.req.after_body_stage:
            stage = self.req.after_body_stage
        self.sink.body(self.state.sent, self.state.total, stage)

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            self._handle.close()


class BodyState:
    def __init__(self) -> None:
        self.sent = 0
        self.total = 0

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.sent >= self.total
