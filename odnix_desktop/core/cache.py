"""Remember finished work so that a re-run into the same folder does nothing again.

Keyed by the source's path and content hash, the options and the output folder (two
identical files are two items). A hit counts only while the earlier output is still
there unchanged (same size and modification time); ``--force`` or another output
folder always redoes the work. The cache is an optimisation: a damaged file is moved
aside and rebuilt with a warning, never a reason for a run to stop.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TypeVar

from odnix_desktop.core.media import MediaInfo
from odnix_desktop.core.options import CompressOptions, CompressResult, Status

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
_T = TypeVar("_T")


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class CacheKey:
    source: str  # the source's absolute path: identical content under two names is two items
    digest: str
    options: str
    out_dir: str

    @classmethod
    def make(cls, source: Path, options: CompressOptions, out_root: Path, rel_dir: PurePath) -> CacheKey:
        out_dir = str((out_root / rel_dir).resolve())
        return cls(str(source.resolve()), file_digest(source), options.fingerprint(), out_dir)


_CREATE = (
    "CREATE TABLE IF NOT EXISTS results (source TEXT, digest TEXT, options TEXT, out_dir TEXT, "
    "output TEXT, out_size INTEGER, out_mtime_ns INTEGER, status TEXT, before TEXT, after TEXT, "
    "PRIMARY KEY (source, digest, options, out_dir))"
)


class ResultCache:
    """A small SQLite table; safe to share between threads; rebuilt when damaged."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as exc:
            self._db = self._rebuild(exc)

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(str(self.path), check_same_thread=False, timeout=10)
        try:
            (check,) = db.execute("PRAGMA quick_check").fetchone()
            if check != "ok":
                raise sqlite3.DatabaseError(f"integrity check: {check}")
            (version,) = db.execute("PRAGMA user_version").fetchone()
            with db:
                db.execute("PRAGMA journal_mode=WAL")
                if version != SCHEMA_VERSION:
                    db.execute("DROP TABLE IF EXISTS results")  # an older layout: start afresh
                db.execute(_CREATE)
                db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except BaseException:
            db.close()
            raise
        return db

    def _rebuild(self, exc: BaseException) -> sqlite3.Connection:
        """Move the damaged file aside (for a post-mortem) and start an empty cache."""
        aside = self.path.with_name(f"{self.path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
        log.warning("the result cache %s is damaged (%s); it was moved to %s and rebuilt", self.path, exc, aside)
        for suffix in ("", "-wal", "-shm"):
            part = self.path.with_name(self.path.name + suffix)
            try:
                if suffix:
                    part.unlink(missing_ok=True)
                elif part.exists():
                    part.replace(aside)
            except OSError as err:
                log.warning("could not move %s aside: %s", part, err)
                part.unlink(missing_ok=True)
        return self._open()

    def _guarded(self, action: Callable[[sqlite3.Connection], _T], fallback: _T) -> _T:
        """Run ``action`` under the lock; a damaged database is rebuilt and ``fallback`` returned."""
        with self._lock:
            try:
                return action(self._db)
            except sqlite3.DatabaseError as exc:
                self._db.close()
                try:
                    self._db = self._rebuild(exc)
                except sqlite3.DatabaseError as again:  # pragma: no cover - disk gone bad
                    log.warning("the result cache cannot be rebuilt (%s); it is off for this run", again)
                    self._db = sqlite3.connect(":memory:", check_same_thread=False)
                    self._db.execute(_CREATE)
                return fallback

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def lookup(self, key: CacheKey, source: Path) -> CompressResult | None:
        row = self._guarded(
            lambda db: db.execute(
                "SELECT output, out_size, out_mtime_ns, before, after FROM results "
                "WHERE source=? AND digest=? AND options=? AND out_dir=?",
                (key.source, key.digest, key.options, key.out_dir),
            ).fetchone(),
            None,
        )
        if row is None:
            return None
        try:
            output, size, mtime_ns, before, after = row
            out = Path(output)
            st = out.stat()
            if st.st_size != size or st.st_mtime_ns != mtime_ns:
                return None
            before_info, after_info = MediaInfo(**json.loads(before)), MediaInfo(**json.loads(after))
        except (OSError, TypeError, ValueError) as exc:  # gone, or a row we do not understand
            log.debug("cache row for %s not used: %s", source, exc)
            return None
        return CompressResult(
            source=source,
            status=Status.SKIPPED,
            output=out,
            before=before_info,
            after=after_info,
            warnings=("already done: the earlier output is unchanged (--force redoes it)",),
        )

    def store(self, key: CacheKey, result: CompressResult) -> None:
        if result.output is None or result.before is None or result.after is None:
            return
        if result.status not in (Status.COMPRESSED, Status.KEPT_ORIGINAL):
            return
        output = result.output.resolve()  # absolute: a later run from another folder finds it
        st = output.stat()
        row = (
            key.source,
            key.digest,
            key.options,
            key.out_dir,
            str(output),
            st.st_size,
            st.st_mtime_ns,
            result.status.value,
            json.dumps(result.before.to_json()),
            json.dumps(result.after.to_json()),
        )

        def insert(db: sqlite3.Connection) -> None:
            with db:
                db.execute("INSERT OR REPLACE INTO results VALUES (?,?,?,?,?,?,?,?,?,?)", row)

        self._guarded(insert, None)
