"""Finding the bundled ffmpeg and starting it quietly (no console window, no stdin)."""

from __future__ import annotations

import functools
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from odnix_desktop.core.errors import StalledError, ToolMissingError

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=1)
def ffmpeg_exe() -> Path:
    """The ffmpeg binary shipped with ``imageio-ffmpeg`` (or ``IMAGEIO_FFMPEG_EXE``).

    A frozen build bundles the same binary, so this finds it there too.
    """
    try:
        import imageio_ffmpeg
    except ImportError:  # pragma: no cover - it is a dependency
        raise ToolMissingError("ffmpeg is not available: the imageio-ffmpeg package is missing") from None
    try:
        exe = imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError as exc:
        raise ToolMissingError(f"ffmpeg is not available ({exc})") from None
    path = Path(exe)
    log.debug("using ffmpeg at %s", path)
    return path


def file_arg(path: Path) -> str:
    """A path as ffmpeg must see it: always the ``file:`` protocol with an absolute path.

    A bare name is parsed by ffmpeg as a URL when it looks like one: ``concat:a|b``,
    ``http:host:port``, ``pipe:1``, ``subfile,,...`` would each read something else.
    """
    return "file:" + os.path.abspath(os.fspath(path))


_PR_SET_PDEATHSIG = 1


def _libc_prctl() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl
    except (OSError, AttributeError):  # pragma: no cover - no libc prctl
        return None


_prctl = _libc_prctl()


def _die_with_parent(parent: int) -> Callable[[], None]:
    """In the forked child, before exec: ask the kernel for SIGKILL when our parent dies.

    So a hard-killed app or CLI never leaves an ffmpeg writing on. (Only a C call and
    two syscalls run between fork and exec.)
    """

    def arm() -> None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the call: exit now
            os._exit(1)

    return arm


def quiet_popen_kwargs() -> dict[str, Any]:
    """Keyword arguments for every ffmpeg child: no stdin, no console window on Windows,
    and on Linux the child is killed when the process that started it dies."""
    kwargs: dict[str, Any] = {"stdin": subprocess.DEVNULL}
    if os.name == "nt":  # the platform (a str from the os module), not an enum compared by name
        kwargs["creationflags"] = getattr(subprocess, "CREATE_NO_WINDOW", 0x08000000)
    elif _prctl is not None:
        kwargs["preexec_fn"] = _die_with_parent(os.getpid())
    return kwargs


def run_quick(args: list[str], timeout: float = 60.0) -> subprocess.CompletedProcess[bytes]:
    """Run a short ffmpeg command (probe, one frame) and capture its output."""
    try:
        return subprocess.run(
            args,
            capture_output=True,
            timeout=timeout,
            check=False,
            **quiet_popen_kwargs(),
        )
    except FileNotFoundError:
        ffmpeg_exe.cache_clear()
        raise ToolMissingError(f"ffmpeg could not be started ({args[0]} not found)") from None
    except PermissionError:
        raise ToolMissingError(f"ffmpeg could not be started ({args[0]} is not executable)") from None
    except subprocess.TimeoutExpired:
        raise StalledError(f"ffmpeg gave no answer within {timeout:.0f} s") from None
