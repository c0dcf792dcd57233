"""Turning ffmpeg's stderr into one of the core's errors, with the line that explains it.

Pure functions: they read lines and return an error object; nothing runs here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from odnix_desktop.core.errors import (
    CorruptMediaError,
    EncoderError,
    OdnixError,
    OutputError,
    ProbeError,
    UnsupportedMediaError,
)

# "[h264 @ 0x55d0c0a4b2c0] " / "[in#0/mov,mp4 @ 0x...] " / "[vost#0:0/libx264 @ 0x...] "
_CONTEXT = re.compile(r"^\[[^\]]*@ 0x[0-9a-fA-F]+\]\s*")
_GENERIC = (
    "conversion failed",
    "error opening input:",
    "error opening output:",
    "error opening input file",
    "error opening input files",
    "error opening output file",
    "error opening output files",
    "exiting normally",
    "at least one output file must be specified",
    "press [q]",
    "terminating thread with return code",
    "nothing was written into output file",
    "task finished with error code",
    "error while filtering",
    "error while decoding stream",
    "error while processing the decoded data",
    "error sending frames to consumers",
    "error initializing output stream",
    "could not open encoder before eof",
    "last message repeated",
)

_CORRUPT_HINTS = (
    "invalid data found when processing input",
    "moov atom not found",
    "invalid nal unit size",
    "error splitting the input into nal units",
    "truncating packet",
    "ebml header parsing failed",
    "could not find codec parameters",
    "end of file",
)


def clean(line: str) -> str:
    """Drop the ``[component @ 0x...]`` prefixes (there can be several)."""
    line = line.strip()
    while True:
        shorter = _CONTEXT.sub("", line, count=1).strip()
        if shorter == line:
            return line
        line = shorter


def meaningful_line(lines: Iterable[str]) -> str | None:
    """The last stderr line that says what went wrong (not ffmpeg's generic summary lines)."""
    cleaned = [clean(line) for line in lines]
    cleaned = [line for line in cleaned if line]
    for line in reversed(cleaned):
        low = line.lower()
        if any(low.startswith(g) for g in _GENERIC):
            continue
        if low.startswith(("input #", "output #", "stream #", "duration:", "metadata:")):
            continue
        return line
    return cleaned[-1] if cleaned else None


_FILTER_HINTS = (
    "error initializing a simple filtergraph",
    "error reinitializing filters",
    "impossible to convert between the formats",
    "failed to configure output pad",
    "failed to inject frame into filter network",
    "error applying option",
)


def error_for(
    lines: Sequence[str],
    path: Path | None,
    *,
    doing: str,
    returncode: int | None = None,
    source_format: str | None = None,
) -> OdnixError:
    """The core error for a failed ffmpeg run; ``doing`` is e.g. ``"encoding"``.

    ``source_format`` (the probed pixel format, e.g. ``yuvj422p``) turns a filter-graph
    failure into words a person can act on instead of the graph's internals.
    """
    line = meaningful_line(lines)
    text = "\n".join(lines).lower()
    detail = f": {line}" if line else ""
    if any(h in text for h in _FILTER_HINTS):
        what = f"unsupported colour format {source_format}" if source_format else "unsupported picture format"
        return UnsupportedMediaError(f"{what}: its pictures could not be converted for {doing}", path=path)
    if "no space left on device" in text:
        return OutputError(f"the disk is full ({doing} stopped){detail}", path=path)
    if "no such file or directory" in text and "error opening input" in text:
        return ProbeError(f"the file could not be opened{detail}", path=path)
    if "permission denied" in text:
        target = "written" if "error opening output" in text else "read"
        err_type = OutputError if target == "written" else ProbeError
        return err_type(f"the file could not be {target} (permission denied){detail}", path=path)
    if "error opening input" in text and any(h in text for h in _CORRUPT_HINTS):
        return CorruptMediaError(f"is damaged or truncated and cannot be read{detail}", path=path)
    if "decoder not found" in text or "unknown decoder" in text or "no decoder" in text:
        return UnsupportedMediaError(f"uses a codec we cannot decode{detail}", path=path)
    if returncode is not None and returncode < 0:
        return EncoderError(f"ffmpeg was stopped by signal {-returncode} while {doing}{detail}", path=path)
    return EncoderError(f"ffmpeg failed while {doing}{detail}", path=path)
