"""Writing outputs safely: a temporary file in the target folder, then a rename that never overwrites.

Nothing half-written is ever left under an output name: a crash, a cancel, a
full disk or a read-only folder leaves at most nothing (the temporary file is
removed on every error path).
"""

from __future__ import annotations

import errno
import logging
import os
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path, PurePath

from odnix_desktop.core.errors import OutputError
from odnix_desktop.core.options import OwnOutput

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: open files cannot be deleted there anyway
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

TEMP_PREFIX = ".odnix-"
TEMP_SUFFIX = ".part"
#: An empty file in the root of every output folder: later runs never walk it as input.
OUTPUT_MARKER = ".odnix_output"
#: Temporary files older than this process (minus a margin for clock steps) may be stale.
RUN_STARTED = time.time()
#: Without file locks (Windows), only temporary files older than this are swept.
UNLOCKED_STALE_S = 24 * 3600.0


def _umask() -> int:
    mask = os.umask(0o022)  # read once, at import, before any worker thread exists
    os.umask(mask)
    return mask


#: Outputs get the mode a normal ``open()`` would give them (mkstemp's is 0600).
FILE_MODE = 0o666 & ~_umask()


def safe_relative(rel: PurePath) -> PurePath:
    """``rel`` as a path that cannot leave the folder it is joined to.

    Anchors (``/``, ``C:\\``) are dropped, ``.`` parts vanish and ``..`` becomes ``_``:
    a mirrored sub-folder always stays inside the output folder.
    """
    parts = [p for p in rel.parts if p not in ("", ".") and p != rel.anchor]
    return PurePath(*("_" if p == ".." else p for p in parts))


def mark_output_root(out_root: Path) -> None:
    """Create the output folder's marker (once; cheap when it exists)."""
    marker = out_root / OUTPUT_MARKER
    if marker.exists():
        return
    ensure_folder(out_root)
    try:
        marker.touch(exist_ok=True)
    except OSError as exc:
        log.debug("could not mark %s as an output folder: %s", out_root, exc)


_swept: set[Path] = set()
_swept_lock = threading.Lock()


def sweep_stale(folder: Path) -> list[Path]:
    """Remove ``.odnix-*.part`` files a killed run left in ``folder``.

    A file is stale when it is older than this run and no live process holds its lock
    (every writer keeps an exclusive ``flock`` on its temporary file until it is done).
    Returns the files removed.
    """
    removed: list[Path] = []
    try:
        names = [e for e in os.scandir(folder) if e.name.startswith(TEMP_PREFIX) and e.name.endswith(TEMP_SUFFIX)]
    except OSError:
        return removed
    for entry in names:
        path = Path(entry.path)
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            mtime = entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        if mtime >= RUN_STARTED - 2.0:
            continue
        if fcntl is None and time.time() - mtime < UNLOCKED_STALE_S:
            continue
        if _remove_if_unlocked(path):
            removed.append(path)
    if removed:
        log.warning("removed %d stale temporary file(s) in %s", len(removed), folder)
    return removed


def _remove_if_unlocked(path: Path) -> bool:
    if fcntl is None:  # pragma: no cover - Windows
        try:
            path.unlink()
        except OSError:
            return False
        return True
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # a live writer holds it
        try:
            path.unlink()
        except OSError:
            return False
        return True
    finally:
        os.close(fd)


def _sweep_once(folder: Path) -> None:
    key = folder.absolute()
    with _swept_lock:
        if key in _swept:
            return
        _swept.add(key)
    sweep_stale(folder)


#: Told of each temporary file as it is made (``(tmp, None)``) and of each name just before a
#: temporary file takes it (``(tmp, name)``), in the thread doing the work. The CLI's resume
#: journal (core/resume.py) uses it to recognise its outputs and temporaries after a hard kill.
OutputObserver = Callable[[Path, Path | None], None]
output_observer: ContextVar[OutputObserver | None] = ContextVar("output_observer", default=None)


def _tell(tmp: Path, name: Path | None) -> None:
    observer = output_observer.get()
    if observer is not None:
        observer(tmp, name)


def _describe(exc: OSError, folder: Path) -> str:
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return f"the output folder {folder} is read-only or not writable"
    if exc.errno == errno.ENOSPC:
        return f"the disk holding {folder} is full"
    if exc.errno == errno.EDQUOT:
        return f"the disk quota for {folder} is exhausted"
    return f"cannot write into {folder}: {exc.strerror or exc}"


def ensure_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(_describe(exc, folder)) from None


@contextmanager
def temporary_output(final: Path) -> Iterator[Path]:
    """Yield a fresh temporary path beside ``final``; remove it on any error."""
    folder = final.parent
    ensure_folder(folder)
    _sweep_once(folder)
    try:
        fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=folder)
    except OSError as exc:
        raise OutputError(_describe(exc, folder)) from None
    tmp = Path(name)
    try:
        _lock_and_mode(fd)
        _tell(tmp, None)
        yield tmp
    finally:
        # After a successful commit the temporary name is already gone.
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:  # pragma: no cover - e.g. folder became read-only
            log.warning("could not remove temporary file %s: %s", tmp, exc)
        os.close(fd)  # drops the lock only once the name is gone


def _lock_and_mode(fd: int) -> None:
    """Hold an exclusive lock while we write (see :func:`sweep_stale`); give the umask's mode."""
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:  # pragma: no cover - e.g. a file system without locks
            log.debug("no lock on the temporary file: %s", exc)
    if hasattr(os, "fchmod"):  # a platform feature check (POSIX only), not string dispatch
        try:
            os.fchmod(fd, FILE_MODE)
        except OSError as exc:  # pragma: no cover - e.g. FAT
            log.debug("could not set the mode of the temporary file: %s", exc)


def candidates(final: Path) -> Iterator[Path]:
    yield final
    n = 1
    while True:
        yield final.with_name(f"{final.stem}-{n}{final.suffix}")
        n += 1


def replaceable(own: OwnOutput | None, final: Path) -> bool:
    """True when ``own`` (an item's earlier output) may be replaced by a new output meant for
    ``final``: same folder, same extension, and still exactly the file that was written (a
    regular file, not a link, same size and modification time)."""
    if own is None or own.path.parent != final.parent or own.path.suffix.lower() != final.suffix.lower():
        return False
    try:
        st = own.path.lstat()
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and st.st_size == own.size and st.st_mtime_ns == own.mtime_ns


def commit(tmp: Path, final: Path, replaces: OwnOutput | None = None) -> Path:
    """Give ``tmp`` its final name, or ``name-1``, ``name-2``… if taken. Never overwrites, except
    an item's own earlier output (``replaces``, when :func:`replaceable`): that one is replaced
    atomically (``os.replace`` of ``tmp``, written in the same folder)."""
    if replaces is not None and replaceable(replaces, final):
        try:
            os.replace(tmp, replaces.path)
        except OSError as exc:
            raise OutputError(_describe(exc, final.parent)) from None
        return replaces.path
    for candidate in candidates(final):
        _tell(tmp, candidate)
        try:
            os.link(tmp, candidate)  # atomic and fails if the name exists
        except FileExistsError:
            continue
        except OSError as exc:
            if exc.errno in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EOPNOTSUPP, errno.EMLINK):
                return _commit_by_rename(tmp, final)
            raise OutputError(_describe(exc, final.parent)) from None
        tmp.unlink()
        return candidate
    raise AssertionError("unreachable")  # pragma: no cover


def _commit_by_rename(tmp: Path, final: Path) -> Path:
    """For file systems without hard links (FAT, some network shares)."""
    for candidate in candidates(final):
        if candidate.exists():
            continue
        _tell(tmp, candidate)
        try:
            os.rename(tmp, candidate)  # Windows refuses an existing name; POSIX was checked above
        except FileExistsError:
            continue
        except OSError as exc:
            raise OutputError(_describe(exc, final.parent)) from None
        return candidate
    raise AssertionError("unreachable")  # pragma: no cover


def write_bytes(final: Path, data: bytes, replaces: OwnOutput | None = None) -> Path:
    """Write ``data`` under ``final`` (or a free ``-N`` name) atomically; return the real name."""
    with temporary_output(final) as tmp:
        try:
            with tmp.open("wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise OutputError(_describe(exc, final.parent)) from None
        return commit(tmp, final) if replaces is None else commit(tmp, final, replaces)
