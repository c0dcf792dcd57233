"""HTTP for the Odnix client: one request at a time, with progress, cancel and safe retries.

Built on ``requests`` (TLS verified with certifi's roots, no redirects followed, no ``.netrc``
or environment proxies) and ``requests-toolbelt``'s ``MultipartEncoderMonitor``, which streams a
multipart body from the file and tells how many bytes have gone out.

Cancel: a cancel token set while the body is going out stops it at the next chunk; set while
the server is working (a reel blocks while it transcodes), it shuts the socket down, so the
request ends at once instead of when the server answers (:mod:`.sockets`).

Bounds: each read waits at most ``read_timeout``, and each try as a whole ends by its deadline
(``HttpSettings.deadline``, plus the time the body needs at ``min_send_rate``, plus
``processing_timeout`` for a call the server processes), so a server that trickles bytes cannot
hold an upload. An answer's body is read in chunks and refused past ``max_answer_bytes``.
Answers are handed on as :class:`~.answers.RawAnswer`; :mod:`.answers` reads them.

Retries: connection errors and 5xx are retried with exponential backoff, at most
``HttpSettings.retries`` times, only when the request provably did not reach the server (the
connection failed, or broke before the whole body was handed to the socket: the server cannot
act on a multipart body it has not fully received) or when the call is safe to repeat.
A request whose body was fully sent and got no answer, or a gateway's 502/504, is reported
as :class:`OutcomeUnknownError` ("check before retrying"), never repeated behind the user's back.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import urllib3.exceptions

from odnix_desktop import __version__
from odnix_desktop.core.errors import Cancelled
from odnix_desktop.core.progress import CancelToken, Report, no_report
from odnix_desktop.core.upload import sockets
from odnix_desktop.core.upload.answers import RawAnswer, clean_server_message, server_message
from odnix_desktop.core.upload.body import Body, BodyState, ProgressSink, UploadProgress
from odnix_desktop.core.upload.errors import (
    AnswerNotUnderstoodError,
    AnswerTooLargeError,
    ConnectionLostError,
    LoginFailedError,
    LoginRequiredError,
    OutcomeUnknownError,
    ServerError,
    TLSError,
    UploadError,
)
from odnix_desktop.core.upload.server import ServerAddress

log = logging.getLogger(__name__)

__all__ = ["FilePart", "HttpSettings", "OdnixHttp", "PROCESSING_STAGE", "Request", "UploadProgress"]

PROCESSING_STAGE = "processing on server"


@dataclass(frozen=True, slots=True)
class HttpSettings:
    """Timeouts (seconds) and the retry policy. Tests shorten them."""

    connect_timeout: float = 10.0
    #: Longest silence allowed while sending or waiting for an answer.
    read_timeout: float = 60.0
    #: Longest wait for an answer from a call that processes on the server (a reel transcodes).
    processing_timeout: float = 600.0
    retries: int = 3
    backoff: float = 0.5
    max_backoff: float = 8.0
    #: A CA bundle for a private server; ``None`` uses certifi's roots. Verification stays on.
    ca_bundle: Path | None = None
    #: Longest time for one try, beyond what the body needs at ``min_send_rate`` (and
    #: ``processing_timeout`` for a call the server processes): a trickling server is cut off.
    deadline: float = 120.0
    #: Slowest upload speed (bytes per second) the deadline allows for.
    min_send_rate: float = 16 * 1024
    #: Largest answer body read; a larger one is refused without being kept in memory.
    max_answer_bytes: int = 8 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class FilePart:
    field: str
    path: Path
    filename: str
    content_type: str


@dataclass(frozen=True, slots=True)
class Request:
    """One call of the API. ``what`` names it in messages ("the reel")."""

    method: str
    path: str
    what: str
    json_body: Mapping[str, Any] | None = None
    fields: tuple[tuple[str, str], ...] = ()
    file: FilePart | None = None
    #: Safe to repeat even if the server may have acted on it (GETs, create-chat, login).
    idempotent: bool = False
    authenticated: bool = True
    #: Stage shown once the body is sent while the server works on it.
    after_body_stage: str | None = None
    #: Overrides the read timeout (for a call that processes on the server).
    read_timeout: float | None = None


class _Retry(Exception):  # noqa: N818 - internal control flow, never escapes
    def __init__(self, error: UploadError) -> None:
        super().__init__(str(error))
        self.error = error


# --------------------------------------------------------------------------- the client
class OdnixHttp:
    """Sends :class:`Request` s to one server, with an optional token (never logged)."""

    def __init__(self, server: ServerAddress, token: str | None = None, settings: HttpSettings | None = None) -> None:
        self.server = server
        self._token = token
        self.settings = settings or HttpSettings()

    def __repr__(self) -> str:
        return f"OdnixHttp({self.server.url!r}, token={'set' if self._token else 'none'})"

    def send(
        self,
        req: Request,
        *,
        report: Report = no_report,
        cancel: CancelToken | None = None,
        path: Path | None = None,
    ) -> RawAnswer:
        """Send ``req``; retry only where safe. Raises :class:`UploadError` subclasses or
        :class:`Cancelled`. ``path`` is the file named in error messages."""
        sink = ProgressSink(report)
        attempt = 0
        while True:
            attempt += 1
            if cancel is not None and cancel.is_set():
                raise Cancelled(path=path)
            try:
                return self._attempt(req, sink, cancel, path)
            except _Retry as retry:
                if attempt > self.settings.retries:
                    raise retry.error from None
                delay = min(self.settings.backoff * 2 ** (attempt - 1), self.settings.max_backoff)
                log.info(
                    "%s %s: %s; retry %d of %d in %.1f s",
                    req.method,
                    req.path,
                    retry.error,
                    attempt,
                    self.settings.retries,
                    delay,
                )
                sink.stage(f"retrying ({attempt} of {self.settings.retries})")
                waiter = cancel if cancel is not None else threading.Event()
                if waiter.wait(delay):
                    raise Cancelled(path=path) from None

    # One try ---------------------------------------------------------------------------------
    def _headers(self, req: Request) -> dict[str, str]:
        headers = {
            "User-Agent": f"odnix-desktop/{__version__}",
            "Accept": "application/json",
            "Accept-Encoding": "identity",  # the size cap counts what is received, not a zip bomb's expansion
        }
        if req.authenticated:
            if not self._token:
                raise LoginRequiredError("you are not logged in to this server: log in first")
            self.server.check_secrets_allowed()
            headers["Authorization"] = f"Token {self._token}"
        elif req.json_body is not None:
            self.server.check_secrets_allowed()  # login sends a password
        return headers

    def _attempt(self, req: Request, sink: ProgressSink, cancel: CancelToken | None, path: Path | None) -> RawAnswer:
        headers = self._headers(req)
        read_timeout = req.read_timeout or self.settings.read_timeout
        body = BodyState()
        with Body(req, body, sink, cancel, path) as data:
            if data is not None:
                headers["Content-Type"] = data.content_type
            budget = self.settings.deadline + (req.read_timeout or 0.0) + body.total / self.settings.min_send_rate
            abort = sockets.Abort()
            done = threading.Event()
            watcher = threading.Thread(
                target=sockets.watch,
                args=(cancel, time.monotonic() + budget, abort, done),
                name="odnix-upload-watch",
                daemon=True,
            )
            watcher.start()
            sockets.current.abort = abort
            try:
                status, location, kind, raw = self._exchange(req, headers, data, read_timeout)
            except (Cancelled, AnswerTooLargeError):
                raise
            except requests.exceptions.SSLError as exc:
                if abort.aborted:
                    raise self._aborted(req, abort, body, budget, path) from None
                raise TLSError(
                    f"the server's TLS certificate could not be verified ({_reason(exc)}); nothing was sent",
                    path=path,
                ) from None
            except requests.exceptions.RequestException as exc:
                if abort.aborted:
                    raise self._aborted(req, abort, body, budget, path) from None
                raise self._classify(req, exc, body, f"did not answer within {read_timeout:g} s", path) from None
            finally:
                sockets.current.abort = None
                done.set()
                watcher.join()
        return self._answer(req, status, location, kind, raw, body, path)

    def _exchange(
        self, req: Request, headers: dict[str, str], data: Any, read_timeout: float
    ) -> tuple[int, str, str, bytes]:
        """The request, then the answer's body read in chunks up to the size cap."""
        with requests.Session() as http:
            http.trust_env = False  # no .netrc credentials, no proxy settings sneaking in
            adapter = sockets.AbortableAdapter(max_retries=0)
            http.mount("https://", adapter)
            http.mount("http://", adapter)
            with http.request(
                req.method,
                self.server.endpoint(req.path),
                headers=headers,
                data=data,
                json=None if req.json_body is None else dict(req.json_body),
                timeout=(self.settings.connect_timeout, read_timeout),
                allow_redirects=False,
                verify=str(self.settings.ca_bundle) if self.settings.ca_bundle else True,
                stream=True,
            ) as response:
                raw = _read_capped(response, self.settings.max_answer_bytes, req.what)
                location = response.headers.get("Location", "?")
                return response.status_code, location, response.headers.get("Content-Type", "unknown type"), raw

    def _aborted(
        self, req: Request, abort: sockets.Abort, body: BodyState, budget: float, path: Path | None
    ) -> Cancelled | _Retry | UploadError:
        if abort.why is sockets.Why.CANCELLED:
            return Cancelled(path=path)
        return self._classify(req, None, body, f"did not finish within {budget:.3g} s", path)

    def _classify(
        self,
        req: Request,
        exc: requests.exceptions.RequestException | None,
        body: BodyState,
        too_slow: str,
        path: Path | None,
    ) -> _Retry | UploadError:
        where = self.server.url
        if exc is not None and _never_connected(exc):
            return _Retry(
                ConnectionLostError(
                    f"could not connect to {where} ({_reason(exc)}); nothing was sent",
                    reached_server=False,
                    path=path,
                )
            )
        if exc is None or isinstance(exc, requests.exceptions.Timeout):
            happened = f"{where} {too_slow}"
        else:
            happened = f"the connection to {where} was lost ({_reason(exc)})"
        if body.total and not body.complete:
            return _Retry(
                ConnectionLostError(
                    f"{happened} while sending {req.what}, before all of it was sent; the server cannot have used it",
                    reached_server=False,
                    path=path,
                )
            )
        if req.idempotent:
            return _Retry(ConnectionLostError(happened, reached_server=None, path=path))
        return OutcomeUnknownError(
            f"{happened} after {req.what} was sent, so the server may have received it. "
            "It was not sent again automatically: check your profile before trying again.",
            path=path,
        )

    def _answer(
        self, req: Request, status: int, location: str, kind: str, raw: bytes, body: BodyState, path: Path | None
    ) -> RawAnswer:
        log.info("%s %s -> HTTP %d", req.method, req.path, status)
        data = _json_object(raw)
        answer = RawAnswer(status, data if data is not None else {})
        if status == 401:
            detail = server_message(answer)
            if not req.authenticated:
                raise LoginFailedError(f"login refused: {detail or 'wrong user name or password'}")
            raise LoginRequiredError(
                "the server no longer accepts your login" + (f" ({detail})" if detail else "") + ": log in again",
                path=path,
            )
        if 300 <= status < 400:
            raise ServerError(
                f"the server redirected {req.what} to {clean_server_message(location)[:200]}; check the server "
                "address (https:// or a different path?)",
                status=status,
                path=path,
            )
        if status >= 500:
            self._server_failed(req, answer, body, path)
        if data is None and status < 400:
            raise AnswerNotUnderstoodError(
                req.what,
                f"HTTP {status}, {clean_server_message(kind)[:80]} instead of the Odnix API's JSON; "
                "check the server address",
                status=status,
                path=path,
            )
        return answer

    def _server_failed(self, req: Request, answer: RawAnswer, body: BodyState, path: Path | None) -> None:
        status = answer.status
        detail = server_message(answer)
        text = f"the server failed (HTTP {status})" + (f": {detail}" if detail else "")
        failed = ServerError(text, status=status, path=path)
        if req.idempotent or (body.total and not body.complete):
            raise _Retry(failed)
        if status in (502, 504):
            # A gateway gave up waiting for the server, which had the whole request: it may have
            # acted on it. Sending again could post twice.
            raise OutcomeUnknownError(
                f"the server's gateway answered HTTP {status} after {req.what} was sent, so the server "
                "may have received it. It was not sent again automatically: check your profile "
                "before trying again.",
                path=path,
            )
        raise failed


def _read_capped(response: requests.Response, limit: int, what: str) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(what, limit)
    received = bytearray()
    for chunk in response.iter_content(64 * 1024):
        received += chunk
        if len(received) > limit:
            raise _too_large(what, limit)
    return bytes(received)


def _too_large(what: str, limit: int) -> AnswerTooLargeError:
    return AnswerTooLargeError(
        f"the server's answer to {what} is larger than {limit // (1024 * 1024) or 1} MB; it was not read"
    )


def _json_object(raw: bytes) -> dict[str, object] | None:
    """The JSON object in ``raw``, or None when it is not one (not JSON, too deep, a list...)."""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _never_connected(exc: requests.exceptions.RequestException) -> bool:
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    cause: Any = exc.args[0] if exc.args else None
    reason = getattr(cause, "reason", cause)
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


def _reason(exc: BaseException) -> str:
    """A short reason without URLs or headers (the token is in neither, but keep it brief)."""
    cause: Any = exc.args[0] if exc.args else exc
    reason = getattr(cause, "reason", cause)
    inner = getattr(reason, "args", ())
    text = str(inner[-1] if inner and isinstance(inner[-1], BaseException) else reason)
    if isinstance(reason, urllib3.exceptions.NewConnectionError):
        text = text.split(": ", 1)[-1]
    return text[:200]
