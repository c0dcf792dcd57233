"""Clips in the containers and codecs phones and editors produce: each becomes a playable reel."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from odnix_desktop.core.compress import compress
from odnix_desktop.core.options import CompressOptions, Status
from odnix_desktop.core.presets import PRESETS
from odnix_desktop.core.video import command
from odnix_desktop.core.video.probe import probe
from odnix_desktop.core.video.tool import ffmpeg_exe
from tests.video_fixtures import make_clip

CASES = {
    "mov-h264": ("clip.mov", ("-c:v", "libx264", "-preset", "ultrafast"), "h264"),
    "mkv-vp9": ("clip.mkv", ("-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k"), "vp9"),
    "webm-vp9": ("clip.webm", ("-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k"), "vp9"),
    "mp4-av1": ("clip.mp4", ("-c:v", "libaom-av1", "-cpu-used", "8", "-usage", "realtime", "-crf", "50"), "av1"),
    "mkv-hevc": (
        "clip.mkv",
        ("-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-x265-params", "log-level=error"),
        "hevc",
    ),
    "mp4-4k60": ("clip4k.mp4", ("-c:v", "libx264", "-preset", "ultrafast"), "h264"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_common_input_becomes_an_h264_reel(tmp_path: Path, case: str) -> None:
    name, vcodec, codec = CASES[case]
    audio = not name.endswith(".webm")  # webm takes opus, not aac: test it without audio
    big = case == "mp4-4k60"
    src = make_clip(
        tmp_path / name,
        size="3840x2160" if big else "1280x720",
        rate=60 if big else 30,
        seconds=0.5 if big else 1.0,
        audio=audio,
        vcodec=vcodec,
    )
    assert probe(src).video.codec == codec
    result = compress(src, tmp_path / "out", CompressOptions(preset="reel", keep_original_if_smaller=False))
    assert result.status is Status.COMPRESSED
    assert result.output.suffix == ".mp4"
    out = probe(result.output)
    assert out.video.codec == "h264" and out.video.pix_fmt == "yuv420p"
    assert out.display_size == (720, 406)
    assert abs(float(out.fps) - 24) < 0.01
    assert (out.audio is not None) == audio
    assert out.video.color_primaries == "bt709" and out.video.color_transfer == "bt709"


def test_bt601_source_is_converted_and_tagged_bt709(tmp_path: Path) -> None:
    src = make_clip(
        tmp_path / "sd.mp4",
        size="640x480",
        rate=24,
        seconds=1.0,
        audio=False,
        vf="scale=out_color_matrix=bt601,setparams=colorspace=smpte170m:color_primaries=smpte170m:color_trc=smpte170m",
    )
    assert probe(src).video.color_space in ("smpte170m", "bt470bg")
    result = compress(src, tmp_path / "out", CompressOptions(preset="reel", keep_original_if_smaller=False))
    out = probe(result.output)
    assert out.video.color_space == "bt709" and out.video.color_primaries == "bt709"


def _grey_frames(path: Path, size: tuple[int, int] = (80, 60)) -> np.ndarray:
    raw = subprocess.run(
        [
            str(ffmpeg_exe()),
            "-v",
            "error",
            "-i",
            str(path),
            "-vf",
            f"scale={size[0]}:{size[1]}",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "gray",
            "-",
        ],
        capture_output=True,
        check=True,
        stdin=subprocess.DEVNULL,
    ).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, size[1], size[0]).astype(np.float32)


def test_60fps_source_frames_stay_on_time(tmp_path: Path) -> None:
    """60 -> 24 fps decodes only referenced frames; every output frame still shows the source
    at its own time, to within one source frame."""
    src = make_clip(
        tmp_path / "sixty.mp4",
        size="320x240",
        rate=60,
        seconds=2.0,
        audio=False,
        vcodec=("-c:v", "libx264", "-preset", "veryfast", "-bf", "3"),
    )
    assert command.plan_encode(probe(src), PRESETS["reel"].video).skip_nonref
    result = compress(src, tmp_path / "out", CompressOptions(preset="reel", keep_original_if_smaller=False))
    source, output = _grey_frames(src), _grey_frames(result.output)
    assert len(source) == 120 and abs(len(output) - 48) <= 1
    for i, frame in enumerate(output):
        best = int(np.argmin(((source - frame) ** 2).mean(axis=(1, 2))))
        assert abs(best / 60 - i / 24) <= 1.01 / 60, (i, best)
