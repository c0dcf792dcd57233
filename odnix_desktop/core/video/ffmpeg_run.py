"""Running one long ffmpeg command: progress, cancel, a stall watchdog and clear errors.

Progress comes from ``-progress pipe:1 -nostats``: blocks of ``key=value`` lines that
end with ``progress=continue`` or ``progress=end``. A reader thread parses them into
:class:`ProgressSample` objects; the calling thread turns those into
:class:`~odnix_desktop.core.progress.Progress` reports, watches the cancel token
(ffmpeg is killed within ~0.1 s) and fails a run whose output time stops moving.
"""

from __future__ import annotations

import collections
import logging
import queue
import subprocess
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from odnix_desktop.core.errors import Cancelled, StalledError, ToolMissingError
from odnix_desktop.core.progress import CancelToken, Progress, Report, no_report
from odnix_desktop.core.video import diagnose
from odnix_desktop.core.video.tool import quiet_popen_kwargs

log = logging.getLogger(__name__)

#: A run whose output time does not advance for this long fails with StalledError.
STALL_TIMEOUT_S = 120.0
#: How often the calling thread looks at the cancel token and the watchdog.
POLL_S = 0.05
#: Lines of stderr kept to explain a failure.
STDERR_LINES = 60
#: Of those, the lines written to the log when ffmpeg fails.
LOG_LINES = 12


@dataclass(frozen=True, slots=True)
class ProgressSample:
    """One ``-progress`` block."""

    out_time: float | None  # seconds of output written
    frame: int | None
    fps: float | None
    speed: float | None  # times real time
    total_size: int | None
    done: bool  # progress=end


def _float(value: str | None) -> float | None:
    if value is None:
        return None
    value = value.strip().rstrip("x")
    if not value or value == "N/A":
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _int(value: str | None) -> int | None:
    number = _float(value)
    return None if number is None else int(number)


def parse_block(pairs: dict[str, str]) -> ProgressSample:
    """Read one block's ``key=value`` pairs (pure)."""
    out_us = _float(pairs.get("out_time_us")) if "out_time_us" in pairs else _float(pairs.get("out_time_ms"))
    out_time = None if out_us is None or out_us < 0 else out_us / 1_000_000
    return ProgressSample(
        out_time=out_time,
        frame=_int(pairs.get("frame")),
        fps=_float(pairs.get("fps")),
        speed=_float(pairs.get("speed")),
        total_size=_int(pairs.get("total_size")),
        done=pairs.get("progress") == "end",
    )


class ProgressParser:
    """Feed lines, get a sample at the end of each block."""

    def __init__(self) -> None:
        self._pairs: dict[str, str] = {}

    def feed(self, line: str) -> ProgressSample | None:
        key, sep, value = line.strip().partition("=")
        if not sep:
            return None
        self._pairs[key.strip()] = value.strip()
        if key.strip() != "progress":
            return None
        sample = parse_block(self._pairs)
        self._pairs = {}
        return sample


def parse_stream(lines: Iterable[str]) -> list[ProgressSample]:
    parser = ProgressParser()
    return [s for s in (parser.feed(line) for line in lines) if s is not None]


def to_progress(
    sample: ProgressSample,
    expected: float | None,
    floor: float,
    *,
    stage: str = "encoding",
    span: tuple[float, float] = (0.0, 1.0),
) -> Progress:
    """Map a sample to a report: fraction of the expected output length, never below ``floor``."""
    part = 0.0
    eta = None
    if sample.done:
        part = 1.0
        eta = 0.0
    elif expected and expected > 0 and sample.out_time is not None:
        part = min(1.0, sample.out_time / expected)
        if sample.speed and sample.speed > 0:
            eta = max(0.0, expected - sample.out_time) / sample.speed
    fraction = max(floor, span[0] + (span[1] - span[0]) * part)
    return Progress(fraction=fraction, stage=stage, fps=sample.fps, speed=sample.speed, eta_seconds=eta)


def _pump_progress(stream: IO[bytes], out: queue.Queue[ProgressSample | None]) -> None:
    parser = ProgressParser()
    try:
        for raw in iter(stream.readline, b""):
            sample = parser.feed(raw.decode("utf-8", errors="replace"))
            if sample is not None:
                out.put(sample)
    except (OSError, ValueError):  # pipe closed under us when ffmpeg is killed
        pass
    finally:
        out.put(None)


def _pump_stderr(stream: IO[bytes], keep: collections.deque[str]) -> None:
    try:
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", errors="replace").rstrip()
            if line:
                keep.append(line)
    except (OSError, ValueError):
        pass


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()  # the output is thrown away: no need to let ffmpeg finish the file
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:  # pragma: no cover - a kill is not refused
        log.warning("ffmpeg (pid %s) did not exit after kill", proc.pid)


def run_ffmpeg(
    args: Sequence[str],
    *,
    path: Path | None = None,
    expected_duration: float | None = None,
    report: Report = no_report,
    cancel: CancelToken | None = None,
    stall_timeout: float = STALL_TIMEOUT_S,
    stage: str = "encoding",
    span: tuple[float, float] = (0.0, 1.0),
    doing: str = "encoding",
    source_format: str | None = None,
) -> None:
    """Run ffmpeg (whose ``args`` include ``-progress pipe:1``) to the end.

    Raises :class:`Cancelled` when ``cancel`` is set, :class:`StalledError` when the
    output time does not move for ``stall_timeout`` seconds, and the matching
    :class:`~odnix_desktop.core.errors.OdnixError` when ffmpeg fails.
    """
    if cancel is not None and cancel.is_set():
        raise Cancelled(path=path)
    log.debug("running %s", " ".join(args))
    try:
        proc = subprocess.Popen(list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, **quiet_popen_kwargs())
    except FileNotFoundError:
        raise ToolMissingError(f"ffmpeg could not be started ({args[0]} not found)") from None
    except PermissionError:
        raise ToolMissingError(f"ffmpeg could not be started ({args[0]} is not executable)") from None
    samples: queue.Queue[ProgressSample | None] = queue.Queue()
    stderr: collections.deque[str] = collections.deque(maxlen=STDERR_LINES)
    assert proc.stdout is not None and proc.stderr is not None
    readers = [
        threading.Thread(target=_pump_progress, args=(proc.stdout, samples), daemon=True, name="ffmpeg-progress"),
        threading.Thread(target=_pump_stderr, args=(proc.stderr, stderr), daemon=True, name="ffmpeg-stderr"),
    ]
    for reader in readers:
        reader.start()
    floor = span[0]
    last_move = time.monotonic()
    last_mark: tuple[float | None, int | None, int | None] = (None, None, None)
    try:
        while True:
            if cancel is not None and cancel.is_set():
                _stop(proc)
                raise Cancelled(path=path)
            try:
                sample = samples.get(timeout=POLL_S)
            except queue.Empty:
                sample = None
                if time.monotonic() - last_move > stall_timeout:
                    _stop(proc)
                    detail = diagnose.meaningful_line(stderr)
                    raise StalledError(
                        f"ffmpeg made no progress for {stall_timeout:.0f} s and was stopped"
                        + (f" (last message: {detail})" if detail else ""),
                        path=path,
                    ) from None
                if proc.poll() is not None and not readers[0].is_alive() and samples.empty():
                    break
                continue
            if sample is None:  # stdout closed: ffmpeg is exiting
                break
            mark = (sample.out_time, sample.frame, sample.total_size)
            if mark != last_mark:
                last_mark, last_move = mark, time.monotonic()
            progress = to_progress(sample, expected_duration, floor, stage=stage, span=span)
            floor = progress.fraction
            report(progress)
        while proc.poll() is None:
            if cancel is not None and cancel.is_set():
                _stop(proc)
                raise Cancelled(path=path)
            try:
                proc.wait(timeout=POLL_S)
            except subprocess.TimeoutExpired:
                if time.monotonic() - last_move > stall_timeout:
                    _stop(proc)
                    raise StalledError(f"ffmpeg did not exit for {stall_timeout:.0f} s", path=path) from None
    finally:
        if proc.poll() is None:
            _stop(proc)
        for reader in readers:
            reader.join(timeout=2)
        for stream in (proc.stdout, proc.stderr):
            stream.close()
    if proc.returncode != 0:
        lines = list(stderr)
        log.warning(
            "ffmpeg exited with %s while %s %s; its last lines:\n%s",
            proc.returncode,
            doing,
            path,
            "\n".join(lines[-LOG_LINES:]),
        )
        raise diagnose.error_for(lines, path, doing=doing, returncode=proc.returncode, source_format=source_format)
