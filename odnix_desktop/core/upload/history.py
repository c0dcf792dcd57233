"""The upload history: one SQLite row per upload, in the user data folder.

A row is written (status ``sending``) and committed before the first byte goes out, then
completed with the outcome, so a crash mid-upload leaves a ``sending`` row behind rather than
nothing. Rows hold no token and no password. ``PRAGMA user_version`` is the schema version;
:data:`MIGRATIONS` brings an older file up to date, and a newer file is refused rather than
damaged.

The daily reel quota and the duplicate-post cooldown are counted from these rows.

A damaged file never stops the program: it is moved aside as ``<name>.damaged-<date>``, a new
history is started, and :attr:`UploadHistory.notices` tells the user where the old one is (the
CLI and the window show it). A row with a value this version does not know is skipped with a
warning, and a link that is not http/https is not handed on.
"""

from __future__ import annotations

import enum
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from odnix_desktop.core.upload.answers import is_web_link
from odnix_desktop.core.upload.errors import HistoryError
from odnix_desktop.core.userdirs import data_dir

log = logging.getLogger(__name__)
T = TypeVar("T")

HISTORY_FILE = "upload-history.sqlite3"

#: Statements that take the schema from version N-1 to N (index N-1).
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE uploads (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            server TEXT NOT NULL,
            user TEXT NOT NULL,
            target TEXT NOT NULL,
            source_path TEXT,
            output_path TEXT,
            output_sha256 TEXT,
            output_bytes INTEGER,
            caption TEXT NOT NULL DEFAULT '',
            result_id TEXT,
            result_url TEXT,
            status TEXT NOT NULL,
            error TEXT
        )""",
        "CREATE INDEX uploads_by_account ON uploads (server, user, target, started_at)",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


class UploadStatus(enum.Enum):
    SENDING = "sending"  # written before sending; still so after a crash
    DONE = "done"
    REFUSED = "refused"  # the server said no
    FAILED = "failed"  # network, server error, login
    UNKNOWN = "unknown"  # sent in full, no answer: the server may have it
    CANCELLED = "cancelled"


#: Outcomes after which the server may hold the upload (they count for quotas and cooldowns).
MAY_HAVE_ARRIVED = (UploadStatus.SENDING, UploadStatus.DONE, UploadStatus.UNKNOWN)


@dataclass(frozen=True, slots=True)
class HistoryRow:
    id: int
    started_at: datetime
    finished_at: datetime | None
    server: str
    user: str
    target: str
    source_path: str | None
    output_path: str | None
    output_sha256: str | None
    output_bytes: int | None
    caption: str
    result_id: str | None
    result_url: str | None
    status: UploadStatus
    error: str | None

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "started_at": self.started_at.isoformat(),
            "finished_at": None if self.finished_at is None else self.finished_at.isoformat(),
            "server": self.server,
            "user": self.user,
            "target": self.target,
            "source": self.source_path,
            "output": self.output_path,
            "output_sha256": self.output_sha256,
            "output_bytes": self.output_bytes,
            "caption": self.caption,
            "result_id": self.result_id,
            "result_url": self.result_url,
            "status": self.status.value,
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class HistoryRead:
    """Rows newest first, and sentences for the user: a damaged file set aside, rows skipped."""

    rows: tuple[HistoryRow, ...]
    notices: tuple[str, ...] = ()


class _Damaged(Exception):  # noqa: N818 - internal: the file failed its check
    pass


#: SQLite's primary result codes for a damaged file: SQLITE_CORRUPT, SQLITE_NOTADB.
_DAMAGE_CODES = (11, 26)


def _is_damage(exc: BaseException) -> bool:
    if isinstance(exc, _Damaged):
        return True
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in _DAMAGE_CODES
    text = str(exc).lower()
    return isinstance(exc, sqlite3.DatabaseError) and ("malformed" in text or "not a database" in text)


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _parse(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


class UploadHistory:
    """The history file. Opens a short connection per operation, so any thread may use it."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else data_dir() / HISTORY_FILE
        #: Sentences for the user about this file (a damaged one moved aside), oldest first.
        self.notices: list[str] = []
        self._repair = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._use(self._open, check=True)
        except OSError as exc:
            raise HistoryError(
                f"the upload history folder {self.path.parent} cannot be created ({exc.strerror or exc})"
            ) from None

    def _open(self) -> None:
        with self._connect() as con:
            self._migrate(con)

    def _use(self, operation: Callable[[], T], *, check: bool = False) -> T:
        """``operation``; when the file turns out damaged, set it aside, start anew and run it again."""
        try:
            if check:
                self._check()
            return operation()
        except (sqlite3.DatabaseError, _Damaged) as exc:
            if not _is_damage(exc):
                raise HistoryError(f"the upload history {self.path} cannot be used ({exc})") from None
            self._set_aside(str(exc))
        try:
            self._open()
            return operation()
        except sqlite3.Error as exc:
            raise HistoryError(f"the upload history {self.path} cannot be used ({exc})") from None

    def _check(self) -> None:
        """SQLite's quick check reads every page: damaged data pages show here, not only a header."""
        with closing(sqlite3.connect(self.path, timeout=10.0)) as con:
            found = [row[0] for row in con.execute("PRAGMA quick_check(5)")]
        if found != ["ok"]:
            raise _Damaged("; ".join(str(f) for f in found)[:300])

    def _set_aside(self, reason: str) -> None:
        with self._repair:
            try:
                self._check()
                return  # another thread has already started a new one
            except (sqlite3.DatabaseError, _Damaged):
                pass
            stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H%M%SZ")
            aside = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
            number = 1
            while aside.exists():
                number += 1
                aside = self.path.with_name(f"{self.path.name}.damaged-{stamp}-{number}")
            try:
                os.replace(self.path, aside)
                for suffix in ("-journal", "-wal", "-shm"):
                    extra = self.path.with_name(self.path.name + suffix)
                    if extra.exists():
                        os.replace(extra, aside.with_name(aside.name + suffix))
            except OSError as exc:
                raise HistoryError(
                    f"the upload history {self.path} is damaged and cannot be moved aside ({exc.strerror or exc})"
                ) from None
            notice = (
                f"The upload history was damaged ({reason}). It was moved to {aside} and a new history "
                "was started; the uploads listed in the old one are not shown."
            )
            log.warning("%s", notice)
            self.notices.append(notice)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=10.0)) as con:
            con.row_factory = sqlite3.Row
            with con:  # one transaction, committed on success
                yield con

    def _migrate(self, con: sqlite3.Connection) -> None:
        version = int(con.execute("PRAGMA user_version").fetchone()[0])
        if version < SCHEMA_VERSION:
            con.execute("BEGIN IMMEDIATE")  # DDL too, atomically; re-read under the lock
            version = int(con.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise HistoryError(
                f"the upload history {self.path} was written by a newer version of "
                f"Odnix Desktop (schema {version}, this one knows {SCHEMA_VERSION})"
            )
        for number in range(version, SCHEMA_VERSION):
            for statement in MIGRATIONS[number]:
                con.execute(statement)
            con.execute(f"PRAGMA user_version = {number + 1}")

    # Writing ---------------------------------------------------------------------------------
    def begin(
        self,
        *,
        server: str,
        user: str,
        target: str,
        source: Path | None,
        output: Path | None,
        output_sha256: str | None,
        output_bytes: int | None,
        caption: str = "",
        started_at: datetime | None = None,
    ) -> int:
        """Record an upload about to be sent; returns the row id."""
        values = (
            _iso(started_at or _now()),
            server,
            user,
            target,
            None if source is None else str(source),
            None if output is None else str(output),
            output_sha256,
            output_bytes,
            caption,
            UploadStatus.SENDING.value,
        )

        def insert() -> int:
            with self._connect() as con:
                cur = con.execute(
                    "INSERT INTO uploads (started_at, server, user, target, source_path, output_path,"
                    " output_sha256, output_bytes, caption, status) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    values,
                )
                return int(cur.lastrowid or 0)

        return self._use(insert)

    def finish(
        self,
        row_id: int,
        status: UploadStatus,
        *,
        result_id: str | None = None,
        result_url: str | None = None,
        error: str | None = None,
    ) -> None:
        def update() -> None:
            with self._connect() as con:
                con.execute(
                    "UPDATE uploads SET finished_at=?, status=?, result_id=?, result_url=?, error=? WHERE id=?",
                    (_iso(_now()), status.value, result_id, result_url, error, row_id),
                )

        self._use(update)

    # Reading ---------------------------------------------------------------------------------
    def read(self, limit: int | None = None) -> HistoryRead:
        """Newest first; rows this version cannot read are skipped, and the notices say so."""
        sql = "SELECT * FROM uploads ORDER BY started_at DESC, id DESC"
        params: tuple[int, ...] = ()
        if limit is not None:
            sql += " LIMIT ?"
            params = (limit,)

        def select() -> list[sqlite3.Row]:
            with self._connect() as con:
                return con.execute(sql, params).fetchall()

        rows, skipped = [], 0
        for raw in self._use(select):
            row = _row_or_none(raw)
            if row is None:
                skipped += 1
            else:
                rows.append(row)
        notices = list(self.notices)
        if skipped:
            some = f"{skipped} uploads were" if skipped != 1 else "1 upload was"
            notices.append(f"{some} skipped: {self.path} holds values this version does not know.")
        return HistoryRead(tuple(rows), tuple(notices))

    def rows(self, limit: int | None = None) -> list[HistoryRow]:
        """Newest first (the readable ones: see :meth:`read`)."""
        return list(self.read(limit).rows)

    def count_since(self, *, server: str, user: str, target: str, since: datetime) -> int:
        """Uploads of ``target`` that may have reached the server since ``since``."""
        marks = ",".join("?" for _ in MAY_HAVE_ARRIVED)

        def count() -> int:
            with self._connect() as con:
                row = con.execute(
                    "SELECT COUNT(*) FROM uploads"
                    " WHERE server=? AND user=? AND target=? AND started_at>=?"
                    f" AND status IN ({marks})",
                    (server, user, target, _iso(since), *(s.value for s in MAY_HAVE_ARRIVED)),
                ).fetchone()
            return int(row[0])

        return self._use(count)

    def latest_same_caption(
        self, *, server: str, user: str, target: str, caption: str, since: datetime
    ) -> HistoryRow | None:
        marks = ",".join("?" for _ in MAY_HAVE_ARRIVED)

        def latest() -> sqlite3.Row | None:
            with self._connect() as con:
                found: sqlite3.Row | None = con.execute(
                    f"SELECT * FROM uploads WHERE server=? AND user=? AND target=? AND caption=?"
                    f" AND started_at>=? AND status IN ({marks}) ORDER BY started_at DESC LIMIT 1",
                    (server, user, target, caption, _iso(since), *(s.value for s in MAY_HAVE_ARRIVED)),
                ).fetchone()
            return found

        row = self._use(latest)
        return None if row is None else _row_or_none(row)


def _text(value: object, *, optional: bool = True) -> str | None:
    if value is None and optional:
        return None
    if isinstance(value, str):
        return value
    raise TypeError(f"{type(value).__name__} where text was expected")


def _row(r: sqlite3.Row) -> HistoryRow:
    """A row, every value checked: a type or value this version does not know raises."""
    size = r["output_bytes"]
    if not (size is None or (isinstance(size, int) and size >= 0)):
        raise TypeError("output_bytes is not a size")
    url = _text(r["result_url"])
    return HistoryRow(
        id=int(r["id"]),
        started_at=_parse(_text(r["started_at"], optional=False)) or _now(),
        finished_at=_parse(_text(r["finished_at"])),
        server=_text(r["server"], optional=False) or "",
        user=_text(r["user"], optional=False) or "",
        target=_text(r["target"], optional=False) or "",
        source_path=_text(r["source_path"]),
        output_path=_text(r["output_path"]),
        output_sha256=_text(r["output_sha256"]),
        output_bytes=size,
        caption=_text(r["caption"], optional=False) or "",
        result_id=_text(r["result_id"]),
        result_url=url if url is not None and is_web_link(url) else None,
        status=UploadStatus(r["status"]),
        error=_text(r["error"]),
    )


def _row_or_none(r: sqlite3.Row) -> HistoryRow | None:
    try:
        return _row(r)
    except (TypeError, ValueError, OverflowError) as exc:
        log.warning("upload history: row %s skipped (%s)", r["id"], exc)
        return None


def utc_day_start(moment: datetime) -> datetime:
    day = moment.astimezone(UTC)
    return day.replace(hour=0, minute=0, second=0, microsecond=0)


def next_utc_day(moment: datetime) -> datetime:
    return utc_day_start(moment) + timedelta(days=1)
