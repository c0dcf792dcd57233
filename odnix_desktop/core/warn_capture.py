"""Python warnings (Pillow's "Corrupt EXIF data", ...) collected per job, thread-safely.

``warnings.catch_warnings`` swaps module-global state: two worker threads using it at
once lose and misattribute notes, and leak them to stderr. Instead one hook is
installed (and re-installed if something, e.g. pytest, swapped it out): a warning
raised on a thread that is collecting goes to that thread's list; any other warning
goes where it went before.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

_local = threading.local()
_install_lock = threading.Lock()
#: Warnings from these modules are shown every time (not once per place), so that
#: every job that meets one gets its note.
_MODULES = r"(PIL|pillow_heif|odnix_desktop)(\..*)?$"
_previous: Any = None


def _show(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    sink: list[str] | None = getattr(_local, "sink", None)
    if sink is not None:
        sink.append(str(message).strip())
        return
    target = _previous if _previous is not None and _previous is not _show else warnings._showwarning_orig  # type: ignore[attr-defined]
    target(message, category, filename, lineno, file, line)


def _ensure_installed() -> None:
    global _previous
    if warnings.showwarning is _show and _our_filters():
        return
    with _install_lock:
        if warnings.showwarning is not _show:
            _previous = warnings.showwarning
            warnings.showwarning = _show
        if not _our_filters():
            warnings.filterwarnings("always", module=_MODULES)


def _our_filters() -> list[Any]:
    return [f for f in warnings.filters if f[0] == "always" and f[3] is not None and f[3].pattern == _MODULES]


@contextmanager
def collect() -> Iterator[list[str]]:
    """Collect the warnings raised on this thread inside the block (nested blocks each get theirs)."""
    _ensure_installed()
    sink: list[str] = []
    outer = getattr(_local, "sink", None)
    _local.sink = sink
    try:
        yield sink
    finally:
        _local.sink = outer
        if outer is not None:
            outer.extend(sink)
