"""HTTP for the Odnix client: one request at a time, with progress, cancel and safe retries.

Built on ``requests`` (TLS verified with certifi's roots, no redirects followed, no ``.netrc``
or environment proxies) and ``requests-toolbelt``'s ``MultipartEncoderMonitor``, which streams a
multipart body from the file and tells how many bytes have gone out.

Cancel: a cancel token set while the body is going out stops it at the next chunk; set while
the server is working (a reel blocks while it transcodes), it shuts the socket down, so the
request ends at once instead of when the server answers. Each request gets its own connection,
whose socket is registered with the request's :class:`_Abort` when it connects.

Retries: connection errors and 5xx are retried with exponential backoff, at most
``HttpSettings.retries`` times, only when the request provably did not reach the server (the
connection failed, or broke before the whole body was handed to the socket: the server cannot
act on a multipart body it has not fully received) or when the call is safe to repeat.
A request whose body was fully sent and got no answer is reported as
:class:`OutcomeUnknownError`, never repeated behind the user's back.
"""

from __future__ import annotations

import ast
import logging
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import requests.adapters
import urllib3.connection
import urllib3.connectionpool
import urllib3.exceptions
from requests_toolbelt.multipart.encoder import MultipartEncoder, MultipartEncoderMonitor

from odnix_desktop import __version__
from odnix_desktop.core.errors import Cancelled
from odnix_desktop.core.progress import CancelToken, Progress, Report, no_report
from odnix_desktop.core.upload.errors import (
    ConnectionLostError,
    LoginFailedError,
    LoginRequiredError,
    OutcomeUnknownError,
    ServerError,
    TLSError,
    UploadError,
    UploadRefusedError,
)
from odnix_desktop.core.upload.server import ServerAddress

log = logging.getLogger(__name__)

#: Share of the progress bar given to sending the body; the rest is the server's answer.
BODY_SHARE = 0.95
PROCESSING_STAGE = "processing on server"


@dataclass(frozen=True, slots=True)
class UploadProgress(Progress):
    """A :class:`Progress` that also tells the bytes of the body sent so far."""

    bytes_sent: int = 0
    bytes_total: int = 0


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


@dataclass(frozen=True, slots=True)
class Answer:
    """A JSON answer with HTTP status < 500 other than 401 (those raise)."""

    status: int
    data: Mapping[str, Any]

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300 and self.data.get("success") is True

    def server_message(self) -> str:
        for key in ("error", "detail", "message"):
            value = self.data.get(key)
            if value:
                return clean_server_message(str(value))
        return ""

    def raise_for_failure(self, what: str, path: Path | None = None) -> None:
        """Raise :class:`UploadRefusedError` unless the server said ``success: true``."""
        if self.ok:
            return
        text = self.server_message()
        if text:
            message = f"the server refused {what}: {text}"
        else:
            message = f"the server refused {what} (HTTP {self.status}, no reason given)"
        raise UploadRefusedError(message, server_message=text, status=self.status, path=path)


def clean_server_message(text: str) -> str:
    """``"['Invalid or corrupt image file.']"`` -> ``"Invalid or corrupt image file."``."""
    stripped = text.strip()
    if stripped.startswith("[") and stripped.endswith("]"):
        try:
            value = ast.literal_eval(stripped)
        except (ValueError, SyntaxError):
            return stripped
        if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            return " ".join(value)
    return stripped


# --------------------------------------------------------------------------- abortable sockets
class _Abort:
    """The sockets of one request; :meth:`abort` shuts them down from another thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self.aborted = False

    def attach(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            aborted = self.aborted
        if aborted:
            _shutdown(sock)

    def abort(self) -> None:
        with self._lock:
            self.aborted = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    # The plain socket's shutdown, also for an SSLSocket (whose own shutdown unwraps TLS and
    # races with the reading thread): the blocked recv/send returns at once with an error.
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass


_current = threading.local()


def _register(sock: socket.socket | None) -> None:
    abort = getattr(_current, "abort", None)
    if abort is not None:
        abort.attach(sock)


class _HTTPConnection(urllib3.connection.HTTPConnection):
    def connect(self) -> None:
        super().connect()
        _register(self.sock)


class _HTTPSConnection(urllib3.connection.HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        _register(self.sock)


class _HTTPPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection  # type: ignore[assignment]


class _AbortableAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter with connections that register their socket for :class:`_Abort`."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


# --------------------------------------------------------------------------- progress
class _ProgressSink:
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
    ) -> Answer:
        """Send ``req``; retry only where safe. Raises :class:`UploadError` subclasses or
        :class:`Cancelled`. ``path`` is the file named in error messages."""
        sink = _ProgressSink(report)
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
    def _attempt(self, req: Request, sink: _ProgressSink, cancel: CancelToken | None, path: Path | None) -> Answer:
        url = self.server.endpoint(req.path)
        headers = {"User-Agent": f"odnix-desktop/{__version__}", "Accept": "application/json"}
        if req.authenticated:
            if not self._token:
                raise LoginRequiredError("you are not logged in to this server: log in first")
            self.server.check_secrets_allowed()
            headers["Authorization"] = f"Token {self._token}"
        elif req.json_body is not None:
            self.server.check_secrets_allowed()  # login sends a password

        read_timeout = req.read_timeout or self.settings.read_timeout
        abort = _Abort()
        done = threading.Event()
        body = _BodyState()
        watcher = None
        if cancel is not None:
            watcher = threading.Thread(
                target=_watch, args=(cancel, abort, done), name="odnix-upload-cancel", daemon=True
            )
            watcher.start()
        _current.abort = abort
        handle = None
        try:
            data: Any = None
            if req.file is not None:
                handle = req.file.path.open("rb")
                encoder = MultipartEncoder(
                    fields=[
                        *req.fields,
                        (req.file.field, (req.file.filename, handle, req.file.content_type)),
                    ]
                )
                body.total = encoder.len

                def on_read(monitor: MultipartEncoderMonitor) -> None:
                    if cancel is not None and cancel.is_set():
                        raise Cancelled(path=path)
                    body.sent = monitor.bytes_read
                    stage = "uploading"
                    if body.complete and req.after_body_stage:
                        stage = req.after_body_stage
                    sink.body(body.sent, body.total, stage)

                data = MultipartEncoderMonitor(encoder, on_read)
                headers["Content-Type"] = data.content_type
                sink.body(0, body.total, "uploading")
            with requests.Session() as http:
                http.trust_env = False  # no .netrc credentials, no proxy settings sneaking in
                adapter = _AbortableAdapter(max_retries=0)
                http.mount("https://", adapter)
                http.mount("http://", adapter)
                response = http.request(
                    req.method,
                    url,
                    headers=headers,
                    data=data,
                    json=None if req.json_body is None else dict(req.json_body),
                    timeout=(self.settings.connect_timeout, read_timeout),
                    allow_redirects=False,
                    verify=str(self.settings.ca_bundle) if self.settings.ca_bundle else True,
                )
        except Cancelled:
            raise
        except requests.exceptions.SSLError as exc:
            if abort.aborted:
                raise Cancelled(path=path) from None
            raise TLSError(
                f"the server's TLS certificate could not be verified ({_reason(exc)}); nothing was sent",
                path=path,
            ) from None
        except requests.exceptions.RequestException as exc:
            if abort.aborted:
                raise Cancelled(path=path) from None
            raise self._classify(req, exc, body, read_timeout, path) from None
        finally:
            _current.abort = None
            done.set()
            if watcher is not None:
                watcher.join()
            if handle is not None:
                handle.close()
        return self._answer(req, response, body, path)

    def _classify(
        self,
        req: Request,
        exc: requests.exceptions.RequestException,
        body: _BodyState,
        read_timeout: float,
        path: Path | None,
    ) -> _Retry | UploadError:
        where = self.server.url
        if _never_connected(exc):
            return _Retry(
                ConnectionLostError(
                    f"could not connect to {where} ({_reason(exc)}); nothing was sent",
                    reached_server=False,
                    path=path,
                )
            )
        if isinstance(exc, requests.exceptions.Timeout):
            happened = f"{where} did not answer within {read_timeout:g} s"
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

    def _answer(self, req: Request, response: requests.Response, body: _BodyState, path: Path | None) -> Answer:
        status = response.status_code
        log.info("%s %s -> HTTP %d", req.method, req.path, status)
        data = _json_object(response)
        if status == 401:
            detail = clean_server_message(str(data.get("error") or data.get("detail") or ""))
            if not req.authenticated:
                raise LoginFailedError(f"login refused: {detail or 'wrong user name or password'}")
            raise LoginRequiredError(
                "the server no longer accepts your login" + (f" ({detail})" if detail else "") + ": log in again",
                path=path,
            )
        if 300 <= status < 400:
            location = response.headers.get("Location", "?")
            raise ServerError(
                f"the server redirected {req.what} to {location}; check the server "
                "address (https:// or a different path?)",
                status=status,
                path=path,
            )
        if status >= 500:
            detail = clean_server_message(str(data.get("error") or data.get("detail") or ""))
            text = f"the server failed (HTTP {status})" + (f": {detail}" if detail else "")
            error = ServerError(text, status=status, path=path)
            if req.idempotent or (body.total and not body.complete):
                raise _Retry(error)
            raise error
        if data is _NOT_JSON:
            if status < 400:
                kind = response.headers.get("Content-Type", "unknown type")
                raise ServerError(
                    f"the server's answer to {req.what} is not the Odnix API "
                    f"(HTTP {status}, {kind}); check the server address",
                    status=status,
                    path=path,
                )
            return Answer(status=status, data={})
        return Answer(status=status, data=data)


class _BodyState:
    def __init__(self) -> None:
        self.sent = 0
        self.total = 0

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.sent >= self.total


class _NotJson(dict):  # type: ignore[type-arg]
    pass


_NOT_JSON: Mapping[str, Any] = _NotJson()


def _json_object(response: requests.Response) -> Mapping[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return _NOT_JSON
    return data if isinstance(data, dict) else _NOT_JSON


def _watch(cancel: CancelToken, abort: _Abort, done: threading.Event) -> None:
    while not done.is_set():
        if cancel.wait(0.05):
            if not done.is_set():
                abort.abort()
            return


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
