"""Watching a folder: files are handed on once they have stopped changing, never before.

:class:`SettleTracker` is the decision, pure and clock-injectable: a file is *ready* once its
size and modification time have stayed the same for the settle time, it is not empty, no
browser's partial download sits beside it, and it can be opened. :class:`FolderWatcher` feeds
it from ``watchdog`` (inotify, FSEvents or ReadDirectoryChangesW; its polling observer where
those are not available) plus one scan at start, and calls ``on_ready`` for each ready file.

Never handed on: hidden files and folders (the program's own ``.odnix-*.part`` temporaries
among them), partial downloads and copies (``.crdownload``, ``.part``, ``.partial``, ``.tmp``,
``.download``, ``~`` backups, ``~$`` lock files), and anything inside the output folder, which
may itself lie inside the watched folder.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import EventsLostEvent, FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

log = logging.getLogger(__name__)

DEFAULT_SETTLE_S = 2.0
#: How often pending files are looked at again.
POLL_S = 0.1
PARTIAL_SUFFIXES = (".crdownload", ".part", ".partial", ".download", ".tmp", ".opdownload", ".!ut", ".filepart")


def is_ignored(path: Path, root: Path, out: Path | None) -> bool:
    """True for files a watch never takes (see the module's doc). Paths are absolute."""
    try:
        rel = path.relative_to(root)
    except ValueError:
        return True
    if out is not None and (path == out or out in path.parents):
        return True
    if any(part.startswith(".") for part in rel.parts):
        return True
    name = path.name.lower()
    return name.endswith(PARTIAL_SUFFIXES) or name.endswith("~") or name.startswith("~$")


@dataclass(slots=True)
class _Pending:
    signature: tuple[int, int] | None = None  # (size, mtime_ns) last seen
    since: float = 0.0  # when it was last seen to change


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def _can_open(path: Path) -> bool:
    try:
        with path.open("rb"):
            return True
    except OSError:
        return False


def _partial_beside(path: Path) -> bool:
    """Firefox keeps an empty ``name`` beside ``name.part`` until the download ends."""
    return any(path.with_name(path.name + suffix).exists() for suffix in (".part", ".crdownload"))


class SettleTracker:
    """Which of the files it was told about have settled. Thread-safe."""

    def __init__(self, settle: float = DEFAULT_SETTLE_S, clock: Callable[[], float] = time.monotonic) -> None:
        if settle < 0:
            raise ValueError("the settle time cannot be negative")
        self.settle = settle
        self._clock = clock
        self._pending: dict[Path, _Pending] = {}
        self._taken: dict[Path, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def touch(self, path: Path) -> None:
        """Something happened to ``path``: look at it again (its settle time starts over when
        its size or modification time has changed)."""
        with self._lock:
            self._pending.setdefault(path, _Pending(since=self._clock()))

    def pending(self) -> int:
        with self._lock:
            return len(self._pending)

    def due(self) -> list[Path]:
        """The files that have settled since the last call (each once per version of it)."""
        now = self._clock()
        ready: list[Path] = []
        with self._lock:
            for path, state in list(self._pending.items()):
                sig = _signature(path)
                if sig is None:  # gone (moved away, deleted)
                    del self._pending[path]
                    continue
                if self._taken.get(path) == sig:  # a late event for a version already taken
                    del self._pending[path]
                    continue
                if sig != state.signature:
                    state.signature, state.since = sig, now
                    continue
                if now - state.since < self.settle or sig[0] == 0 or _partial_beside(path):
                    continue
                if not _can_open(path):
                    continue
                del self._pending[path]
                self._taken[path] = sig
                ready.append(path)
        return sorted(ready)


def walk_files(folder: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            yield Path(dirpath) / name


class FolderWatcher:
    """Watches ``root`` (recursively) and calls ``on_ready(path)`` from its own thread for each
    file that has settled. ``start`` also takes the files already there."""

    def __init__(
        self,
        root: Path,
        on_ready: Callable[[Path], None],
        *,
        out: Path | None = None,
        settle: float = DEFAULT_SETTLE_S,
        poll: float = POLL_S,
        polling: bool = False,
    ) -> None:
        self.root = root.resolve()
        self.out = out.resolve() if out is not None else None
        self.tracker = SettleTracker(settle)
        self._on_ready = on_ready
        self._poll = poll
        self._polling = polling
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._observer: BaseObserver | None = None

    def notice(self, path: Path) -> None:
        """Tell the watcher about a path (a file, or a folder to scan)."""
        path = Path(os.path.abspath(path))
        if path.is_dir():
            if path == self.root or not is_ignored(path, self.root, self.out):
                for file in walk_files(path):
                    self.notice(file)
            return
        if not is_ignored(path, self.root, self.out):
            self.tracker.touch(path)

    def start(self) -> None:
        self._observer = self._start_observer()
        self.notice(self.root)  # after the observer: nothing created meanwhile is missed
        self._thread = threading.Thread(target=self._loop, name="watch-settle", daemon=True)
        self._thread.start()

    def _start_observer(self) -> BaseObserver:
        handler = _Handler(self)
        if not self._polling:
            try:
                observer = Observer()
                observer.schedule(handler, str(self.root), recursive=True)
                observer.start()
                return observer
            except OSError as exc:  # e.g. the inotify watch limit
                log.warning("native file watching unavailable (%s); polling the folder instead", exc)
        observer = PollingObserver(timeout=max(self._poll, 0.25))
        observer.schedule(handler, str(self.root), recursive=True)
        observer.start()
        return observer

    def _loop(self) -> None:
        while not self._stop.wait(self._poll):
            for path in self.tracker.due():
                if self._stop.is_set():
                    return
                try:
                    self._on_ready(path)
                except Exception:  # noqa: BLE001 - one file's trouble must not end the watch
                    log.exception("handling %s failed", path)

    def stop(self) -> None:
        self._stop.set()
        observer = self._observer
        if observer is not None:
            observer.stop()
            observer.join(timeout=5)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=30)


class _Handler(FileSystemEventHandler):
    """watchdog events -> ``FolderWatcher.notice``. Reads (opened, closed without writing),
    attribute changes and a folder's own modification are not changes of any file's content."""

    def __init__(self, watcher: FolderWatcher) -> None:
        super().__init__()
        self._watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        kind = event.event_type
        if isinstance(event, EventsLostEvent):
            self._watcher.notice(self._watcher.root)
        elif kind == "moved":
            self._watcher.notice(Path(os.fsdecode(event.dest_path)))
        elif event.is_directory:
            if kind == "created":
                self._watcher.notice(Path(os.fsdecode(event.src_path)))
        elif kind in ("created", "modified", "closed"):
            self._watcher.notice(Path(os.fsdecode(event.src_path)))
