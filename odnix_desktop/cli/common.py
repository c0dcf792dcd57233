"""What every ``odnix-compress`` subcommand shares: exit codes, logging, argument types, Ctrl+C, output."""

from __future__ import annotations

import argparse
import logging
import re
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from rich.markup import escape

from odnix_desktop.core.options import DEFAULT_QUALITY, CropBox, check_quality
from odnix_desktop.core.units import human_bytes

log = logging.getLogger("odnix_desktop.cli")

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]?)(i?b?)\s*$", re.IGNORECASE)

__all__ = [
    "DEFAULT_QUALITY",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "add_verbose",
    "configure_logging",
    "err",
    "escape",
    "human",
    "interruptible",
    "parse_crop",
    "parse_jobs",
    "parse_quality",
    "parse_size",
]


def parse_size(text: str) -> int:
    """``500000``, ``500k``, ``2M``, ``1.5MB``, ``300KiB`` -> bytes."""
    m = _SIZE.match(text)
    if not m:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (try 500k or 2M)")
    number, unit, suffix = float(m.group(1)), m.group(2).lower(), m.group(3).lower()
    base = 1024 if suffix.startswith("i") else 1000
    value = int(number * base ** {"": 0, "k": 1, "m": 2, "g": 3}[unit])
    if value <= 0:
        raise argparse.ArgumentTypeError("the size must be positive")
    return value


def parse_quality(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"quality must be a whole number, not {text!r}") from None
    try:
        return check_quality(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def parse_target(text: str) -> str | int:
    """``auto`` or a SSIMULACRA2 score 30..99 (issue 15: the per-photo perceptual target)."""
    if text.strip().lower() == "auto":
        return "auto"
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'the target is "auto" or a whole number, not {text!r}') from None
    if not 30 <= value <= 99:
        raise argparse.ArgumentTypeError("the target must be between 30 and 99")
    return value


def parse_jobs(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--jobs takes a number, not {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError("--jobs must be at least 1")
    return n


def parse_crop(text: str) -> CropBox:
    try:
        left, top, right, bottom = (int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError("--crop takes LEFT,TOP,RIGHT,BOTTOM in pixels") from None
    if right <= left or bottom <= top:
        raise argparse.ArgumentTypeError("--crop box is empty")
    return CropBox(left, top, right, bottom)


def add_verbose(p: argparse.ArgumentParser) -> None:
    p.add_argument("-v", "--verbose", action="count", default=0, help="more log output on stderr")


def configure_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


def err(message: str) -> None:
    """A message for the person at the terminal, on stderr, as plain text."""
    sys.stderr.write(f"odnix-compress: {message}\n")
    sys.stderr.flush()


def human(n: int | None) -> str:
    return human_bytes(n) if n is not None else "—"


@contextmanager
def interruptible(cancel: threading.Event) -> Iterator[None]:
    """Ctrl+C sets ``cancel`` (ffmpeg stops, temporary files go, a request is aborted) instead of
    killing the process mid-write. The one SIGINT handler of the command line."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)

    def on_interrupt(signum: int, frame: object) -> None:
        cancel.set()
        log.warning("interrupted: cancelling…")

    signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
