"""The pure parts of the video pipeline: plans, argument lists, progress parsing, error mapping."""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from pathlib import Path

import pytest

from odnix_desktop.core.errors import (
    CorruptMediaError,
    EncoderError,
    OutputError,
    PresetError,
    ProbeError,
)
from odnix_desktop.core.options import CompressOptions
from odnix_desktop.core.presets import PRESETS, VideoLimits
from odnix_desktop.core.video import command, diagnose
from odnix_desktop.core.video.ffmpeg_run import ProgressSample, parse_block, parse_stream, to_progress
from odnix_desktop.core.video.pipeline import meets_limits
from odnix_desktop.core.video.probe import MP4_FAMILY, AudioStream, VideoProbe, VideoStream

EXE = Path("/opt/ffmpeg")
SRC = Path("/in/clip.mov")
DST = Path("/out/.odnix-x.part")
REEL = VideoLimits()


def make_probe(
    width: int = 1920,
    height: int = 1080,
    *,
    fps: Fraction | None = Fraction(60),
    tbr: Fraction | None = None,
    rotation: int = 0,
    duration: float | None = 10.0,
    audio: AudioStream | None = AudioStream(1, "aac", 48000, 2),
    codec: str = "h264",
    pix_fmt: str = "yuv420p",
    transfer: str | None = "bt709",
    space: str | None = "bt709",
    primaries: str | None = "bt709",
    container: str = MP4_FAMILY,
    size: int = 10_000_000,
) -> VideoProbe:
    video = VideoStream(
        index=0,
        codec=codec,
        profile="High",
        pix_fmt=pix_fmt,
        bit_depth=10 if "10" in pix_fmt else 8,
        width=width,
        height=height,
        fps=fps,
        tbr=tbr or fps,
        rotation=rotation,
        color_range="tv",
        color_space=space,
        color_primaries=primaries,
        color_transfer=transfer,
    )
    return VideoProbe(path=SRC, bytes=size, container=container, duration=duration, video=video, audio=audio)


@pytest.mark.parametrize(
    ("size", "limit", "max_dim", "expected"),
    [
        ((1920, 1080), 720, None, (720, 406)),
        ((1080, 1920), 720, None, (720, 1280)),
        ((3840, 2160), 720, None, (720, 406)),
        ((320, 240), 720, None, (320, 240)),  # never upscaled
        ((321, 241), 720, None, (320, 240)),  # odd sides made even
        ((720, 1280), 720, None, (720, 1280)),
        ((1440, 1080), 720, 480, (480, 360)),  # max_dimension caps both sides
        ((1080, 1920), 720, 640, (360, 640)),
    ],
)
def test_target_size(size: tuple[int, int], limit: int, max_dim: int | None, expected: tuple[int, int]) -> None:
    assert command.target_size(*size, limit, max_dim) == expected


@pytest.mark.parametrize(
    ("source", "cap", "expected"),
    [
        (Fraction(60), 24, Fraction(24)),
        (Fraction(60), 30, Fraction(30)),
        (Fraction(15), 24, Fraction(15)),
        (Fraction(24000, 1001), 24, Fraction(24000, 1001)),
        (Fraction(30000, 1001), 24, Fraction(24)),
        (None, 24, Fraction(24)),
    ],
)
def test_target_fps(source: Fraction | None, cap: int, expected: Fraction) -> None:
    assert command.target_fps(source, cap) == expected


def test_plan_rotated_portrait_phone_clip() -> None:
    plan = command.plan_encode(make_probe(1920, 1080, rotation=90), REEL)
    assert (plan.width, plan.height) == (720, 1280)
    assert plan.fps == 24 and plan.limit is None and plan.trimmed_from is None
    assert plan.expected_duration == 10.0


def test_plan_trims_long_clip_and_start_offset() -> None:
    plan = command.plan_encode(make_probe(duration=130.0), REEL, start=20.0)
    assert plan.limit == 90.0 and plan.trimmed_from == pytest.approx(110.0)
    assert plan.expected_duration == 90.0 and plan.start == 20.0
    # A start offset that leaves less than 90 s needs no -t.
    plan = command.plan_encode(make_probe(duration=100.0), REEL, start=20.0)
    assert plan.limit is None and plan.expected_duration == pytest.approx(80.0)


def test_plan_chat_has_no_cap_and_fps_cap_30() -> None:
    chat = PRESETS["chat"].video
    assert chat is not None
    plan = command.plan_encode(make_probe(duration=600.0), chat, fps_cap=30)
    assert plan.limit is None and plan.expected_duration == 600.0 and plan.fps == 30


def test_plan_vfr_uses_base_rate() -> None:
    plan = command.plan_encode(make_probe(fps=Fraction(2629, 100), tbr=Fraction(60)), REEL, fps_cap=30)
    assert plan.fps == 30


def test_plan_rejects_start_past_end() -> None:
    with pytest.raises(PresetError, match="past the end"):
        command.plan_encode(make_probe(duration=10.0), REEL, start=12.0)


def test_encode_args_reel() -> None:
    plan = command.plan_encode(make_probe(duration=120.0), REEL, start=5.0)
    args = command.encode_args(EXE, SRC, DST, plan)
    assert args[0] == str(EXE) and args[-1] == "file:" + str(DST)
    # input seeking: -ss before -i; the cap is an output option
    assert args.index("-ss") < args.index("-i") < args.index("-t")
    assert args[args.index("-ss") + 1] == "5" and args[args.index("-t") + 1] == "90"
    vf = args[args.index("-vf") + 1]
    assert vf.startswith("fps=24,scale=w=720:h=406")  # fps before scale
    assert "out_color_matrix=bt709" in vf and "format=yuv420p" in vf
    pairs = {args[i]: args[i + 1] for i in range(len(args) - 1) if args[i].startswith("-")}
    assert pairs["-c:v"] == "libx264" and pairs["-preset"] == "veryfast" and pairs["-crf"] == "28"
    assert pairs["-profile:v"] == "high" and pairs["-pix_fmt"] == "yuv420p"
    assert pairs["-colorspace"] == pairs["-color_primaries"] == pairs["-color_trc"] == "bt709"
    assert pairs["-c:a"] == "aac" and pairs["-b:a"] == "128k"
    assert pairs["-map_metadata"] == "-1" and pairs["-movflags"] == "+faststart"
    assert pairs["-progress"] == "pipe:1" and "-nostats" in args and pairs["-f"] == "mp4"
    assert ["-map", "0:0"] == args[args.index("-map") : args.index("-map") + 2]
    assert "0:1" in args and "-an" not in args


@pytest.mark.parametrize(
    ("fps", "codec", "cap", "skips"),
    [
        (Fraction(60), "h264", None, True),  # 60 -> 24: most frames are dropped anyway
        (Fraction(60), "hevc", None, True),
        (Fraction(60), "h264", 30, True),  # 60 -> 30
        (Fraction(50), "h264", None, True),
        (Fraction(30), "h264", None, False),  # 30 -> 24 keeps 4 frames in 5: decode them all
        (Fraction(30000, 1001), "h264", None, False),
        (Fraction(60), "vp9", None, False),
    ],
)
def test_high_frame_rate_sources_skip_unreferenced_frames(
    fps: Fraction, codec: str, cap: int | None, skips: bool
) -> None:
    plan = command.plan_encode(make_probe(fps=fps, codec=codec), REEL, fps_cap=cap)
    args = command.encode_args(EXE, SRC, DST, plan)
    assert plan.skip_nonref is skips
    assert ("-skip_frame" in args) is skips
    if skips:
        assert args[args.index("-skip_frame") + 1] == "noref"
        assert args.index("-skip_frame") < args.index("-i")  # a decoder (input) option


def test_encode_args_no_audio_surround_downmix() -> None:
    args = command.encode_args(EXE, SRC, DST, command.plan_encode(make_probe(audio=None), REEL))
    assert "-an" in args and "-c:a" not in args and "0:1" not in args
    surround = make_probe(audio=AudioStream(1, "ac3", 48000, 6))
    args = command.encode_args(EXE, SRC, DST, command.plan_encode(surround, REEL))
    assert args[args.index("-ac") + 1] == "2"


def test_encode_args_hdr_tone_maps() -> None:
    hdr = make_probe(
        3840, 2160, codec="hevc", pix_fmt="yuv420p10le", transfer="smpte2084", space="bt2020nc", primaries="bt2020"
    )
    vf = command.video_filter(command.plan_encode(hdr, REEL))
    parts = vf.split(",")
    assert parts[0] == "fps=24"
    assert parts[1].startswith("zscale=w=720:h=406") and "tin=smpte2084" in parts[1] and "t=linear" in parts[1]
    assert "tonemap=tonemap=hable:desat=0" in parts
    assert any(p.startswith("zscale=t=bt709:m=bt709") for p in parts)
    assert parts[-3:] == ["format=yuv420p", "setsar=1", command.TAG_BT709]


def test_bt601_source_is_converted_not_relabelled() -> None:
    sd = make_probe(720, 576, space="bt470bg", primaries="bt470bg", transfer="smpte170m")
    vf = command.video_filter(command.plan_encode(sd, REEL))
    assert "in_color_matrix=bt601:out_color_matrix=bt709" in vf
    untagged_sd = make_probe(640, 480, space=None, primaries=None, transfer=None)
    assert "in_color_matrix=smpte170m" in command.video_filter(command.plan_encode(untagged_sd, REEL))
    untagged_hd = make_probe(1920, 1080, space=None, primaries=None, transfer=None)
    assert "in_color_matrix=bt709" in command.video_filter(command.plan_encode(untagged_hd, REEL))


def test_remux_args() -> None:
    args = command.remux_args(EXE, SRC, DST, 0, 1)
    pairs = {args[i]: args[i + 1] for i in range(len(args) - 1) if args[i].startswith("-")}
    assert pairs["-c"] == "copy" and pairs["-map_metadata"] == "-1" and pairs["-movflags"] == "+faststart"
    assert args.count("-map") == 2 and "-vf" not in args
    assert "0:1" not in command.remux_args(EXE, SRC, DST, 0, None)


def test_frame_args_seek_before_input() -> None:
    colour = command.source_colour(make_probe())
    args = command.frame_args(EXE, SRC, 3.25, 0, colour, (320, 180))
    assert args.index("-ss") < args.index("-i") and args[args.index("-ss") + 1] == "3.25"
    assert args[args.index("-frames:v") + 1] == "1" and args[-1] == "pipe:1"
    assert "scale=w=320:h=180" in args[args.index("-vf") + 1]
    assert "-ss" not in command.frame_args(EXE, SRC, 0.0, 0, colour, (320, 180))


def test_preview_size_never_upscales() -> None:
    assert command.preview_size(1920, 1080, (640, 640)) == (640, 360)
    assert command.preview_size(320, 240, (1080, 1080)) == (320, 240)


def test_meets_limits() -> None:
    opts = CompressOptions()
    ok = make_probe(720, 406, fps=Fraction(24), duration=30.0)
    assert meets_limits(ok, REEL, opts)
    assert not meets_limits(dataclasses.replace(ok, duration=95.0), REEL, opts)
    assert not meets_limits(make_probe(1280, 720, fps=Fraction(24)), REEL, opts)
    assert not meets_limits(make_probe(720, 406, fps=Fraction(30)), REEL, opts)
    assert meets_limits(make_probe(720, 406, fps=Fraction(30)), REEL, CompressOptions(fps_cap=30))
    assert not meets_limits(dataclasses.replace(ok, container="matroska,webm"), REEL, opts)
    assert not meets_limits(make_probe(720, 406, fps=Fraction(24), codec="hevc"), REEL, opts)
    assert not meets_limits(make_probe(720, 406, fps=Fraction(24), audio=AudioStream(1, "opus", 48000, 2)), REEL, opts)
    assert not meets_limits(ok, REEL, CompressOptions(start_seconds=1.0))
    chat = PRESETS["chat"].video
    assert chat is not None and meets_limits(dataclasses.replace(ok, duration=600.0), chat, opts)


# ---- progress -------------------------------------------------------------------------------

PROGRESS = """\
frame=0
fps=0.00
out_time_us=N/A
out_time=N/A
speed=N/A
progress=continue
frame=120
fps=240.00
stream_0_0_q=28.0
total_size=262192
out_time_us=5000000
out_time_ms=5000000
out_time=00:00:05.000000
speed=9.8x
progress=continue
frame=240
fps=241.00
total_size=400748
out_time_us=10000000
speed=10.1x
progress=end
"""


def test_parse_progress_stream() -> None:
    samples = parse_stream(PROGRESS.splitlines())
    assert len(samples) == 3
    assert samples[0].out_time is None and samples[0].speed is None
    assert samples[1] == ProgressSample(out_time=5.0, frame=120, fps=240.0, speed=9.8, total_size=262192, done=False)
    assert samples[2].done and samples[2].out_time == 10.0


def test_negative_out_time_is_unknown() -> None:
    assert parse_block({"out_time_us": "-23220", "progress": "continue"}).out_time is None


def test_to_progress_monotonic_and_eta() -> None:
    floor = 0.0
    fractions = []
    for sample in parse_stream(PROGRESS.splitlines()):
        p = to_progress(sample, 10.0, floor, span=(0.0, 1.0))
        floor = p.fraction
        fractions.append(p.fraction)
    assert fractions == [0.0, 0.5, 1.0]
    mid = to_progress(parse_stream(PROGRESS.splitlines())[1], 10.0, 0.0)
    assert mid.eta_seconds == pytest.approx(5.0 / 9.8) and mid.fps == 240.0 and mid.speed == 9.8
    # A sample behind the floor does not move progress backwards.
    assert to_progress(ProgressSample(1.0, 1, None, None, None, False), 10.0, 0.7).fraction == 0.7
    # Spans map into the overall job.
    assert to_progress(
        ProgressSample(5.0, 1, None, None, None, False), 10.0, 0.0, span=(0.1, 0.9)
    ).fraction == pytest.approx(0.5)


# ---- errors -----------------------------------------------------------------------------------

TRUNCATED_ERR = """\
[in#0 @ 0x5615c77e4cc0] moov atom not found
[in#0 @ 0x5615c77e4cc0] Error opening input: Invalid data found when processing input
Error opening input file trunc.mp4.
Error opening input files: Invalid data found when processing input""".splitlines()

ENCODER_ERR = """\
[Parsed_zscale_1 @ 0x7f89bc002840] code 3074: no path between colorspaces
    Last message repeated 5 times
[vf#0:0 @ 0x55ace8069d40] Error while filtering: Generic error in an external library
[vf#0:0 @ 0x55ace8069d40] Task finished with error code: -542398533 (Generic error in an external library)
[vost#0:0/libx265 @ 0x55ace8066100] [enc:libx265 @ 0x55ace8066bc0] Could not open encoder before EOF
[out#0/mp4 @ 0x55ace80653c0] Nothing was written into output file, because at least one of its streams received no packets.
Conversion failed!""".splitlines()


def test_meaningful_line_skips_generic_summaries() -> None:
    assert diagnose.meaningful_line(TRUNCATED_ERR) == "moov atom not found"
    assert diagnose.meaningful_line(ENCODER_ERR) == "code 3074: no path between colorspaces"
    assert diagnose.meaningful_line([]) is None


def test_error_for_maps_types() -> None:
    err = diagnose.error_for(TRUNCATED_ERR, SRC, doing="encoding")
    assert isinstance(err, CorruptMediaError) and "moov atom not found" in str(err) and "clip.mov" in str(err)
    err = diagnose.error_for(ENCODER_ERR, SRC, doing="encoding", returncode=187)
    assert isinstance(err, EncoderError) and "no path between colorspaces" in str(err)
    full = ["[out#0/mp4 @ 0x1] Error writing trailer: No space left on device"]
    assert isinstance(diagnose.error_for(full, SRC, doing="encoding"), OutputError)
    missing = ["[in#0 @ 0x1] Error opening input: No such file or directory", "Error opening input file x."]
    assert isinstance(diagnose.error_for(missing, SRC, doing="encoding"), ProbeError)
    killed = diagnose.error_for(["frame=10"], SRC, doing="encoding", returncode=-9)
    assert isinstance(killed, EncoderError) and "signal 9" in str(killed)
