"""The upload history: one SQLite row per upload, in the user data folder.

A row is written (status ``sending``) and committed before the first byte goes out, then
completed with the outcome, so a crash mid-upload leaves a ``sending`` row behind rather than
nothing. Rows hold no token and no password. ``PRAGMA user_version`` is the schema version;
:data:`MIGRATIONS` brings an older file up to date, and a newer file is refused rather than
damaged.

The daily reel quota and the duplicate-post cooldown are counted from these rows.
"""

from __future__ import annotations

import enum
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from odnix_desktop.core.upload.errors import HistoryError
from odnix_desktop.core.userdirs import data_dir

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
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as con:
                self._migrate(con)
        except sqlite3.Error as exc:
            raise HistoryError(f"the upload history {self.path} cannot be used ({exc})") from None
        except OSError as exc:
            raise HistoryError(
                f"the upload history folder {self.path.parent} cannot be created ({exc.strerror or exc})"
            ) from None

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
        with self._connect() as con:
            cur = con.execute(
                "INSERT INTO uploads (started_at, server, user, target, source_path, output_path,"
                " output_sha256, output_bytes, caption, status) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
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
                ),
            )
            return int(cur.lastrowid or 0)

    def finish(
        self,
        row_id: int,
        status: UploadStatus,
        *,
        result_id: str | None = None,
        result_url: str | None = None,
        error: str | None = None,
    ) -> None:
        with self._connect() as con:
            con.execute(
                "UPDATE uploads SET finished_at=?, status=?, result_id=?, result_url=?, error=? WHERE id=?",
                (_iso(_now()), status.value, result_id, result_url, error, row_id),
            )

    # Reading ---------------------------------------------------------------------------------
    def rows(self, limit: int | None = None) -> list[HistoryRow]:
        """Newest first."""
        sql = "SELECT * FROM uploads ORDER BY started_at DESC, id DESC"
        params: tuple[int, ...] = ()
        if limit is not None:
            sql += " LIMIT ?"
            params = (limit,)
        with self._connect() as con:
            return [_row(r) for r in con.execute(sql, params)]

    def count_since(self, *, server: str, user: str, target: str, since: datetime) -> int:
        """Uploads of ``target`` that may have reached the server since ``since``."""
        marks = ",".join("?" for _ in MAY_HAVE_ARRIVED)
        with self._connect() as con:
            row = con.execute(
                "SELECT COUNT(*) FROM uploads"
                " WHERE server=? AND user=? AND target=? AND started_at>=?"
                f" AND status IN ({marks})",
                (server, user, target, _iso(since), *(s.value for s in MAY_HAVE_ARRIVED)),
            ).fetchone()
        return int(row[0])

    def latest_same_caption(
        self, *, server: str, user: str, target: str, caption: str, since: datetime
    ) -> HistoryRow | None:
        marks = ",".join("?" for _ in MAY_HAVE_ARRIVED)
        with self._connect() as con:
            row = con.execute(
                f"SELECT * FROM uploads WHERE server=? AND user=? AND target=? AND caption=?"
                f" AND started_at>=? AND status IN ({marks}) ORDER BY started_at DESC LIMIT 1",
                (server, user, target, caption, _iso(since), *(s.value for s in MAY_HAVE_ARRIVED)),
            ).fetchone()
        return None if row is None else _row(row)


def _row(r: sqlite3.Row) -> HistoryRow:
    return HistoryRow(
        id=r["id"],
        started_at=_parse(r["started_at"]) or _now(),
        finished_at=_parse(r["finished_at"]),
        server=r["server"],
        user=r["user"],
        target=r["target"],
        source_path=r["source_path"],
        output_path=r["output_path"],
        output_sha256=r["output_sha256"],
        output_bytes=r["output_bytes"],
        caption=r["caption"],
        result_id=r["result_id"],
        result_url=r["result_url"],
        status=UploadStatus(r["status"]),
        error=r["error"],
    )


def utc_day_start(moment: datetime) -> datetime:
    day = moment.astimezone(UTC)
    return day.replace(hour=0, minute=0, second=0, microsecond=0)


def next_utc_day(moment: datetime) -> datetime:
    return utc_day_start(moment) + timedelta(days=1)
