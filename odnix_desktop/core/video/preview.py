"""A few seconds of a clip encoded at the chosen settings, before the whole clip (as HandBrake's
preview does): the compare view plays it against the original from the same moment.

The encode is the pipeline's own pass (:func:`pipeline.encode_pass`) with the plan cut to
:data:`PREVIEW_SECONDS` from ``start``, so what the preview shows is what the full encode
will give. Its size also gives an estimate of the whole output's size.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from odnix_desktop.core.errors import PresetError
from odnix_desktop.core.media import MediaInfo
from odnix_desktop.core.options import CompressOptions
from odnix_desktop.core.output import commit, temporary_output
from odnix_desktop.core.progress import CancelToken, Progress, Report, no_report
from odnix_desktop.core.video import command
from odnix_desktop.core.video.ffmpeg_run import STALL_TIMEOUT_S
from odnix_desktop.core.video.pipeline import encode_pass, preset_limits
from odnix_desktop.core.video.probe import probe
from odnix_desktop.core.video.tool import ffmpeg_exe

log = logging.getLogger(__name__)

PREVIEW_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class PreviewResult:
    path: Path
    start: float  # where in the source the preview begins
    seconds: float  # how long it is
    after: MediaInfo
    #: The whole output's size at the same bytes per second (None: the clip's length is unknown).
    estimated_bytes: int | None
    encode_seconds: float


def preview_start(t: float, duration: float | None, seconds: float = PREVIEW_SECONDS) -> float:
    """Where a preview asked for at ``t`` begins: at ``t``, or earlier so it still lasts ``seconds``."""
    t = max(0.0, t)
    if duration is None:
        return t
    return max(0.0, min(t, duration - seconds))


def encode_preview(
    source: Path,
    dest: Path,
    options: CompressOptions,
    t: float,
    *,
    seconds: float = PREVIEW_SECONDS,
    report: Report = no_report,
    cancel: CancelToken | None = None,
) -> PreviewResult:
    """Encode ``seconds`` of ``source`` from about ``t`` into ``dest`` (written atomically)."""
    started = time.perf_counter()
    _name, limits = preset_limits(options, source)
    info = probe(source)
    start = preview_start(t, info.duration, seconds)
    full = command.plan_encode(
        info, limits, fps_cap=options.fps_cap, start=options.start_seconds, max_dimension=options.max_dimension
    )
    plan = command.plan_encode(info, limits, fps_cap=options.fps_cap, start=start, max_dimension=options.max_dimension)
    length = seconds if info.duration is None else min(seconds, info.duration - start)
    if length < 0.05:
        raise PresetError(f"nothing to preview at {t:.1f} s: the clip ends there", path=source)
    plan = dataclasses.replace(plan, limit=length, expected_duration=length, trimmed_from=None)
    report(Progress(0.0, "encoding a preview"))
    with temporary_output(dest) as tmp:
        encode_pass(ffmpeg_exe(), info, tmp, plan, None, report, cancel, STALL_TIMEOUT_S)
        written = commit(tmp, dest)
    after = probe(written).media_info()
    got = after.duration or length
    estimate = None
    if full.expected_duration is not None and got > 0:
        estimate = round(after.bytes / got * full.expected_duration)
    log.info("preview of %s from %.2f s: %d bytes for %.2f s", source, start, after.bytes, got)
    return PreviewResult(
        path=written,
        start=start,
        seconds=got,
        after=after,
        estimated_bytes=estimate,
        encode_seconds=time.perf_counter() - started,
    )
