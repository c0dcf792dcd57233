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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from odnix_desktop.core.errors import OutputError
from odnix_desktop.core.options import OwnOutput

log = logging.getLogger(__name__)

TEMP_PREFIX = ".odnix-"
TEMP_SUFFIX = ".part"


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
    try:
        fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=folder)
    except OSError as exc:
        raise OutputError(_describe(exc, folder)) from None
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
    finally:
        # After a successful commit the temporary name is already gone.
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:  # pragma: no cover - e.g. folder became read-only
            log.warning("could not remove temporary file %s: %s", tmp, exc)


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
