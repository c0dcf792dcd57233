"""``compress_video``: one clip in, one small H.264/AAC MP4 out, in a single ffmpeg pass.

The seed's reel flow (≤ 720 px wide, ≤ 90 s, 24 fps, x264 CRF 28 veryfast, AAC) with
colour handled right, metadata stripped, progress, cancel, a stall watchdog, and the
smart fallback: a source that already meets every limit and does not get smaller is
kept (remuxed, without metadata, index first).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path, PurePath

from odnix_desktop.core.dates import capture_date, with_capture_date
from odnix_desktop.core.errors import OdnixError, PresetError, ProbeError
from odnix_desktop.core.gains import keeps_source, kept_note
from odnix_desktop.core.media import MediaInfo, MediaKind
from odnix_desktop.core.naming import output_path
from odnix_desktop.core.options import CompressOptions, CompressResult, Status
from odnix_desktop.core.output import commit, temporary_output
from odnix_desktop.core.presets import VideoLimits
from odnix_desktop.core.progress import CancelToken, Progress, Report, check_cancel, no_report
from odnix_desktop.core.video import command
from odnix_desktop.core.video.command import EncodePlan
from odnix_desktop.core.video.ffmpeg_run import STALL_TIMEOUT_S, run_ffmpeg
from odnix_desktop.core.video.probe import VideoProbe, probe
from odnix_desktop.core.video.tool import ffmpeg_exe

log = logging.getLogger(__name__)

ENCODE_SPAN = (0.01, 0.97)
REMUX_SPAN = (0.97, 0.99)


def meets_limits(info: VideoProbe, limits: VideoLimits, options: CompressOptions) -> bool:
    """True when the source could be published as it is: H.264 (8-bit 4:2:0) / AAC in MP4,
    within the preset's width, length and frame rate, and SDR."""
    if not info.is_mp4 or info.video.codec != "h264" or info.video.pix_fmt != "yuv420p":
        return False
    if info.hdr is not None or info.video.color_primaries == "bt2020":
        return False
    if info.audio is not None and info.audio.codec != "aac":
        return False
    if options.start_seconds > 0:
        return False
    width, height = info.display_size
    if width > limits.max_width or width % 2 or height % 2:
        return False
    if options.max_dimension is not None and max(width, height) > options.max_dimension:
        return False
    if limits.max_duration is not None:
        if info.duration is None or info.duration > limits.max_duration + command.TRIM_TOLERANCE_S:
            return False
    rate = info.video.tbr if info.is_vfr and info.video.tbr else info.fps
    cap = options.fps_cap or limits.fps
    return rate is not None and float(rate) <= cap + 0.01


def preset_limits(options: CompressOptions, source: Path) -> tuple[str, VideoLimits]:
    preset = options.preset_for(MediaKind.VIDEO)
    if not preset.takes(MediaKind.VIDEO) or preset.video is None:
        raise PresetError(f"the {preset.name} preset takes photos only, not videos", path=source)
    return preset.name, preset.video


def plan_warnings(plan: EncodePlan, info: VideoProbe, limits: VideoLimits) -> list[str]:
    notes: list[str] = []
    if plan.trimmed_from is not None and plan.limit is not None:
        where = f" from {plan.start:g} s" if plan.start > 0 else ""
        notes.append(
            f"the clip was trimmed: {plan.trimmed_from:.1f} s long{where}, only the first "
            f"{plan.limit:g} s were kept (limit {limits.max_duration:g} s)"
        )
    if info.hdr is not None:
        notes.append(f"HDR ({info.hdr}) was tone-mapped to SDR BT.709")
    if info.is_vfr:
        notes.append(f"variable frame rate was made constant ({float(plan.fps):g} fps)")
    if plan.downmix:
        notes.append("surround audio was mixed down to stereo")
    return notes


def _after(path: Path, plan: EncodePlan) -> MediaInfo:
    try:
        return probe(path).media_info()
    except OdnixError as exc:  # pragma: no cover - we just wrote it
        log.warning("could not probe the output %s: %s", path, exc)
        return MediaInfo(
            bytes=path.stat().st_size,
            width=plan.width,
            height=plan.height,
            format="H.264",
            duration=plan.expected_duration,
            fps=float(plan.fps),
        )


def compress_video(
    source: Path,
    out_root: Path,
    options: CompressOptions,
    *,
    rel_dir: PurePath = PurePath(),
    report: Report = no_report,
    cancel: CancelToken | None = None,
    stall_timeout: float = STALL_TIMEOUT_S,
) -> CompressResult:
    """Compress one clip into ``out_root/rel_dir`` as MP4. Raises OdnixError subclasses."""
    started = time.perf_counter()
    preset_name, limits = preset_limits(options, source)
    report(Progress(0.0, "probing"))
    check_cancel(cancel, source)
    info = probe(source)
    before = info.media_info()
    plan = command.plan_encode(
        info, limits, fps_cap=options.fps_cap, start=options.start_seconds, max_dimension=options.max_dimension
    )
    notes = plan_warnings(plan, info, limits)
    preset = options.preset_for(MediaKind.VIDEO)
    final = output_path(source, out_root, rel_dir, preset, ".mp4", options.beside_suffix)
    exe = ffmpeg_exe()
    status = Status.COMPRESSED
    stamp = capture_date(info.tags) if options.keep_capture_date else None
    with temporary_output(final) as encoded:
        encoded_bytes = encode_pass(exe, info, encoded, plan, stamp, report, cancel, stall_timeout)
        with temporary_output(final) as remuxed:
            chosen = encoded
            small_gain = keeps_source(encoded_bytes, info.bytes, options.min_saving)
            if options.keep_original_if_smaller and small_gain and meets_limits(info, limits, options):
                if _remux(exe, info, remuxed, report, cancel, stall_timeout, stamp) and keeps_source(
                    encoded_bytes, remuxed.stat().st_size, options.min_saving
                ):
                    chosen, status = remuxed, Status.KEPT_ORIGINAL
                    notes.append(kept_note(encoded_bytes, info.bytes, "streams"))
            check_cancel(cancel, source)
            report(Progress(REMUX_SPAN[1], "writing"))
            written = commit(chosen, final, options.replaces)
    after = _after(written, plan)
    report(Progress(1.0, "done"))
    log.info("%s -> %s (%s, %d -> %d bytes)", source, written, status.value, info.bytes, after.bytes)
    return CompressResult(
        source=source,
        status=status,
        output=written,
        before=before,
        after=after,
        warnings=tuple(notes),
        seconds=time.perf_counter() - started,
        kind=MediaKind.VIDEO,
        preset=preset_name,
    )


def encode_pass(
    exe: Path,
    info: VideoProbe,
    encoded: Path,
    plan: EncodePlan,
    stamp: str | None,
    report: Report,
    cancel: CancelToken | None,
    stall_timeout: float,
) -> int:
    """The one ffmpeg pass into ``encoded``; returns its size (an empty file is an error)."""
    source = info.path
    run_ffmpeg(
        with_capture_date(command.encode_args(exe, source, encoded, plan), stamp),
        path=source,
        expected_duration=plan.expected_duration,
        report=report,
        cancel=cancel,
        stall_timeout=stall_timeout,
        stage="encoding",
        span=ENCODE_SPAN,
        doing="encoding",
        source_format=info.video.pix_fmt,
    )
    check_cancel(cancel, source)
    encoded_bytes = encoded.stat().st_size
    if encoded_bytes == 0:
        raise ProbeError("ffmpeg wrote an empty file: the clip has no readable frames", path=source)
    return encoded_bytes


def _remux(
    exe: Path,
    info: VideoProbe,
    dest: Path,
    report: Report,
    cancel: CancelToken | None,
    stall_timeout: float,
    stamp: str | None = None,
) -> bool:
    audio = None if info.audio is None else info.audio.index
    try:
        run_ffmpeg(
            with_capture_date(command.remux_args(exe, info.path, dest, info.video.index, audio), stamp),
            path=info.path,
            expected_duration=info.duration,
            report=report,
            cancel=cancel,
            stall_timeout=stall_timeout,
            stage="keeping original",
            span=REMUX_SPAN,
            doing="remuxing",
        )
    except OdnixError as exc:  # a Cancelled is not an OdnixError: it goes on up
        log.warning("could not remux %s, keeping the compressed output: %s", info.path, exc)
        return False
    return dest.stat().st_size > 0
