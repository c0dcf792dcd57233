"""One item of a batch, the way a batch that survives does it (the CLI and watch mode).

Around :func:`core.compress.run_item`: the result cache first (a finished item is skipped),
then the resume journal (what a dead run left of the item is cleaned up, a finished output
adopted), then the work with the journal watching its temporary files, then the item
recorded in the cache. File dates are kept by ``run_item`` itself; the mirrored folders'
dates are put back by :meth:`ItemRunner.finish_folders` once the batch wrote into them.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path, PurePath
from typing import TypeVar

from odnix_desktop.core.batch import WorkItem
from odnix_desktop.core.cache import CacheKey, ResultCache
from odnix_desktop.core.dates import copy_times, folder_pairs, mirror_folder_times
from odnix_desktop.core.errors import OdnixError
from odnix_desktop.core.options import CompressOptions, CompressResult, Status
from odnix_desktop.core.output import output_observer
from odnix_desktop.core.progress import CancelToken, Report, no_report
from odnix_desktop.core.resume import ItemKey, ResumeJournal

log = logging.getLogger(__name__)

T = TypeVar("T")

ADOPTED_NOTE = "finished before the run was interrupted; that output is kept"


def open_cache() -> ResultCache | None:
    from odnix_desktop.core.userdirs import cache_dir

    try:
        return ResultCache(cache_dir() / "results.sqlite3")
    except Exception as exc:  # noqa: BLE001 - the cache is an optimisation only
        log.warning("result cache unavailable (%s); every item will be compressed", exc)
        return None


def open_journal() -> ResumeJournal | None:
    from odnix_desktop.core.userdirs import cache_dir

    try:
        return ResumeJournal(cache_dir() / "resume.sqlite3")
    except Exception as exc:  # noqa: BLE001 - without it a rerun redoes more, nothing worse
        log.warning("resume journal unavailable (%s); a rerun after a crash may redo more", exc)
        return None


_shared: dict[str, ResumeJournal | None] = {}
_shared_lock = threading.Lock()


def shared_journal() -> ResumeJournal | None:
    """One resume journal for the whole process (the window's compress jobs), opened on first use."""
    with _shared_lock:
        if "journal" not in _shared:
            _shared["journal"] = open_journal()
        return _shared["journal"]


class ItemRunner:
    """Runs items into ``out_root`` with the cache and the journal; safe to share between threads."""

    def __init__(
        self,
        out_root: Path,
        options: CompressOptions,
        *,
        force: bool = False,
        cache: ResultCache | None = None,
        journal: ResumeJournal | None = None,
    ) -> None:
        self.out_root = out_root
        self.options = options
        self.force = force
        self.cache = cache
        self.journal = journal
        self._folders: list[tuple[Path, Path]] = []
        self._lock = threading.Lock()

    def close(self) -> None:
        for store in (self.cache, self.journal):
            if store is not None:
                store.close()

    def run(self, item: WorkItem, report: Report = no_report, cancel: CancelToken | None = None) -> CompressResult:
        if cancel is not None and cancel.is_set():
            return CompressResult(source=item.source, status=Status.CANCELLED)
        key = self._cache_key(item)
        cache, journal = self.cache, self.journal
        if key is not None and not self.force and cache is not None:
            hit = self._guarded("look up", item.source, lambda: cache.lookup(key, item.source))
            if hit is not None:
                return hit
        jkey = self._journal_key(item)
        if jkey is not None and journal is not None:
            recovered = self._guarded("recover", item.source, lambda: journal.recover(jkey))
            if recovered is not None and recovered.output is not None:
                adopted = self._adopt(item, recovered.output, key)
                if adopted is not None:
                    return adopted
        result = self._compress(item, report, cancel, jkey)
        self._record(key, result)
        if jkey is not None and journal is not None:
            self._guarded("forget", item.source, lambda: journal.forget(jkey))
        self._note_folders(item, result)
        return result

    @staticmethod
    def _guarded(doing: str, source: Path, call: Callable[[], T]) -> T | None:
        """The cache and the journal save work; their trouble (a full disk, a database of another
        version) is logged and the item is compressed all the same."""
        try:
            return call()
        except (OSError, sqlite3.Error) as exc:
            log.warning("could not %s %s in the cache or journal: %s", doing, source, exc)
            return None

    def _compress(
        self, item: WorkItem, report: Report, cancel: CancelToken | None, jkey: ItemKey | None
    ) -> CompressResult:
        from odnix_desktop.core.compress import run_item

        inflight = None
        if jkey is not None and self.journal is not None:
            journal = self.journal
            inflight = self._guarded("journal", item.source, lambda: journal.begin(jkey))
        token = output_observer.set(inflight.observe if inflight is not None else None)
        log.info("compressing %s", item.source)  # the resume test counts these
        try:
            return run_item(
                item.source, self.out_root, self.options, rel_dir=item.rel_dir, report=report, cancel=cancel
            )
        finally:
            output_observer.reset(token)

    def _cache_key(self, item: WorkItem) -> CacheKey | None:
        if self.cache is None or not item.source.is_file():
            return None
        try:
            return CacheKey.make(item.source, self.options, self.out_root, item.rel_dir)
        except OSError:
            return None

    def _journal_key(self, item: WorkItem) -> ItemKey | None:
        try:
            return ItemKey.make(self.out_root / item.rel_dir, item.source, self.options.fingerprint())
        except OSError:
            return None

    def _record(self, key: CacheKey | None, result: CompressResult) -> None:
        if key is None or self.cache is None:
            return
        cache = self.cache
        self._guarded("record", result.source, lambda: cache.store(key, result))

    def _adopt(self, item: WorkItem, output: Path, key: CacheKey | None) -> CompressResult | None:
        """The output a dead run finished: described, dated, recorded, reported as done."""
        from odnix_desktop.core.inspect import describe

        try:
            kind, before = describe(item.source)
            _, after = describe(output)
        except (OdnixError, OSError) as exc:
            log.warning("cannot describe %s's earlier output %s (%s); compressing again", item.source, output, exc)
            return None
        if self.options.keep_dates:
            copy_times(item.source, output)
        done = CompressResult(source=item.source, status=Status.COMPRESSED, output=output, before=before, after=after)
        done = replace(done, kind=kind)
        self._record(key, done)
        self._note_folders(item, done)
        return replace(done, status=Status.SKIPPED, warnings=(ADOPTED_NOTE,))

    def _note_folders(self, item: WorkItem, result: CompressResult) -> None:
        if not self.options.keep_dates or result.output is None or item.rel_dir == PurePath():
            return
        with self._lock:
            self._folders.extend(folder_pairs(item.source, result.output, item.rel_dir))

    def finish_folders(self) -> int:
        """Give the mirrored output folders their source folders' dates (after the last write)."""
        with self._lock:
            pairs, self._folders = self._folders, []
        return mirror_folder_times(pairs)
