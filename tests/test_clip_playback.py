"""Clip playback and the five-second preview (issue 13 item 11): the core's frame streams and
preview encode on generated clips, and the compare dialog playing before and after in step."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import numpy as np
import pytest

from odnix_desktop.core.errors import PresetError
from odnix_desktop.core.options import CompressOptions
from odnix_desktop.core.video.frames import frame_at
from odnix_desktop.core.video.pipeline import compress_video
from odnix_desktop.core.video.playback import MAX_PLAYBACK_FPS, FrameStream, StreamSpec, playback_fps, stream_args
from odnix_desktop.core.video.preview import encode_preview, preview_start
from odnix_desktop.core.video.probe import probe
from odnix_desktop.core.video.tool import ffmpeg_exe
from tests.video_fixtures import ffmpeg

#: Grey step per second of the step clip: any frame tells which second it shows.
LEVEL_PER_S = 50


def ramp_clip(dest: Path, seconds: float = 4.0, size: str = "160x120", rate: int = 25) -> Path:
    """A clip whose brightness steps up each second (``16 + 50 * floor(t)``), with sound.
    Steps, not a smooth ramp: an encoder keeps them exact, where it would skip tiny changes."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    ffmpeg(
        "-f", "lavfi", "-i", f"color=c=black:s={size}:r={rate}:d={seconds}",
        "-f", "lavfi", "-i", f"sine=f=440:d={seconds}:sample_rate=22050",
        "-vf", f"geq=lum='16+{LEVEL_PER_S}*floor(T)':cb=128:cr=128",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "10",
        "-c:a", "aac", "-b:a", "32k", "-shortest", str(dest),
    )  # fmt: skip
    return dest


def second_shown(rgb: bytes | np.ndarray) -> int:
    """Which second of the step clip a frame shows (its mean grey back through the steps)."""
    grey = float(np.frombuffer(rgb, np.uint8).mean()) if isinstance(rgb, bytes) else float(rgb.mean())
    limited = grey * 219 / 255 + 16  # frames are full-range RGB; the steps were drawn in limited range
    return round((limited - 16) / LEVEL_PER_S)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def ramp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ramp_clip(tmp_path_factory.mktemp("ramp") / "ramp.mp4")


def test_a_stream_starts_at_the_moment_asked_and_agrees_with_the_still_frame(ramp: Path) -> None:
    with FrameStream(StreamSpec(ramp, 2.2, 10.0, (320, 320))) as stream:
        first = stream.read()
        assert first is not None and len(first) == stream.frame_bytes == 160 * 120 * 3
        frames = 1
        while stream.read() is not None:
            frames += 1
    assert second_shown(first) == 2
    still = np.asarray(frame_at(ramp, 2.2, (320, 320)))
    assert float(np.frombuffer(first, np.uint8).mean()) == pytest.approx(float(still.mean()), abs=2)
    assert frames == pytest.approx(18, abs=1)  # 1.8 s left at 10 fps


def test_two_streams_at_one_rate_stay_in_step(ramp: Path, tmp_path: Path) -> None:
    options = CompressOptions(keep_original_if_smaller=False, fps_cap=30)  # keeps 25 fps: frames pair up
    out = compress_video(ramp, tmp_path / "out", options).output
    fps = playback_fps(25.0, probe(out).fps)
    with (
        FrameStream(StreamSpec(ramp, 1.0, fps, (160, 160))) as a,
        FrameStream(StreamSpec(out, 1.0, fps, (160, 160))) as b,
    ):
        shown = []
        while (fa := a.read()) is not None and (fb := b.read()) is not None:
            shown.append((second_shown(fa), second_shown(fb)))
    assert len(shown) >= int(2.5 * fps)
    assert [s for s, _ in shown[:3]] == [1, 1, 1] and shown[-1] == (3, 3)
    # A side one frame late would show the old second on the first frame of each step.
    assert all(a == b for a, b in shown), shown


def test_playback_rate_is_capped_and_shared() -> None:
    assert playback_fps(60.0, 24.0) == MAX_PLAYBACK_FPS
    assert playback_fps(None, 24.0) == 24.0
    assert playback_fps(None, None) == 25.0


def test_a_name_that_looks_like_a_protocol_is_read_as_a_file(ramp: Path, tmp_path: Path) -> None:
    odd = tmp_path / "concat:other.mp4"
    odd.write_bytes(ramp.read_bytes())
    args, _size = stream_args(ffmpeg_exe(), StreamSpec(odd, 0.0, 10.0, (160, 160)), probe(odd))
    assert args[args.index("-i") + 1] == f"file:{odd.resolve()}"
    with FrameStream(StreamSpec(odd, 0.0, 10.0, (160, 160))) as stream:
        assert stream.read() is not None


def test_stop_from_another_thread_ends_a_stream(tmp_path: Path) -> None:
    clip = ramp_clip(tmp_path / "long.mp4", seconds=6.0)
    stream = FrameStream(StreamSpec(clip, 0.0, 25.0, (160, 160)))
    assert stream.read() is not None
    stopper = threading.Thread(target=stream.stop)
    stopper.start()
    stopper.join()
    reads = 0
    while stream.read() is not None:  # what was already in the pipe, then the end
        reads += 1
    stream.close()
    assert reads < 149  # far fewer than the 150 frames of the whole clip


def test_a_preview_is_five_seconds_of_the_real_encode(tmp_path: Path) -> None:
    clip = ramp_clip(tmp_path / "in.mp4", seconds=8.0, size="1280x720")
    before = digest(clip)
    options = CompressOptions(keep_original_if_smaller=False)
    preview = encode_preview(clip, tmp_path / "prev" / "p.mp4", options, 6.5)
    assert preview.start == pytest.approx(3.0)  # moved back so it still lasts five seconds
    assert preview.seconds == pytest.approx(5.0, abs=0.1)
    full = compress_video(clip, tmp_path / "out", options)
    assert (preview.after.width, preview.after.height, preview.after.fps) == (
        full.after.width,
        full.after.height,
        full.after.fps,
    )
    assert preview.estimated_bytes == pytest.approx(preview.after.bytes * 8 / preview.seconds, rel=0.05)
    with FrameStream(StreamSpec(preview.path, 0.0, 10.0, (160, 160))) as stream:
        first = stream.read()
    assert first is not None and second_shown(first) == 3  # it shows 0:03 onwards
    assert digest(clip) == before
    assert [p.name for p in (tmp_path / "prev").iterdir()] == ["p.mp4"]  # no temporary left


def test_preview_start_and_refusals(tmp_path: Path, ramp: Path) -> None:
    assert preview_start(1.0, 10.0) == 1.0
    assert preview_start(9.0, 10.0) == 5.0
    assert preview_start(3.0, 2.0) == 0.0  # a clip shorter than a preview: all of it
    assert preview_start(4.0, None) == 4.0
    with pytest.raises(PresetError, match="photos only"):
        encode_preview(ramp, tmp_path / "p.mp4", CompressOptions(preset="profile"), 0.0)
