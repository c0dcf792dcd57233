"""One error type per kind of failure, each with a message fit for a person."""

from __future__ import annotations

from pathlib import Path


class OdnixError(Exception):
    """Base of every error the core raises on purpose.

    ``str(err)`` is a complete sentence for a person; when the error concerns a
    file, the message names it.
    """

    def __init__(self, message: str, *, path: Path | None = None) -> None:
        self.path = path
        self.reason = message
        super().__init__(f"{path.name}: {message}" if path is not None else message)


class UnsupportedMediaError(OdnixError):
    """The content is not a photo or clip we can read (whatever its extension)."""


class CorruptMediaError(OdnixError):
    """The file looks like a known format but is damaged or truncated."""


class ImageTooLargeError(OdnixError):
    """The image declares more pixels than allowed (a decompression bomb)."""


class ProbeError(OdnixError):
    """A media file could not be probed."""


class EncoderError(OdnixError):
    """An encoder (Pillow, ffmpeg) failed."""


class ToolMissingError(OdnixError):
    """A required external program (ffmpeg) is not available."""


class TargetSizeError(OdnixError):
    """The requested byte budget cannot be met."""


class PresetError(OdnixError):
    """The preset cannot take this input (e.g. an animation as a profile picture)."""


class OutputError(OdnixError):
    """The output could not be written (read-only folder, full disk, ...)."""


class StalledError(OdnixError):
    """An external program stopped making progress."""


class Cancelled(OdnixError):
    """The job was cancelled. Not a failure: callers report it as 'cancelled'."""

    def __init__(self, message: str = "cancelled", *, path: Path | None = None) -> None:
        super().__init__(message, path=path)
