"""Keeping file dates: an output gets its source's times, never its metadata.

Only the file system's modification (and access) time is copied. Nothing is written back
into the file: no EXIF date, no GPS. For clips, ``--keep-capture-date`` keeps the one
container tag ``creation_time`` (never location, device or encoder tags), checked to be a
plain ISO 8601 date before it goes onto ffmpeg's command line.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePath

log = logging.getLogger(__name__)

#: ``2024-05-01T12:34:56.000000Z`` and the variants ffmpeg prints (space or T, optional
#: fraction, Z or an offset). Anything else is dropped: the value is untrusted file content.
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?$")


def copy_times(source: Path, dest: Path) -> bool:
    """Give ``dest`` the access and modification times of ``source``. False (and a log line)
    when the platform or the folder refuses; the output itself is never at stake."""
    try:
        st = source.stat()
        os.utime(dest, ns=(st.st_atime_ns, st.st_mtime_ns))
    except OSError as exc:
        log.info("could not copy the dates of %s onto %s: %s", source, dest, exc)
        return False
    return True


def folder_pairs(source: Path, output: Path, rel_dir: PurePath) -> list[tuple[Path, Path]]:
    """The (source folder, output folder) pairs a mirrored item implies, deepest first.

    ``rel_dir`` is the mirrored part of the output's folder (``photos/2024/may``): its last
    ``len(rel_dir.parts)`` folders correspond one to one to the source's folders."""
    pairs: list[tuple[Path, Path]] = []
    src_dir, out_dir = source.parent, output.parent
    for _ in rel_dir.parts:
        pairs.append((src_dir, out_dir))
        if src_dir.parent == src_dir:
            break
        src_dir, out_dir = src_dir.parent, out_dir.parent
    return pairs


def mirror_folder_times(pairs: Iterable[tuple[Path, Path]]) -> int:
    """Copy each source folder's times onto its mirrored output folder, deepest first (a
    folder's own time changes when something is created inside it). Returns how many."""
    unique = {out: src for src, out in pairs}
    done = 0
    for out in sorted(unique, key=lambda p: len(p.parts), reverse=True):
        done += copy_times(unique[out], out)
    return done


def capture_date(tags: Mapping[str, str]) -> str | None:
    """The clip's ``creation_time`` tag when it is a well-formed date, else None."""
    value = tags.get("creation_time")
    if value is None:
        return None
    value = value.strip()
    return value if _ISO_DATE.match(value) else None


def with_capture_date(args: list[str], value: str | None) -> list[str]:
    """An ffmpeg command (ending ``-f mp4 DEST``) with ``-metadata creation_time=VALUE`` added
    before its output; the command's ``-map_metadata -1`` still drops every other tag, and
    ``+bitexact`` keeps the muxer from adding its own ``encoder`` tag beside the date."""
    if value is None:
        return args
    if len(args) < 3 or args[-3] != "-f":
        raise ValueError("the ffmpeg command does not end with -f FORMAT DEST")
    return [*args[:-3], "-metadata", f"creation_time={value}", "-fflags", "+bitexact", *args[-3:]]
