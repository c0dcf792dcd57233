"""Probing: the ffmpeg -i parser on captured output, and real probes of generated clips."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from odnix_desktop.core.errors import CorruptMediaError, UnsupportedMediaError
from odnix_desktop.core.video.probe import parse_info, parse_rate, probe, split_top
from tests.video_fixtures import (  # noqa: F401  (fixtures)
    GPS,
    audio_only,
    clips,
    efficient_clip,
    hdr_clip,
    portrait_vfr,
    truncated,
)

PHONE = """\
Input #0, mov,mp4,m4a,3gp,3g2,mj2, from '/tmp/IMG_0001.MOV':
  Metadata:
    major_brand     : qt
    minor_version   : 0
    compatible_brands: qt
    creation_time   : 2024-05-01T10:00:00.000000Z
    com.apple.quicktime.location.ISO6709: +43.1969-004.8536+012.000/
    com.apple.quicktime.make: Apple
  Duration: 00:01:40.52, start: 0.000000, bitrate: 12034 kb/s
  Stream #0:0[0x1](und): Video: hevc (Main 10) (hvc1 / 0x31637668), yuv420p10le(tv, bt2020nc/bt2020/arib-std-b67), 1920x1080, 11845 kb/s, 29.97 fps, 30 tbr, 600 tbn (default)
    Metadata:
      creation_time   : 2024-05-01T10:00:00.000000Z
      handler_name    : Core Media Video
    Side data:
      DOVI configuration record: version: 1.0, profile: 8, level: 4, rpu flag: 1, el flag: 0, bl flag: 1, compatibility id: 4
      Display Matrix: rotation of -90.00 degrees
  Stream #0:1[0x2](und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, 5.1(side), fltp, 256 kb/s (default)
    Metadata:
      handler_name    : Core Media Audio
  Stream #0:2[0x3](und): Data: none (mebx / 0x7862656D), 0 kb/s (default)
At least one output file must be specified
"""

LANDSCAPE = """\
Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'landscape_1080p60_10s.mp4':
  Metadata:
    major_brand     : isom
    minor_version   : 512
    compatible_brands: isomiso2avc1mp41
  Duration: 00:00:10.00, start: 0.000000, bitrate: 6010 kb/s
  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv, bt709, progressive), 1920x1080 [SAR 1:1 DAR 16:9], 5868 kb/s, 60 fps, 60 tbr, 15360 tbn (default)
    Metadata:
      handler_name    : VideoHandler
  Stream #0:1[0x2](und): Audio: aac (LC) (mp4a / 0x6134706D), 48000 Hz, stereo, fltp, 128 kb/s (default)
"""

MKV = """\
Input #0, matroska,webm, from 'clip.webm':
  Metadata:
    ENCODER         : Lavf60.3.100
  Duration: N/A, start: -0.007000, bitrate: N/A
  Stream #0:0: Video: vp9 (Profile 0), yuv420p(tv, progressive), 720x576 [SAR 16:15 DAR 4:3], SAR 64:45 DAR 16:9, 25 fps, 25 tbr, 1k tbn (default)
  Stream #0:1(eng): Audio: opus, 48000 Hz, mono, fltp (default)
"""

COVER_ART = """\
Input #0, mp3, from 'song.mp3':
  Duration: 00:03:00.02, start: 0.025057, bitrate: 320 kb/s
  Stream #0:0: Audio: mp3 (mp3float), 44100 Hz, stereo, fltp, 320 kb/s
  Stream #0:1: Video: mjpeg (Baseline), yuvj420p(pc, bt470bg/unknown/unknown), 500x500 [SAR 1:1 DAR 1:1], 90k tbr, 90k tbn (attached pic)
"""


def test_parse_phone_clip() -> None:
    info = parse_info(PHONE)
    assert info.container == "mov,mp4,m4a,3gp,3g2,mj2"
    assert info.duration == pytest.approx(100.52)
    assert info.bitrate_k == 12034
    assert info.tags["com.apple.quicktime.make"] == "Apple"
    assert info.tags["creation_time"].startswith("2024-05-01")
    (video,) = info.videos
    assert (video.codec, video.profile, video.pix_fmt, video.bit_depth) == ("hevc", "Main 10", "yuv420p10le", 10)
    assert (video.width, video.height, video.rotation) == (1920, 1080, 270)
    assert (video.color_space, video.color_primaries, video.color_transfer) == ("bt2020nc", "bt2020", "arib-std-b67")
    assert video.fps == Fraction(30000, 1001) and video.tbr == 30
    (audio,) = info.audios
    assert (audio.index, audio.codec, audio.sample_rate, audio.channels) == (1, "aac", 44100, 6)
    assert info.stream_tags[0]["handler_name"] == "Core Media Video"


def test_parse_landscape() -> None:
    info = parse_info(LANDSCAPE)
    video = info.videos[0]
    assert (video.width, video.height, video.rotation, video.sar) == (1920, 1080, 0, 1)
    assert (video.color_range, video.color_space, video.color_transfer) == ("tv", "bt709", "bt709")
    assert video.fps == 60 and video.profile == "High"
    assert info.audios[0].channels == 2


def test_parse_matroska_without_duration() -> None:
    info = parse_info(MKV)
    assert info.container == "matroska,webm"
    assert info.duration is None and info.start == pytest.approx(-0.007)
    video = info.videos[0]
    assert video.codec == "vp9" and video.sar == Fraction(16, 15)
    assert video.color_range == "tv" and video.color_space is None
    assert info.audios[0].codec == "opus" and info.audios[0].channels == 1


def test_cover_art_is_not_a_video() -> None:
    info = parse_info(COVER_ART)
    assert info.videos == () and len(info.audios) == 1


def test_old_rotate_tag() -> None:
    text = LANDSCAPE.replace("      handler_name    : VideoHandler", "      rotate          : 90")
    assert parse_info(text).videos[0].rotation == 270


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("29.97", Fraction(30000, 1001)),
        ("23.98", Fraction(24000, 1001)),
        ("59.94", Fraction(60000, 1001)),
        ("60", Fraction(60)),
        ("1k", Fraction(1000)),
        ("12.5", Fraction(25, 2)),
        ("N/A", None),
        ("0", None),
    ],
)
def test_parse_rate(text: str, value: Fraction | None) -> None:
    assert parse_rate(text) == value


def test_split_top_respects_brackets() -> None:
    assert split_top("h264 (High) (avc1 / 0x1), yuv420p(tv, bt709), 10x10 [SAR 1:1 DAR 1:1], 25 fps") == [
        "h264 (High) (avc1 / 0x1)",
        "yuv420p(tv, bt709)",
        "10x10 [SAR 1:1 DAR 1:1]",
        "25 fps",
    ]


def test_probe_rotated_vfr(portrait_vfr: Path) -> None:
    info = probe(portrait_vfr)
    assert (info.video.width, info.video.height) == (1440, 810)
    assert info.video.rotation in (90, 270)
    assert info.display_size == (810, 1440)
    assert info.is_vfr and info.video.tbr == 60
    assert not info.has_audio and info.is_mp4
    assert info.media_info().width == 810


def test_probe_hdr(hdr_clip: Path) -> None:
    info = probe(hdr_clip)
    assert info.video.codec == "hevc" and info.video.bit_depth == 10
    assert info.hdr == "PQ"


def test_probe_reads_metadata(efficient_clip: Path) -> None:
    info = probe(efficient_clip)
    assert info.tags.get("location") == GPS
    assert info.has_audio and info.audio is not None and info.audio.codec == "aac"


def test_probe_audio_only(audio_only: Path) -> None:
    with pytest.raises(UnsupportedMediaError, match="only audio"):
        probe(audio_only)


def test_probe_truncated(truncated: Path) -> None:
    with pytest.raises(CorruptMediaError, match="moov atom not found"):
        probe(truncated)


def test_probe_text_file(tmp_path: Path) -> None:
    text = tmp_path / "notes.mp4"
    text.write_text("not a video at all\n" * 50)
    with pytest.raises((CorruptMediaError, UnsupportedMediaError)):
        probe(text)
