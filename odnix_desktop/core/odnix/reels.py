"""Reels shaped for the server's rule: under 512 KB (524,288 bytes) a reel is stored byte-identical; over it,
the server re-encodes it (x264 CRF 32, height forced to 720: a portrait 720×1280 becomes
406×720, a 720×406 landscape clip is upscaled).

:func:`shape_reel` makes a second encode of the source that fits under the limit (two-pass
x264 at the bitrate the limit allows) and compares, on this computer, what viewers would get:
that encode as sent, against the normal encode after a simulation of the server's re-encode.
Both are scored by SSIM (luma, ffmpeg's ``ssim`` filter) against the source at the normal
encode's size. The better one is sent; ties go to the small one (fewer bytes).
"""

from __future__ import annotations

import logging
import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from odnix_desktop.core.errors import OdnixError
from odnix_desktop.core.odnix.profile import VideoStep, profile_for
from odnix_desktop.core.odnix.server_step import simulate_video
from odnix_desktop.core.presets import PRESETS, VideoLimits
from odnix_desktop.core.progress import CancelToken, Report, check_cancel, no_report
from odnix_desktop.core.video import command
from odnix_desktop.core.video.command import EncodePlan
from odnix_desktop.core.video.ffmpeg_run import run_ffmpeg
from odnix_desktop.core.video.probe import probe
from odnix_desktop.core.video.tool import ffmpeg_exe

log = logging.getLogger(__name__)

#: Share of the limit the small encode aims at (the rest: container overhead, rate-control error).
BUDGET_SHARE = 0.94
#: Audio of the small encode (AAC); none when the source has none.
SMALL_AUDIO_K = 64
#: Below this video bitrate the small encode is not tried: the clip is too long for the limit.
MIN_VIDEO_K = 150
#: x264 preset of the small encode (slower than the normal veryfast: every bit counts here).
SMALL_PRESET = "medium"
#: SSIM differences smaller than this are a tie (then the smaller file goes).
TIE = 0.001


def server_size(width: int, height: int, step: VideoStep) -> tuple[int, int]:
    """``scale=-2:<height>``: ffmpeg's av_rescale (round half up) of the width to an even number."""
    half = step.height * width / (height * 2)
    return int(half + 0.5) * 2, step.height


@dataclass(frozen=True, slots=True)
class ReelChoice:
    """Which encode goes, and why; ``to_json`` is the CLI's ``upload.shaped_for_server``."""

    path: Path
    choice: str  # "as-is" (already under the limit), "small" (fits), "normal" (the server re-encodes)
    reason: str
    normal_bytes: int
    small_bytes: int | None = None
    ssim_small: float | None = None
    ssim_normal_on_odnix: float | None = None
    on_odnix: tuple[int, int] | None = None  # what the server stores, width and height
    extra: dict[str, object] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {
            "target": "reel",
            "choice": self.choice,
            "reason": self.reason,
            "sent_bytes": self.small_bytes if self.choice == "small" else self.normal_bytes,
            "normal_bytes": self.normal_bytes,
            "small_bytes": self.small_bytes,
            "ssim_small": None if self.ssim_small is None else round(self.ssim_small, 4),
            "ssim_normal_on_odnix": None if self.ssim_normal_on_odnix is None else round(self.ssim_normal_on_odnix, 4),
            "on_odnix": None if self.on_odnix is None else {"width": self.on_odnix[0], "height": self.on_odnix[1]},
        }


def small_encode_args(
    exe: Path,
    source: Path,
    dest: Path | None,
    plan: EncodePlan,
    video_k: int,
    audio_k: int,
    pass_no: int,
    log_base: Path,
) -> list[str]:
    """One pass of the two-pass encode under the limit (pass 1 writes no file)."""
    args = [str(exe), "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
    if plan.start > 0:
        args += ["-ss", f"{plan.start:.3f}"]
    args += ["-i", f"file:{source.resolve()}", "-map", f"0:{plan.video_index}"]
    with_audio = plan.audio_index is not None and pass_no == 2
    if with_audio:
        args += ["-map", f"0:{plan.audio_index}"]
    if plan.limit is not None:
        args += ["-t", f"{plan.limit:.3f}"]
    args += ["-map_metadata", "-1", "-map_chapters", "-1", "-sn", "-dn", "-vf", command.video_filter(plan)]
    args += ["-c:v", "libx264", "-preset", SMALL_PRESET, "-b:v", f"{video_k}k", "-pass", str(pass_no)]
    args += ["-passlogfile", str(log_base), "-profile:v", "high", "-pix_fmt", "yuv420p"]
    args += ["-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range", "tv"]
    if with_audio:
        args += ["-c:a", "aac", "-b:a", f"{audio_k}k", "-ac", "2"]
    else:
        args += ["-an"]
    args += command.progress_args()
    if dest is None:
        return [*args, "-f", "null", "-"]
    return [*args, "-movflags", "+faststart", "-f", "mp4", f"file:{dest.resolve()}"]


def ssim_args(exe: Path, distorted: Path, source: Path, plan: EncodePlan, stats: Path) -> list[str]:
    """SSIM per frame of ``distorted`` (scaled to the plan's size) against the source, made the
    way the normal encode makes its frames (same fps, scale and colour conversion)."""
    w, h = plan.width, plan.height
    ref = ",".join([f"fps={command.fps_text(plan.fps)}", *command.colour_filters(plan.colour, w, h)])
    graph = (
        f"[0:v]scale=w={w}:h={h}:flags=bicubic,format=yuv420p,setsar=1[d];"
        f"[1:v:0]{ref}[r];[d][r]ssim=stats_file='{_filter_path(stats)}'"
    )
    args = [str(exe), "-hide_banner", "-nostdin", "-loglevel", "error"]
    args += ["-i", f"file:{distorted.resolve()}"]
    if plan.start > 0:
        args += ["-ss", f"{plan.start:.3f}"]
    args += ["-i", f"file:{source.resolve()}", "-lavfi", graph, *command.progress_args(), "-f", "null", "-"]
    return args


def _filter_path(path: Path) -> str:
    """A path inside a filter graph option: escape what the graph parser reads specially."""
    text = str(path.resolve()).replace("\\", "/")
    return text.replace(":", "\\:").replace("'", "\\'")


def parse_ssim_stats(text: str) -> float | None:
    """Mean luma SSIM of the ``ssim`` filter's per-frame lines (``n:1 Y:0.98 U:... All:...``)."""
    values = []
    for line in text.splitlines():
        for part in line.split():
            if part.startswith("Y:"):
                try:
                    value = float(part[2:])
                except ValueError:
                    continue
                if math.isfinite(value):
                    values.append(value)
    return sum(values) / len(values) if values else None


def measure_ssim(
    distorted: Path, source: Path, plan: EncodePlan, work: Path, cancel: CancelToken | None = None
) -> float:
    stats = work / f"ssim-{distorted.stem}.log"
    run_ffmpeg(
        ssim_args(ffmpeg_exe(), distorted, source, plan, stats),
        path=source,
        expected_duration=plan.expected_duration,
        cancel=cancel,
        stage="measuring",
        doing="measuring SSIM",
    )
    value = parse_ssim_stats(stats.read_text(encoding="ascii", errors="replace"))
    if value is None:
        raise OdnixError("ffmpeg measured no frames", path=distorted)
    return value


def encode_small(
    source: Path, dest: Path, plan: EncodePlan, limit: int, work: Path, cancel: CancelToken | None = None
) -> Path | None:
    """Two-pass x264 aimed at ``BUDGET_SHARE`` of ``limit``; one retry lower if it overshoots."""
    duration = plan.expected_duration or 0.0
    if duration <= 0:
        return None
    audio_k = SMALL_AUDIO_K if plan.audio_index is not None else 0
    video_k = int(limit * BUDGET_SHARE * 8 / duration / 1000) - audio_k
    exe = ffmpeg_exe()
    for _attempt in range(2):
        if video_k < MIN_VIDEO_K:
            return None
        for pass_no in (1, 2):
            run_ffmpeg(
                small_encode_args(
                    exe, source, dest if pass_no == 2 else None, plan, video_k, audio_k, pass_no, work / "x264"
                ),
                path=source,
                expected_duration=duration,
                cancel=cancel,
                stage=f"encoding under the limit (pass {pass_no})",
                doing="encoding",
            )
        size = dest.stat().st_size
        if size < limit:
            return dest
        video_k = int(video_k * limit / size * 0.95)
    dest.unlink(missing_ok=True)
    return None


def shape_reel(
    source: Path,
    normal: Path,
    dest: Path,
    *,
    step: VideoStep | None = None,
    report: Report = no_report,
    cancel: CancelToken | None = None,
) -> ReelChoice:
    """Choose between ``normal`` (the reel preset's encode of ``source``) and an encode of the
    source under the server's limit, written to ``dest`` when it wins.

    What viewers get from ``normal`` is the server's re-encode when it is over the limit, and
    ``normal`` itself under it; the encode under the limit is always stored as sent. The one
    with the higher SSIM goes; a tie (within :data:`TIE`) goes to the smaller file.
    """
    step = step or _reel_step()
    normal_bytes = normal.stat().st_size
    limit = step.stored_as_sent_below
    w, h = probe(normal).display_size
    under = normal_bytes < limit
    on_odnix = (w, h) if under else server_size(w, h, step)
    fate = "stored as sent" if under else f"re-encoded by Odnix to {on_odnix[0]}×{on_odnix[1]} at CRF {step.crf}"
    plan = command.plan_encode(probe(source), _reel_limits())
    with tempfile.TemporaryDirectory(prefix="odnix-reel-") as tmp:
        work = Path(tmp)
        small = encode_small(source, dest, plan, limit, work, cancel)
        if small is None:
            reason = f"{_length(plan)} cannot fit {_kib(limit)} at a watchable bitrate; the normal encode is {fate}"
            return ReelChoice(normal, "as-is" if under else "normal", reason, normal_bytes, on_odnix=on_odnix)
        check_cancel(cancel, source)
        viewed = normal
        if not under:
            viewed = simulate_video(
                normal, work / "server.mp4", step, duration=plan.expected_duration, report=report, cancel=cancel
            ).path
        ssim_normal = measure_ssim(viewed, source, plan, work, cancel)
        ssim_small = measure_ssim(small, source, plan, work, cancel)
    small_bytes = small.stat().st_size
    scores = f"SSIM {ssim_small:.4f} for {_kib(small_bytes)} sent as is vs {ssim_normal:.4f} for the normal encode"
    if under:
        scores += f" ({_kib(normal_bytes)}, stored as sent)"
    else:
        scores += f" after Odnix's re-encode to {on_odnix[0]}×{on_odnix[1]}"
    small_wins = ssim_small > ssim_normal + TIE or (ssim_small >= ssim_normal - TIE and small_bytes <= normal_bytes)
    if small_wins:
        reason = f"an encode under {_kib(limit)} is stored as sent at {w}×{h}: {scores}"
        return ReelChoice(small, "small", reason, normal_bytes, small_bytes, ssim_small, ssim_normal, (w, h))
    dest.unlink(missing_ok=True)
    reason = f"the normal encode ({fate}) looks better: {scores}"
    return ReelChoice(
        normal, "as-is" if under else "normal", reason, normal_bytes, small_bytes, ssim_small, ssim_normal, on_odnix
    )


def _reel_step() -> VideoStep:
    step = profile_for("reel").video
    assert step is not None
    return step


def _reel_limits() -> VideoLimits:
    limits = PRESETS["reel"].video
    assert limits is not None
    return limits


def _kib(n: int) -> str:
    return f"{n / 1024:,.0f} KB"


def _length(plan: EncodePlan) -> str:
    return f"a clip of {plan.expected_duration:.0f} s" if plan.expected_duration else "this clip"
