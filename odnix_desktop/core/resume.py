"""Resuming a batch after a hard kill: a small crash-safe journal of the items in flight.

While an item is being compressed, its row here names the run doing it (process id and
start time), the temporary files it made and, just before a temporary file takes its final
name, that name and the temporary file's inode. The row goes once the item is recorded in
the result cache. A rerun that finds a row left by a dead run therefore knows

* which temporary files to remove (nothing partial is left behind), and
* whether the item's output had already been given its name: a file under that name with
  the recorded inode is that output, complete (it is hard-linked only after being fully
  written), so it is adopted instead of being written a second time as ``name-1``.

At most the items that were in flight (``--jobs`` photos and one clip) are redone.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from odnix_desktop.core.output import TEMP_PREFIX, TEMP_SUFFIX

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class ItemKey:
    """One item of one batch: the output folder, the source and the options' fingerprint."""

    out_dir: str
    source: str
    options: str

    @classmethod
    def make(cls, out_dir: Path, source: Path, fingerprint: str) -> ItemKey:
        return cls(str(out_dir.resolve()), str(source.resolve()), fingerprint)


@dataclass(frozen=True, slots=True)
class Recovered:
    """What a dead run left of an item: its finished output, if it had one."""

    output: Path | None
    removed_temporaries: int


def _start_token(pid: int) -> str | None:
    """The process's start time where the platform tells it (Linux), so that a reused
    process id is not taken for the run that died."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rfind(")") + 2 :].split()
    return fields[19] if len(fields) > 19 else None


def _alive(pid: int, token: str | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by someone else
    except OSError:
        return False
    return token is None or _start_token(pid) in (None, token)


def _is_our_temporary(path: Path) -> bool:
    return path.name.startswith(TEMP_PREFIX) and path.name.endswith(TEMP_SUFFIX)


class InFlight:
    """The journal's view of one item being compressed; :meth:`observe` is the
    :data:`core.output.output_observer` for the thread doing it."""

    def __init__(self, journal: ResumeJournal, key: ItemKey) -> None:
        self._journal = journal
        self.key = key
        self.temporaries: list[str] = []

    def observe(self, tmp: Path, name: Path | None) -> None:
        try:
            if name is None:
                self.temporaries.append(str(tmp))
                self._journal._update(self.key, temps=json.dumps(self.temporaries))
                return
            st = tmp.stat()
            self._journal._update(self.key, candidate=str(name), ino=st.st_ino, dev=st.st_dev)
        except (OSError, sqlite3.Error) as exc:  # the journal's trouble never fails the item
            log.warning("resume journal: could not record %s: %s", tmp, exc)


class ResumeJournal:
    """A SQLite table of the items in flight, shared between threads (and runs)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.pid = os.getpid()
        self.token = _start_token(self.pid)
        self.run_id = uuid.uuid4().hex
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=10)
        with self._db:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS inflight (out_dir TEXT, source TEXT, options TEXT, run TEXT, "
                "pid INTEGER, token TEXT, temps TEXT, candidate TEXT, ino INTEGER, dev INTEGER, "
                "PRIMARY KEY (out_dir, source, options))"
            )
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _update(self, key: ItemKey, **values: object) -> None:
        columns = ", ".join(f"{name}=?" for name in values)
        with self._lock, self._db:
            self._db.execute(
                f"UPDATE inflight SET {columns} WHERE out_dir=? AND source=? AND options=? AND run=?",
                (*values.values(), key.out_dir, key.source, key.options, self.run_id),
            )

    def recover(self, key: ItemKey) -> Recovered | None:
        """Clean up after a dead run that had this item in flight. None when no dead run had it
        (no row, or the run that has it is still alive)."""
        with self._lock:
            row = self._db.execute(
                "SELECT run, pid, token, temps, candidate, ino, dev FROM inflight "
                "WHERE out_dir=? AND source=? AND options=?",
                (key.out_dir, key.source, key.options),
            ).fetchone()
        if row is None:
            return None
        run, pid, token, temps, candidate, ino, dev = row
        if run == self.run_id or _alive(pid, token):
            return None
        removed = 0
        for name in json.loads(temps or "[]"):
            tmp = Path(name)
            if not _is_our_temporary(tmp):
                continue
            try:
                tmp.unlink()
                removed += 1
            except FileNotFoundError:
                pass
            except OSError as exc:
                log.warning("could not remove the temporary file %s: %s", tmp, exc)
        output = None
        if candidate:
            try:
                st = Path(candidate).stat()
            except OSError:
                st = None
            if st is not None and (st.st_ino, st.st_dev) == (ino, dev):
                output = Path(candidate)
        self.forget(key, any_run=True)
        log.info("%s was in flight when a run died: %d temporary files removed, output %s", key.source, removed, output)
        return Recovered(output, removed)

    def begin(self, key: ItemKey) -> InFlight:
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO inflight VALUES (?,?,?,?,?,?,?,?,?,?)",
                (key.out_dir, key.source, key.options, self.run_id, self.pid, self.token, "[]", None, None, None),
            )
        return InFlight(self, key)

    def forget(self, key: ItemKey, *, any_run: bool = False) -> None:
        """The item is recorded elsewhere (the result cache) or ended without an output."""
        query = "DELETE FROM inflight WHERE out_dir=? AND source=? AND options=?"
        params: tuple[str, ...] = (key.out_dir, key.source, key.options)
        if not any_run:
            query += " AND run=?"
            params += (self.run_id,)
        with self._lock, self._db:
            self._db.execute(query, params)
