"""Clips made from ffmpeg's own test sources (testsrc2 + a sine tone).

One builder for the self-test of an installed app, the bundle's smoke test, the test
suite and the benchmarks: none of them needs a real clip on disk.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from odnix_desktop.core.errors import EncoderError
from odnix_desktop.core.video.tool import ffmpeg_exe, file_arg, run_quick

H264_FAST: tuple[str, ...] = ("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p")


def test_clip_args(
    exe: Path,
    dest: Path,
    *,
    size: tuple[int, int] = (320, 240),
    rate: float = 30,
    seconds: float = 1.0,
    audio: bool = True,
    video_codec: Sequence[str] = H264_FAST,
    video_filter: str | None = None,
    extra: Sequence[str] = (),
) -> list[str]:
    """The ffmpeg arguments for a test clip (a pure function)."""
    args = [
        str(exe),
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        f"testsrc2=s={size[0]}x{size[1]}:r={rate:g}:d={seconds:g}",
    ]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=f=440:d={seconds:g}:sample_rate=44100"]
    if video_filter:
        args += ["-vf", video_filter]
    args += list(video_codec)
    if audio:
        args += ["-c:a", "aac", "-b:a", "64k", "-shortest"]
    return [*args, *extra, file_arg(dest)]


def make_test_clip(dest: Path, **options: object) -> Path:
    """Write a test clip to ``dest``; see :func:`test_clip_args` for the options."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    done = run_quick(test_clip_args(ffmpeg_exe(), dest, **options), timeout=120)  # type: ignore[arg-type]
    if done.returncode != 0 or not dest.is_file():
        detail = done.stderr.decode("utf-8", errors="replace").strip()[-400:]
        raise EncoderError(f"ffmpeg could not make a test clip: {detail}", path=dest)
    return dest
