"""Small clips generated with the bundled ffmpeg (lavfi testsrc2 + sine), for the video tests."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from odnix_desktop.core.video.tool import ffmpeg_exe

GPS = "+43.1969-004.8536/"


def ffmpeg(*args: str) -> None:
    cmd = [str(ffmpeg_exe()), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args]
    done = subprocess.run(cmd, capture_output=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"fixture ffmpeg failed: {' '.join(cmd)}\n{done.stderr.decode(errors='replace')}")


def make_clip(
    dest: Path,
    *,
    size: str = "320x240",
    rate: int = 24,
    seconds: float = 1.0,
    audio: bool = True,
    vcodec: tuple[str, ...] = ("-c:v", "libx264", "-preset", "ultrafast"),
    vf: str | None = None,
    extra: tuple[str, ...] = (),
) -> Path:
    args = ["-f", "lavfi", "-i", f"testsrc2=s={size}:r={rate}:d={seconds}"]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=f=440:d={seconds}:sample_rate=22050"]
    if vf:
        args += ["-vf", vf]
    args += [*vcodec, "-pix_fmt", "yuv420p"] if "libx265" not in vcodec else list(vcodec)
    if audio:
        args += ["-c:a", "aac", "-b:a", "32k", "-shortest"]
    args += [*extra, str(dest)]
    ffmpeg(*args)
    return dest


def with_rotation(src: Path, dest: Path, degrees: int) -> Path:
    """Stream-copy ``src`` with a display matrix (how phones store portrait clips)."""
    ffmpeg("-display_rotation", str(degrees), "-i", str(src), "-c", "copy", str(dest))
    return dest


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("clips")


@pytest.fixture(scope="session")
def portrait_vfr(clips: Path) -> Path:
    """Stored 1440x810 landscape, rotated 90° (displays 810x1440), 60 fps base with VFR timing,
    no audio: like a phone's portrait clip."""
    raw = make_clip(
        clips / "raw_portrait.mp4",
        size="1440x810",
        rate=60,
        seconds=1.0,
        audio=False,
        vf="select='not(mod(n\\,3))+eq(mod(n\\,7)\\,1)'",
        extra=("-fps_mode", "vfr"),
    )
    return with_rotation(raw, clips / "portrait_vfr.mp4", 90)


@pytest.fixture(scope="session")
def long_clip(clips: Path) -> Path:
    """100 s, tiny, 10 fps, with audio: the reel cap trims it to 90 s."""
    return make_clip(clips / "long.mp4", size="128x96", rate=10, seconds=100.0)


@pytest.fixture(scope="session")
def small_clip(clips: Path) -> Path:
    """Smaller than every limit (320x240, 24 fps, 1 s): must not be upscaled."""
    return make_clip(clips / "small.mp4", size="322x242", rate=24, seconds=1.0)


@pytest.fixture(scope="session")
def efficient_clip(clips: Path) -> Path:
    """Already within every reel limit and coded so tightly (CRF 40, 16 kb/s audio) that
    our CRF 28 output is larger; carries GPS, a creation time and a title."""
    return make_clip(
        clips / "efficient.mp4",
        size="320x240",
        rate=24,
        seconds=1.0,
        vcodec=("-c:v", "libx264", "-preset", "medium", "-crf", "40"),
        extra=(
            "-b:a",
            "16k",
            "-metadata",
            f"location={GPS}",
            "-metadata",
            "creation_time=2024-05-01T10:00:00Z",
            "-metadata",
            "title=secret trip",
            "-metadata:s:v",
            "title=camera 2",
        ),
    )


@pytest.fixture(scope="session")
def hdr_clip(clips: Path) -> Path:
    """HEVC Main 10, BT.2020 / PQ (SDR test pattern placed at 100 nits)."""
    return make_clip(
        clips / "hdr_pq.mp4",
        size="320x240",
        rate=24,
        seconds=1.0,
        audio=False,
        vf="format=yuv420p,zscale=tin=bt709:min=bt709:pin=bt709:rin=limited:t=smpte2084:p=bt2020"
        ":m=bt2020nc:r=limited:npl=100,format=yuv420p10le",
        vcodec=(
            "-c:v",
            "libx265",
            "-preset",
            "ultrafast",
            "-x265-params",
            "log-level=error:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc",
            "-tag:v",
            "hvc1",
        ),
    )


@pytest.fixture(scope="session")
def sdr_twin(clips: Path) -> Path:
    """The HDR clip's picture in plain SDR BT.709, for comparing the tone-mapped output."""
    return make_clip(
        clips / "sdr_twin.mp4",
        size="320x240",
        rate=24,
        seconds=1.0,
        audio=False,
        extra=("-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709"),
    )


@pytest.fixture(scope="session")
def audio_only(clips: Path) -> Path:
    dest = clips / "voice.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=d=1", "-c:a", "aac", str(dest))
    return dest


@pytest.fixture(scope="session")
def truncated(clips: Path, efficient_clip: Path) -> Path:
    """The first 40% of an MP4 whose index is at the end: no 'moov' box at all."""
    data = efficient_clip.read_bytes()
    dest = clips / "truncated.mp4"
    dest.write_bytes(data[: int(len(data) * 0.4)])
    return dest
