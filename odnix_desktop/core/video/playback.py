"""Frames of a clip for playback in the compare view: one ffmpeg pipe, one frame at a time.

Before and after are decoded by two :class:`FrameStream` objects started at the same time
and frame rate, so frame *i* of each shows the same moment: ``start + i / fps``. Frames are
fitted inside a box and converted to RGB by the same colour filters as a still frame
(:func:`frames.frame_at`), so playback and scrubbing agree. Memory stays at one frame:
nothing is read ahead beyond the pipe's buffer.
"""

from __future__ import annotations

import collections
import logging
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from odnix_desktop.core.errors import CorruptMediaError, ToolMissingError
from odnix_desktop.core.video import command, diagnose
from odnix_desktop.core.video.probe import VideoProbe, probe
from odnix_desktop.core.video.tool import ffmpeg_exe, file_arg, quiet_popen_kwargs

log = logging.getLogger(__name__)

#: Playback never runs faster than this, whatever the clip (enough to judge motion).
MAX_PLAYBACK_FPS = 30.0
#: Largest box frames are fitted in: a 1080p clip plays at 1280 px wide at most.
MAX_BOX = (1280, 1280)


@dataclass(frozen=True, slots=True)
class StreamSpec:
    """What to decode: ``path`` from ``start`` seconds, at ``fps``, fitted in ``box``."""

    path: Path
    start: float
    fps: float
    box: tuple[int, int]
    seconds: float | None = None  # stop after this long (None: to the end)


def playback_fps(*rates: float | None) -> float:
    """One rate for both sides: the highest of the clips' rates, capped at :data:`MAX_PLAYBACK_FPS`."""
    known = [r for r in rates if r and r > 0]
    return min(MAX_PLAYBACK_FPS, max(known)) if known else 25.0


def stream_args(exe: Path, spec: StreamSpec, info: VideoProbe) -> tuple[list[str], tuple[int, int]]:
    """The ffmpeg command that writes raw RGB frames to stdout, and the frames' size."""
    box = (min(spec.box[0], MAX_BOX[0]), min(spec.box[1], MAX_BOX[1]))
    size = command.preview_size(*info.display_size, box)
    filters = [f"fps={spec.fps:.6g}", *command.colour_filters(command.source_colour(info), size[0], size[1], rgb=True)]
    args = [str(exe), "-hide_banner", "-nostdin", "-loglevel", "error"]
    if spec.start > 0:
        args += ["-ss", f"{spec.start:.3f}"]  # input seeking; exact, since every frame is decoded
    args += ["-i", file_arg(spec.path)]
    if spec.seconds is not None:
        args += ["-t", f"{spec.seconds:.3f}"]
    args += ["-map", f"0:{info.video.index}", "-an", "-sn", "-dn", "-vf", ",".join(filters)]
    args += ["-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]
    return args, size


class FrameStream:
    """Raw RGB frames of one clip, read one at a time from ffmpeg. Close it when done.

    :meth:`stop` may be called from another thread to end a blocked :meth:`read`.
    """

    def __init__(self, spec: StreamSpec, info: VideoProbe | None = None) -> None:
        self.spec = spec
        self.info = info if info is not None else probe(spec.path)
        args, self.size = stream_args(ffmpeg_exe(), spec, self.info)
        self.frame_bytes = self.size[0] * self.size[1] * 3
        self._errors: collections.deque[str] = collections.deque(maxlen=20)
        try:
            self._proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **quiet_popen_kwargs())
        except OSError as exc:
            raise ToolMissingError(f"ffmpeg could not be started: {exc}") from None
        assert self._proc.stdout is not None and self._proc.stderr is not None
        self._stdout: IO[bytes] = self._proc.stdout
        threading.Thread(target=self._drain, args=(self._proc.stderr,), daemon=True).start()
        self.frames_read = 0

    def _drain(self, stream: IO[bytes]) -> None:
        try:
            for raw in stream:
                self._errors.append(raw.decode("utf-8", errors="replace").rstrip())
        except (OSError, ValueError):
            pass

    def read(self) -> bytes | None:
        """The next frame (``width * height * 3`` bytes, RGB), or None at the end of the clip."""
        try:
            data = self._stdout.read(self.frame_bytes)
        except (OSError, ValueError):  # closed from another thread
            return None
        if len(data) < self.frame_bytes:
            self._check_failure()
            return None
        self.frames_read += 1
        return data

    def _check_failure(self) -> None:
        """At the end of the pipe: a stream that gave no frame at all failed; say why."""
        try:
            code = self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return
        if self.frames_read == 0 and code not in (0, -9):
            detail = diagnose.meaningful_line(list(self._errors))
            reason = f": {detail}" if detail else ""
            raise CorruptMediaError(
                f"could not play the clip from {self.spec.start:.2f} s{reason}", path=self.spec.path
            )

    def stop(self) -> None:
        """Kill the decoder (safe from any thread): a blocked :meth:`read` returns None."""
        if self._proc.poll() is None:
            self._proc.kill()

    def close(self) -> None:
        self.stop()
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - a kill is not refused
            log.warning("ffmpeg (pid %s) did not exit after kill", self._proc.pid)
        self._stdout.close()

    def __enter__(self) -> FrameStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
