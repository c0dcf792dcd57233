"""One error type per kind of failure, each with a message fit for a person."""

from __future__ import annotations

import enum
from pathlib import Path


class ErrorKind(enum.Enum):
    """What a failure means for the person, whatever raised it. Every error class carries one
    (``kind``); the command line and the window both take their words from here."""

    FAILED = enum.auto()  # anything else: the reason says what
    BAD_INPUT = enum.auto()  # the file (or address) cannot be used as given
    NOT_SENT = enum.auto()  # nothing went to the server: the file was not ready
    CHECKS_FAILED = enum.auto()  # a check before sending refused it: nothing went
    REFUSED_BY_SERVER = enum.auto()  # the server answered no
    MAY_HAVE_BEEN_SENT = enum.auto()  # sent, but no answer came: look at the profile
    LOG_IN_AGAIN = enum.auto()  # the server refused the login
    CANCELLED = enum.auto()  # the person stopped it: not a failure

    @property
    def words(self) -> str:
        """A few words for a person (the window's Upload cell, the CLI's table)."""
        return _WORDS[self][0]

    @property
    def code(self) -> str:
        """The stable code of the command line's JSON output (``upload.status``)."""
        return _WORDS[self][1]


_WORDS: dict[ErrorKind, tuple[str, str]] = {
    ErrorKind.FAILED: ("failed", "failed"),
    ErrorKind.BAD_INPUT: ("cannot be used", "bad-input"),
    ErrorKind.NOT_SENT: ("not sent", "not-sent"),
    ErrorKind.CHECKS_FAILED: ("not sent", "preflight-failed"),
    ErrorKind.REFUSED_BY_SERVER: ("refused", "refused"),
    ErrorKind.MAY_HAVE_BEEN_SENT: ("unknown", "unknown"),
    ErrorKind.LOG_IN_AGAIN: ("log in again", "log-in-again"),
    ErrorKind.CANCELLED: ("cancelled", "cancelled"),
}


def kind_of(exc: BaseException) -> ErrorKind:
    """The kind of any exception: its own ``kind``, else :attr:`ErrorKind.FAILED`."""
    if isinstance(exc, OdnixError | Cancelled):
        return exc.kind
    return ErrorKind.FAILED


class OdnixError(Exception):
    """Base of every error the core raises on purpose.

    ``str(err)`` is a complete sentence for a person; when the error concerns a
    file, the message names it. ``kind`` says what the failure means (see :class:`ErrorKind`).
    """

    kind = ErrorKind.FAILED

    def __init__(self, message: str, *, path: Path | None = None) -> None:
        self.path = path
        self.reason = message
        super().__init__(f"{path.name}: {message}" if path is not None else message)


class UnsupportedMediaError(OdnixError):
    """The content is not a photo or clip we can read (whatever its extension)."""

    kind = ErrorKind.BAD_INPUT


class CorruptMediaError(OdnixError):
    """The file looks like a known format but is damaged or truncated."""

    kind = ErrorKind.BAD_INPUT


class ImageTooLargeError(OdnixError):
    """The image declares more pixels than allowed (a decompression bomb)."""

    kind = ErrorKind.BAD_INPUT


class ProbeError(OdnixError):
    """A media file could not be probed."""

    kind = ErrorKind.BAD_INPUT


class EncoderError(OdnixError):
    """An encoder (Pillow, ffmpeg) failed."""


class ToolMissingError(OdnixError):
    """A required external program (ffmpeg) is not available."""


class TargetSizeError(OdnixError):
    """The requested byte budget cannot be met."""


class PresetError(OdnixError):
    """The preset cannot take this input (e.g. an animation as a profile picture)."""

    kind = ErrorKind.BAD_INPUT


class OutputError(OdnixError):
    """The output could not be written (read-only folder, full disk, ...)."""


class StalledError(OdnixError):
    """An external program stopped making progress."""


class Cancelled(Exception):  # noqa: N818 - an outcome, not an error
    """The job was cancelled. Not a failure, so not an :class:`OdnixError`: an ``except
    OdnixError`` never swallows it, and callers report it as 'cancelled'."""

    kind = ErrorKind.CANCELLED

    def __init__(self, message: str = "cancelled", *, path: Path | None = None) -> None:
        self.path = path
        self.reason = message
        super().__init__(f"{path.name}: {message}" if path is not None else message)
