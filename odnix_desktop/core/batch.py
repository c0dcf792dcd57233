"""Turning the paths a user gives into work items: folders walked, non-media listed as skipped.

Two rules keep a run from eating its own tail: the output folder (and any folder an
earlier run marked as holding its outputs) is never walked as input, and every
item's sub-folder is a plain relative path, so outputs stay inside the output folder
whatever the input was called (``..``, ``/``, a symlink).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePath

from odnix_desktop.core.errors import UnsupportedMediaError
from odnix_desktop.core.media import MediaKind, SpecialFileError, check_regular, sniff_kind
from odnix_desktop.core.output import OUTPUT_MARKER, safe_relative

log = logging.getLogger(__name__)

OUTPUT_FOLDER_REASON = "is an output folder (it holds odnix outputs); outputs are never taken as input"


@dataclass(frozen=True, slots=True)
class WorkItem:
    """A file to compress, and the sub-folder its output goes to (mirroring its folder)."""

    source: Path
    rel_dir: PurePath
    kind: MediaKind | None  # None: named explicitly but not recognised; the pipeline says why


@dataclass(frozen=True, slots=True)
class SkippedFile:
    source: Path
    reason: str


def _is_hidden(name: str) -> bool:
    return name.startswith(".")


def folder_label(folder: Path) -> str:
    """The name a walked folder gets under the output folder: its real name, never ``..``."""
    try:
        name = folder.resolve().name
    except OSError:
        name = folder.absolute().name
    return name if name not in ("", ".", "..") else "root"


def holds_outputs(folder: Path, exclude: frozenset[Path] = frozenset()) -> bool:
    """True for the run's output folder and for any folder an earlier run wrote outputs into."""
    if _key(folder) in exclude:
        return True
    try:
        return (folder / OUTPUT_MARKER).is_file()
    except OSError:
        return False


def walk_folder(folder: Path, exclude: frozenset[Path] = frozenset()) -> Iterator[WorkItem | SkippedFile]:
    """Every file below ``folder`` (sorted, hidden files ignored), judged by content.

    Folders in ``exclude`` (resolved paths) and folders marked as holding outputs are
    not entered; FIFOs, sockets and devices are skipped without being opened.
    """
    base = PurePath(folder_label(folder))
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not _is_hidden(d) and not holds_outputs(here / d, exclude))
        rel = safe_relative(base / here.relative_to(folder))
        for name in sorted(filenames):
            if _is_hidden(name):
                continue
            path = here / name
            try:
                kind = sniff_kind(path)
            except UnsupportedMediaError as exc:
                yield SkippedFile(path, exc.reason)
                continue
            yield WorkItem(path, rel, kind)


def _named_file(path: Path, exclude: frozenset[Path]) -> WorkItem | SkippedFile:
    """A file named directly: an item, sniffed (a bad one fails later with its reason), unless
    it is a special file (never opened) or sits in the output folder."""
    try:
        check_regular(path)
    except SpecialFileError as exc:
        return SkippedFile(path, exc.reason)
    if exclude and _key(path.parent) in exclude:
        return SkippedFile(path, "is in the output folder: it is one of our outputs, not an original")
    try:  # sniffed like any other file, so it goes to the right pool
        return WorkItem(path, PurePath(), sniff_kind(path))
    except UnsupportedMediaError:  # not recognised: kind None, the pipeline says why
        return WorkItem(path, PurePath(), None)


def collect(paths: Iterable[Path], out_root: Path | None = None) -> list[WorkItem | SkippedFile]:
    """Work items for ``paths``; ``out_root`` (the run's output folder) is never taken as input."""
    exclude = frozenset() if out_root is None else frozenset({_key(out_root)})
    seen: set[Path] = set()
    out: list[WorkItem | SkippedFile] = []
    for path in paths:
        entries: Iterable[WorkItem | SkippedFile]
        if path.is_dir():
            if holds_outputs(path, exclude):
                entries = [SkippedFile(path, OUTPUT_FOLDER_REASON)]
            else:
                entries = walk_folder(path, exclude)
        else:
            entries = [_named_file(path, exclude)]
        for entry in entries:
            key = _key(entry.source)
            if key in seen:
                continue
            seen.add(key)
            out.append(entry)
    return out


def _key(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path.absolute()
