"""Errors of the Odnix upload client, each with a message fit for a person.

The base class is :class:`odnix_desktop.core.errors.OdnixError`; a cancelled upload raises the
core's :class:`~odnix_desktop.core.errors.Cancelled`, which is not a failure. Each class's
``kind`` (:class:`~odnix_desktop.core.errors.ErrorKind`) says what the failure means for the person.
"""

from __future__ import annotations

from pathlib import Path

from odnix_desktop.core.errors import ErrorKind, OdnixError


class UploadError(OdnixError):
    """Something went wrong talking to an Odnix server."""


class ServerAddressError(UploadError):
    """The server URL is not usable (malformed, or an unsupported scheme)."""

    kind = ErrorKind.BAD_INPUT


class InsecureServerError(ServerAddressError):
    """Plain ``http://`` to a host other than this computer, and the user did not allow it."""


class LoginRequiredError(UploadError):
    """No valid token: the user has to log in (again). Every HTTP 401 becomes this."""

    kind = ErrorKind.LOG_IN_AGAIN


class LoginFailedError(LoginRequiredError):
    """The server refused the user name or password."""


class PreflightError(UploadError):
    """A check before sending refused the upload; nothing was sent.

    ``check`` names the check (``caption-length``, ``image-size``, ``reel-quota``...).
    """

    kind = ErrorKind.CHECKS_FAILED

    def __init__(self, message: str, *, check: str, path: Path | None = None) -> None:
        self.check = check
        super().__init__(message, path=path)


class UploadRefusedError(UploadError):
    """The server answered and refused (``success: false``, or a 4xx other than 401).

    ``server_message`` is the server's own text, cleaned of Python list brackets.
    """

    kind = ErrorKind.REFUSED_BY_SERVER

    def __init__(self, message: str, *, server_message: str = "", status: int = 200, path: Path | None = None) -> None:
        self.server_message = server_message
        self.status = status
        super().__init__(message, path=path)


class ServerError(UploadError):
    """The server failed (5xx) or answered something that is not its API (not JSON, a redirect)."""

    def __init__(self, message: str, *, status: int | None = None, path: Path | None = None) -> None:
        self.status = status
        super().__init__(message, path=path)


class AnswerNotUnderstoodError(ServerError):
    """An answer that is not what the API promises: a field missing, of the wrong type, too long,
    or not JSON at all. That item fails; the next one is still sent.

    ``accepted`` is True when the server said the upload succeeded before the rest of its answer
    could not be read: it may hold the upload (the history records it as "unknown").
    """

    def __init__(
        self, what: str, detail: str, *, status: int | None = None, accepted: bool = False, path: Path | None = None
    ) -> None:
        self.detail = detail
        self.accepted = accepted
        if accepted:  # the server may hold it: never "failed", which invites sending it again
            self.kind = ErrorKind.MAY_HAVE_BEEN_SENT
        message = f"the server's answer to {what} was not understood ({detail})"
        if accepted:
            message += "; it said the upload succeeded, so it may have kept it: check before sending it again"
        super().__init__(message, status=status, path=path)


class AnswerTooLargeError(ServerError):
    """The answer's body was larger than the client reads (``HttpSettings.max_answer_bytes``)."""


class TLSError(UploadError):
    """The server's TLS certificate could not be verified. Never retried, never bypassed."""


class ConnectionLostError(UploadError):
    """The network failed (no connection, dropped, or no answer in time).

    ``reached_server`` is False when the request provably did not reach the server, None when
    it may have.
    """

    def __init__(self, message: str, *, reached_server: bool | None, path: Path | None = None) -> None:
        self.reached_server = reached_server
        super().__init__(message, path=path)


class OutcomeUnknownError(ConnectionLostError):
    """The whole request was sent but no answer came: the server may have done it.

    Not retried automatically for calls that are not safe to repeat (a post, a reel...): the
    user decides, after looking at their profile.
    """

    kind = ErrorKind.MAY_HAVE_BEEN_SENT

    def __init__(self, message: str, *, path: Path | None = None) -> None:
        super().__init__(message, reached_server=None, path=path)


class HistoryError(UploadError):
    """The upload history database cannot be opened or is from a newer version.

    A damaged file is not this error: it is moved aside and a new one started
    (:attr:`~odnix_desktop.core.upload.history.UploadHistory.notices` says where it went)."""
