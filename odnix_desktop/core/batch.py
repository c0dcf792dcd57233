"""Turning the paths a user gives into work items: folders walked, non-media listed as skipped."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePath

from odnix_desktop.core.errors import UnsupportedMediaError
from odnix_desktop.core.media import MediaKind, sniff_kind

log = logging.getLogger(__name__)


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


def walk_folder(folder: Path) -> Iterator[WorkItem | SkippedFile]:
    """Every file below ``folder`` (sorted, hidden files ignored), judged by content."""
    base = folder.name or folder.resolve().name
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not _is_hidden(d))
        here = Path(dirpath)
        rel = PurePath(base) / here.relative_to(folder)
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


def _named(path: Path) -> WorkItem:
    """A file named directly is always an item, sniffed like any other (so it goes to the right
    pool); one that is not recognised keeps ``kind=None`` and fails later with its reason."""
    try:
        return WorkItem(path, PurePath(), sniff_kind(path))
    except UnsupportedMediaError:
        return WorkItem(path, PurePath(), None)


def collect(paths: Iterable[Path]) -> list[WorkItem | SkippedFile]:
    """Folders are walked; files named directly are always items (a bad one fails later)."""
    seen: set[Path] = set()
    out: list[WorkItem | SkippedFile] = []
    for path in paths:
        entries: Iterable[WorkItem | SkippedFile]
        if path.is_dir():
            entries = walk_folder(path)
        else:
            entries = [_named(path)]
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
