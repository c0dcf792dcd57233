"""The window's queue, kept in a small crash-safe journal (SQLite in the user data folder).

Written on every state change (one transaction each, WAL, ``synchronous=FULL``): each item's
source, preset and options, state, output (with its size and modification time) and upload
result. A session is marked open while the window runs and closed on a normal quit, so the
next start can tell a crash from a quit:

* :meth:`QueueJournal.offer` says whether there is a queue to offer back ("Restore the last
  queue (N items, M unfinished)?"): after a crash, or after a quit that chose to keep it;
* :meth:`QueueJournal.restore` gives the items back: finished ones with their outputs only
  when those still exist unchanged (else they are to be redone), interrupted ones to be redone
  from the start.

Qt-free: the window wires it (ui/), the tests drive it directly.
"""

from __future__ import annotations

import enum
import json
import logging
import sqlite3
import threading
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path, PurePath
from typing import Any

from odnix_desktop.core.options import CompressOptions, CropBox

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
FILE_NAME = "queue.sqlite3"


class EntryState(enum.Enum):
    WAITING = "waiting"  # not started, or to be redone
    RUNNING = "running"  # queued or compressing: interrupted if found after a crash
    DONE = "done"  # compressed or kept: has an output
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def unfinished(self) -> bool:
        return self is not EntryState.DONE


@dataclass(frozen=True, slots=True)
class Entry:
    """One queue item as the journal keeps it."""

    key: str
    source: Path
    rel_dir: PurePath = PurePath()
    preset: str | None = None
    options: CompressOptions = field(default_factory=CompressOptions)
    state: EntryState = EntryState.WAITING
    output: Path | None = None
    output_size: int | None = None
    output_mtime_ns: int | None = None
    upload: dict[str, Any] | None = None  # the upload's result (link, id), as the client gave it
    error: str = ""
    after: dict[str, Any] | None = None  # the output's MediaInfo, as JSON
    status: str = ""  # the front end's own name for the state (e.g. kept original), given back as is


@dataclass(frozen=True, slots=True)
class Offer:
    items: int
    unfinished: int
    crashed: bool  # False: the last quit chose to keep the queue

    @property
    def question(self) -> str:
        return f"Restore the last queue ({self.items} items, {self.unfinished} unfinished)?"


def options_to_json(options: CompressOptions) -> str:
    return json.dumps(asdict(options), sort_keys=True)


def options_from_json(text: str) -> CompressOptions:
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("options are not an object")
    known = set(CompressOptions.__dataclass_fields__)
    data = {k: v for k, v in data.items() if k in known}
    if data.get("crop") is not None:
        data["crop"] = CropBox(**data["crop"])
    return CompressOptions(**data)


def output_unchanged(entry: Entry) -> bool:
    """The finished item's output is still there, same size and modification time."""
    if entry.output is None:
        return False
    try:
        st = entry.output.stat()
    except OSError:
        return False
    return st.st_size == entry.output_size and st.st_mtime_ns == entry.output_mtime_ns


_COLUMNS = (
    "key, position, source, rel_dir, preset, options, state, output, output_size, output_mtime_ns, upload, error, "
    "after, status"
)


class QueueJournal:
    """The journal file; every method is one transaction. Safe to share between threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=10)
        with self._db:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")  # a power cut keeps every committed change
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS items (key TEXT PRIMARY KEY, position INTEGER, source TEXT, "
                "rel_dir TEXT, preset TEXT, options TEXT, state TEXT, output TEXT, output_size INTEGER, "
                "output_mtime_ns INTEGER, upload TEXT, error TEXT, after TEXT, status TEXT)"
            )
            self._db.execute("CREATE TABLE IF NOT EXISTS session (name TEXT PRIMARY KEY, value TEXT)")
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- the session --------------------------------------------------------------------------
    def _session(self, name: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM session WHERE name=?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def _set_session(self, name: str, value: str) -> None:
        with self._lock, self._db:
            self._db.execute("INSERT OR REPLACE INTO session VALUES (?, ?)", (name, value))

    def offer(self) -> Offer | None:
        """What the previous session left to offer back, if anything. Call before :meth:`begin`."""
        entries = self.entries()
        if not entries:
            return None
        state = self._session("state")
        if state not in ("open", "kept"):
            return None
        unfinished = sum(e.state.unfinished for e in entries)
        return Offer(len(entries), unfinished, crashed=state == "open")

    def begin(self, *, restore: bool) -> list[Entry]:
        """Start this session: with ``restore``, the last queue's items (see :meth:`restore`),
        else the last queue is dropped. From now on a crash leaves this session's queue."""
        entries = self.restore() if restore else []
        if not restore:
            self.clear()
        self._set_session("state", "open")
        return entries

    def end(self, *, keep: bool) -> None:
        """A normal quit: keep the queue for next time, or drop it."""
        if not keep:
            self.clear()
        self._set_session("state", "kept" if keep else "closed")

    # -- the items ----------------------------------------------------------------------------
    def put(self, entry: Entry, position: int | None = None) -> None:
        """Add or update an item (its whole row, in one transaction)."""
        with self._lock, self._db:
            if position is None:
                row = self._db.execute("SELECT position FROM items WHERE key=?", (entry.key,)).fetchone()
                if row is None:
                    row = self._db.execute("SELECT COALESCE(MAX(position), -1) + 1 FROM items").fetchone()
                position = int(row[0])
            self._db.execute(
                f"INSERT OR REPLACE INTO items ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    entry.key,
                    position,
                    str(entry.source),
                    str(entry.rel_dir),
                    entry.preset,
                    options_to_json(entry.options),
                    entry.state.value,
                    None if entry.output is None else str(entry.output),
                    entry.output_size,
                    entry.output_mtime_ns,
                    None if entry.upload is None else json.dumps(entry.upload),
                    entry.error,
                    None if entry.after is None else json.dumps(entry.after),
                    entry.status,
                ),
            )

    def finished(self, entry: Entry, output: Path) -> Entry:
        """Record ``entry`` as done into ``output`` (its size and time taken now); the new entry."""
        st = output.stat()
        done = replace(
            entry,
            state=EntryState.DONE,
            output=output,
            output_size=st.st_size,
            output_mtime_ns=st.st_mtime_ns,
            error="",
        )
        self.put(done)
        return done

    def remove(self, key: str) -> None:
        with self._lock, self._db:
            self._db.execute("DELETE FROM items WHERE key=?", (key,))

    def clear(self) -> None:
        with self._lock, self._db:
            self._db.execute("DELETE FROM items")

    def entries(self) -> list[Entry]:
        with self._lock:
            rows = self._db.execute(f"SELECT {_COLUMNS} FROM items ORDER BY position").fetchall()
        out: list[Entry] = []
        for row in rows:
            try:
                out.append(_entry(row))
            except (ValueError, TypeError, KeyError) as exc:
                log.warning("queue journal: dropping an unreadable item (%s)", exc)
        return out

    def restore(self) -> list[Entry]:
        """The last queue as it can come back: finished items keep their outputs when those are
        unchanged (else they are to be redone); interrupted items are to be redone from the start."""
        restored: list[Entry] = []
        for entry in self.entries():
            if entry.state is EntryState.RUNNING or (entry.state is EntryState.DONE and not output_unchanged(entry)):
                entry = replace(entry, state=EntryState.WAITING, output=None, output_size=None, output_mtime_ns=None)
                entry = replace(entry, after=None, status="")
                self.put(entry)
            restored.append(entry)
        return restored


def _entry(row: tuple[Any, ...]) -> Entry:
    key, _, source, rel_dir, preset, options, state, output, size, mtime_ns, upload, error, after, status = row
    return Entry(
        key=str(key),
        source=Path(source),
        rel_dir=PurePath(rel_dir or ""),
        preset=preset,
        options=options_from_json(options),
        state=EntryState(state),
        output=None if output is None else Path(output),
        output_size=size,
        output_mtime_ns=mtime_ns,
        upload=None if upload is None else json.loads(upload),
        error=error or "",
        after=None if after is None else json.loads(after),
        status=status or "",
    )


def default_path() -> Path:
    from odnix_desktop.core.userdirs import data_dir

    return data_dir() / FILE_NAME
