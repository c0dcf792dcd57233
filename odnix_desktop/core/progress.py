"""Progress reports and cancel tokens shared by every pipeline.

A pipeline takes ``report`` (a callable receiving :class:`Progress`) and
``cancel`` (a :class:`threading.Event`). The same function then serves a CLI
progress bar, a Qt signal and a test.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from odnix_desktop.core.errors import Cancelled


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a job is. ``fraction`` goes from 0.0 to 1.0 and never backwards."""

    fraction: float
    stage: str = ""
    fps: float | None = None
    speed: float | None = None
    eta_seconds: float | None = None


Report = Callable[[Progress], None]
CancelToken = threading.Event


def no_report(_: Progress) -> None:
    """A report callback that ignores everything."""


def never_cancelled() -> CancelToken:
    return threading.Event()


def check_cancel(cancel: CancelToken | None, path: Path | None = None) -> None:
    """Raise :class:`Cancelled` when the token is set."""
    if cancel is not None and cancel.is_set():
        raise Cancelled(path=path)
