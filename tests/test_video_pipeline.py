"""compress_video end to end, on clips generated with the bundled ffmpeg."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from PIL import ImageStat

from odnix_desktop.core.compress import run_item
from odnix_desktop.core.errors import Cancelled, CorruptMediaError, PresetError, StalledError, UnsupportedMediaError
from odnix_desktop.core.options import CompressOptions, Status
from odnix_desktop.core.progress import Progress
from odnix_desktop.core.video import command
from odnix_desktop.core.video.ffmpeg_run import run_ffmpeg
from odnix_desktop.core.video.frames import frame_at
from odnix_desktop.core.video.pipeline import compress_video
from odnix_desktop.core.video.probe import probe
from odnix_desktop.core.video.tool import ffmpeg_exe
from tests.video_fixtures import (  # noqa: F401  (fixtures)
    GPS,
    audio_only,
    clips,
    efficient_clip,
    hdr_clip,
    long_clip,
    portrait_vfr,
    sdr_twin,
    small_clip,
    truncated,
    with_rotation,
)

REEL = CompressOptions(preset="reel")


def leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and p.name.startswith(".odnix-")]


def test_rotated_vfr_60fps_portrait_without_audio(portrait_vfr: Path, tmp_path: Path) -> None:
    reports: list[Progress] = []
    result = compress_video(portrait_vfr, tmp_path, REEL, report=reports.append)
    assert result.status is Status.COMPRESSED and result.output is not None
    assert result.output.suffix == ".mp4" and result.preset == "reel"
    out = probe(result.output)
    # Width measured on the displayed picture: 810x1440 -> 720x1280, upright, no display matrix left.
    assert out.display_size == (720, 1280) and out.video.rotation == 0
    assert out.fps == 24 and not out.is_vfr
    assert out.video.codec == "h264" and out.video.profile == "High" and out.video.pix_fmt == "yuv420p"
    assert (out.video.color_space, out.video.color_primaries, out.video.color_transfer) == ("bt709",) * 3
    assert out.audio is None
    assert result.after is not None and (result.after.width, result.after.height) == (720, 1280)
    assert result.before is not None and result.before.duration and result.before.fps  # VFR: the average rate
    assert any("variable frame rate" in w for w in result.warnings)
    # Progress: monotonic, ends at exactly 1.0.
    fractions = [p.fraction for p in reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and reports[-1].stage == "done"
    assert not leftovers(tmp_path)
    # The picture is upright: frame_at of the output has the portrait shape.
    assert frame_at(result.output, 0.5, 200).size == (112, 200)


def test_long_clip_is_trimmed_to_90s_with_warning(long_clip: Path, tmp_path: Path) -> None:
    reports: list[Progress] = []
    result = compress_video(long_clip, tmp_path, REEL, report=reports.append)
    assert result.after is not None and result.after.duration == pytest.approx(90.0, abs=0.2)
    assert any("trimmed" in w and "90" in w for w in result.warnings)
    encoding = [p for p in reports if p.stage == "encoding"]
    assert len(encoding) >= 2, "expected progress blocks during the encode"
    assert all(p.speed is None or p.speed > 0 for p in encoding)
    fractions = [p.fraction for p in reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    out = probe(result.output)  # type: ignore[arg-type]
    assert out.has_audio and out.audio is not None and out.audio.codec == "aac"


def test_start_offset_and_chat_preset_without_cap(long_clip: Path, tmp_path: Path) -> None:
    result = compress_video(long_clip, tmp_path, CompressOptions(preset="chat", start_seconds=70.0))
    assert result.output is not None and result.output.parent == tmp_path / "chat_media"
    assert result.after is not None and result.after.duration == pytest.approx(30.0, abs=0.2)
    assert not any("trimmed" in w for w in result.warnings)


def test_small_clip_is_not_upscaled(small_clip: Path, tmp_path: Path) -> None:
    result = compress_video(small_clip, tmp_path, CompressOptions(preset="story", fps_cap=30))
    assert result.after is not None and (result.after.width, result.after.height) == (322, 242)
    assert result.after.fps == 24  # below the cap: the source's own rate


def test_hdr_is_tone_mapped_to_sdr(hdr_clip: Path, sdr_twin: Path, tmp_path: Path) -> None:
    result = compress_video(hdr_clip, tmp_path, REEL)
    assert result.output is not None and any("HDR (PQ)" in w for w in result.warnings)
    out = probe(result.output)
    assert out.hdr is None and out.video.bit_depth == 8 and out.video.pix_fmt == "yuv420p"
    assert out.video.color_transfer == "bt709" and out.video.color_primaries == "bt709"
    # Not washed out: the contrast is far above a PQ signal shown as if it were SDR.
    ours = ImageStat.Stat(frame_at(result.output, 0.5, 320).convert("L")).stddev[0]
    reference = ImageStat.Stat(frame_at(sdr_twin, 0.5, 320).convert("L")).stddev[0]
    naive = _naive_contrast(hdr_clip)
    assert ours > 1.3 * naive and ours > 0.45 * reference


def _naive_contrast(path: Path) -> float:
    import subprocess

    raw = subprocess.run(
        [
            str(ffmpeg_exe()),
            "-v",
            "error",
            "-ss",
            "0.5",
            "-i",
            str(path),
            "-frames:v",
            "1",
            "-vf",
            "scale=in_color_matrix=bt2020,format=gray",
            "-f",
            "rawvideo",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    mean = sum(raw) / len(raw)
    return float((sum((b - mean) ** 2 for b in raw) / len(raw)) ** 0.5)


def test_fallback_keeps_original_streams_without_metadata(efficient_clip: Path, tmp_path: Path) -> None:
    src_bytes = efficient_clip.read_bytes()
    result = compress_video(efficient_clip, tmp_path, REEL)
    assert result.status is Status.KEPT_ORIGINAL and result.output is not None
    assert any("original streams were kept" in w for w in result.warnings)
    out = probe(result.output)
    assert GPS not in result.output.read_bytes().decode("latin-1")
    assert "location" not in out.tags and "creation_time" not in out.tags and "title" not in out.tags
    assert out.video.codec == "h264" and out.audio is not None and out.audio.codec == "aac"
    assert out.display_size == (320, 240)
    data = result.output.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")  # +faststart
    assert abs(len(data) - len(src_bytes)) < 0.05 * len(src_bytes)
    assert efficient_clip.read_bytes() == src_bytes  # the original is never touched
    assert not leftovers(tmp_path)
    # Without the fallback the compressed (larger) output is written.
    forced = compress_video(efficient_clip, tmp_path, CompressOptions(preset="reel", keep_original_if_smaller=False))
    assert forced.status is Status.COMPRESSED and forced.output != result.output


def test_fallback_keeps_the_display_rotation(efficient_clip: Path, tmp_path: Path) -> None:
    rotated = with_rotation(efficient_clip, tmp_path / "rotated.mp4", 90)
    result = compress_video(rotated, tmp_path / "out", REEL)
    assert result.status is Status.KEPT_ORIGINAL and result.output is not None
    assert probe(result.output).display_size == (240, 320)
    assert result.after is not None and (result.after.width, result.after.height) == (240, 320)


def test_truncated_and_audio_only_fail_clearly(truncated: Path, audio_only: Path, tmp_path: Path) -> None:
    with pytest.raises(CorruptMediaError, match="truncated"):
        compress_video(truncated, tmp_path, REEL)
    with pytest.raises(UnsupportedMediaError, match="only audio"):
        compress_video(audio_only, tmp_path, REEL)
    failed = run_item(truncated, tmp_path, REEL)
    assert failed.status is Status.FAILED and failed.error and "truncated.mp4" in failed.error
    assert not leftovers(tmp_path)


def test_photo_only_preset_refuses_videos(small_clip: Path, tmp_path: Path) -> None:
    with pytest.raises(PresetError, match="photos only"):
        compress_video(small_clip, tmp_path, CompressOptions(preset="post"))


def test_cancel_mid_encode_leaves_no_temp_file(long_clip: Path, tmp_path: Path) -> None:
    cancel = threading.Event()
    cancelled_at: list[float] = []

    def report(p: Progress) -> None:
        if p.stage == "encoding" and p.fraction > 0.02 and not cancel.is_set():
            cancelled_at.append(time.monotonic())
            cancel.set()

    with pytest.raises(Cancelled):
        compress_video(long_clip, tmp_path, REEL, report=report, cancel=cancel)
    assert cancelled_at and time.monotonic() - cancelled_at[0] < 1.0
    assert not leftovers(tmp_path) and not list(tmp_path.rglob("*.mp4"))
    assert run_item(long_clip, tmp_path, REEL, cancel=cancel).status is Status.CANCELLED


def test_cancel_stops_ffmpeg_within_a_second(tmp_path: Path) -> None:
    """An endless lavfi source: only the cancel token can end it."""
    cancel = threading.Event()
    args = [
        str(ffmpeg_exe()),
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-re",
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=64x48:r=10",
        *command.progress_args(),
        "-f",
        "null",
        "-",
    ]
    timer = threading.Timer(0.6, cancel.set)
    timer.start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        run_ffmpeg(args, cancel=cancel, expected_duration=None)
    assert time.monotonic() - started < 0.6 + 1.0
    timer.cancel()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a named pipe")
def test_stall_watchdog(tmp_path: Path) -> None:
    """ffmpeg blocked on an input that never delivers data is stopped by the watchdog."""
    fifo = tmp_path / "never.fifo"
    os.mkfifo(fifo)
    args = [
        str(ffmpeg_exe()),
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-f",
        "h264",
        "-i",
        str(fifo),
        *command.progress_args(),
        "-f",
        "null",
        "-",
    ]
    started = time.monotonic()
    with pytest.raises(StalledError, match="no progress"):
        run_ffmpeg(args, stall_timeout=0.8)
    assert time.monotonic() - started < 3.0


def test_frame_at_scales_and_clamps(small_clip: Path) -> None:
    img = frame_at(small_clip, 0.3, 161)
    assert img.mode == "RGB" and img.size == (160, 120)
    assert frame_at(small_clip, 99.0, (1000, 1000)).size == (322, 242)  # past the end: last frame, no upscale
