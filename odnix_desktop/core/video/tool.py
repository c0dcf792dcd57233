"""Finding the bundled ffmpeg and starting it quietly (no console window, no stdin)."""

from __future__ import annotations

import functools
import logging
import os
import subprocess
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


def quiet_popen_kwargs() -> dict[str, Any]:
    """Keyword arguments for every ffmpeg child: no stdin, and no console window on Windows."""
    kwargs: dict[str, Any] = {"stdin": subprocess.DEVNULL}
    if os.name == "nt":  # the platform (a str from the os module), not an enum compared by name
        kwargs["creationflags"] = getattr(subprocess, "CREATE_NO_WINDOW", 0x08000000)
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
