"""Remember finished work so that a re-run into the same folder does nothing again.

Keyed by the source's content hash, the options and the output folder. A hit
counts only while the earlier output is still there unchanged (same size and
modification time); ``--force`` or another output folder always redoes the work.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path, PurePath

from odnix_desktop.core.media import MediaInfo
from odnix_desktop.core.options import CompressOptions, CompressResult, Status

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class CacheKey:
    digest: str
    options: str
    out_dir: str

    @classmethod
    def make(cls, source: Path, options: CompressOptions, out_root: Path, rel_dir: PurePath) -> CacheKey:
        out_dir = str((out_root / rel_dir).resolve())
        return cls(file_digest(source), options.fingerprint(), out_dir)


class ResultCache:
    """A small SQLite table; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=10)
        with self._db:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS results (digest TEXT, options TEXT, out_dir TEXT, "
                "output TEXT, out_size INTEGER, out_mtime_ns INTEGER, status TEXT, before TEXT, after TEXT, "
                "PRIMARY KEY (digest, options, out_dir))"
            )
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def lookup(self, key: CacheKey, source: Path) -> CompressResult | None:
        with self._lock:
            row = self._db.execute(
                "SELECT output, out_size, out_mtime_ns, before, after FROM results "
                "WHERE digest=? AND options=? AND out_dir=?",
                (key.digest, key.options, key.out_dir),
            ).fetchone()
        if row is None:
            return None
        output, size, mtime_ns, before, after = row
        out = Path(output)
        try:
            st = out.stat()
        except OSError:
            return None
        if st.st_size != size or st.st_mtime_ns != mtime_ns:
            return None
        return CompressResult(
            source=source,
            status=Status.SKIPPED,
            output=out,
            before=MediaInfo(**json.loads(before)),
            after=MediaInfo(**json.loads(after)),
            warnings=("already done: the earlier output is unchanged (--force redoes it)",),
        )

    def store(self, key: CacheKey, result: CompressResult) -> None:
        if result.output is None or result.before is None or result.after is None:
            return
        if result.status not in (Status.COMPRESSED, Status.KEPT_ORIGINAL):
            return
        st = result.output.stat()
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO results VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    key.digest,
                    key.options,
                    key.out_dir,
                    str(result.output),
                    st.st_size,
                    st.st_mtime_ns,
                    result.status.value,
                    json.dumps(result.before.to_json()),
                    json.dumps(result.after.to_json()),
                ),
            )
