"""Issue 10 items 1-4: clips real cameras and old phones make, generated with the bundled ffmpeg.

Every clip is tiny (64x48 or the smallest size its codec allows, 0.5 s) so the module stays fast.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from odnix_desktop.core.compress import run_item
from odnix_desktop.core.media import MediaKind, sniff_kind
from odnix_desktop.core.options import CompressOptions, Status
from odnix_desktop.core.video import diagnose
from odnix_desktop.core.video.tool import ffmpeg_exe
from tests.video_fixtures import ffmpeg

RED = (200, 50, 50)  # a colour BT.601 and BT.709 decode visibly differently


def colour_clip(dest: Path, *, rgb: tuple[int, int, int], encode: list[str], size: str = "64x48") -> Path:
    """A solid ``rgb`` clip, converted to YUV by ``encode`` (which names matrix and range)."""
    colour = "0x{:02X}{:02X}{:02X}".format(*rgb)
    ffmpeg("-f", "lavfi", "-i", f"color=c={colour}:s={size}:r=10:d=0.5", *encode, str(dest))
    return dest


def mean_rgb_bt709(path: Path) -> tuple[float, float, float]:
    """The output's middle pixels as RGB, read as BT.709 limited range (what players assume)."""
    done = subprocess.run(
        [
            str(ffmpeg_exe()),
            "-v",
            "error",
            "-i",
            str(path),
            "-frames:v",
            "1",
            "-vf",
            "scale=in_color_matrix=bt709:in_range=tv,format=rgb24",
            "-f",
            "rawvideo",
            "-",
        ],
        capture_output=True,
        check=True,
    )
    probe = subprocess.run([str(ffmpeg_exe()), "-hide_banner", "-i", str(path)], capture_output=True)
    text = probe.stderr.decode()
    assert "bt709" in text and "tv" in text, text  # tagged BT.709 limited
    w, h = 64, 48
    a = np.frombuffer(done.stdout, np.uint8).reshape(h, w, 3)[8:-8, 8:-8]
    r, g, b = a.reshape(-1, 3).mean(axis=0)
    return float(r), float(g), float(b)


COLOUR_CASES = {
    # MJPEG in AVI, full-range 4:2:2, BT.601 (compact cameras, webcams)
    "mjpeg_yuvj422p.avi": [
        "-vf",
        "scale=out_color_matrix=bt601:out_range=full,format=yuvj422p",
        "-c:v",
        "mjpeg",
        "-q:v",
        "2",
        "-colorspace",
        "bt470bg",
        "-color_range",
        "pc",
    ],
    # SD Android clip tagged smpte170m, limited range
    "sd_smpte170m.mp4": [
        "-vf",
        "scale=out_color_matrix=bt601:out_range=tv,format=yuv420p",
        "-c:v",
        "libx264",
        "-qp",
        "0",
        "-colorspace",
        "smpte170m",
        "-color_primaries",
        "smpte170m",
        "-color_trc",
        "smpte170m",
    ],
    # tagged bt470bg (PAL), limited range
    "pal_bt470bg.mkv": [
        "-vf",
        "scale=out_color_matrix=bt601:out_range=tv,format=yuv420p",
        "-c:v",
        "libx264",
        "-qp",
        "0",
        "-colorspace",
        "bt470bg",
        "-color_primaries",
        "bt470bg",
        "-color_trc",
        "gamma28",
    ],
    # untagged SD: BT.601 is the guess
    "untagged_sd.mkv": [
        "-vf",
        "scale=out_color_matrix=bt601:out_range=tv,format=yuv420p",
        "-c:v",
        "libx264",
        "-qp",
        "0",
    ],
    # full range with the matrix explicitly "unknown" (reserved/unspecified values are the same case)
    "full_unknown.mkv": [
        "-vf",
        "scale=out_color_matrix=bt601:out_range=full,format=yuvj420p",
        "-c:v",
        "mjpeg",
        "-q:v",
        "2",
        "-colorspace",
        "unknown",
        "-color_trc",
        "unknown",
    ],
}


@pytest.mark.parametrize("name", sorted(COLOUR_CASES))
def test_bt601_and_full_range_clips_convert_to_bt709_limited(tmp_path: Path, name: str) -> None:
    src = colour_clip(tmp_path / name, rgb=RED, encode=COLOUR_CASES[name])
    result = run_item(src, tmp_path / "out", CompressOptions())
    assert result.status is Status.COMPRESSED, result.error
    assert result.output is not None
    got = mean_rgb_bt709(result.output)
    # Relabelling BT.601 as BT.709 (or full as limited) would be off by 15+ on some channel.
    assert max(abs(g - w) for g, w in zip(got, RED, strict=True)) < 7, got


def _theora(d: Path) -> Path:
    return _make(d / "clip_ogv.bin", ["-c:v", "libtheora", "-c:a", "libvorbis"], fmt="ogg")


def _make(dest: Path, codec: list[str], *, fmt: str, size: str = "64x48", audio: bool = True, rate: int = 10) -> Path:
    args = ["-f", "lavfi", "-i", f"testsrc2=s={size}:r={rate}:d=0.5"]
    if audio:
        args += ["-f", "lavfi", "-i", "sine=f=440:d=0.5:sample_rate=8000"]
    ffmpeg(*args, *codec, "-shortest", "-f", fmt, str(dest))
    return dest


CONTAINERS = {
    "ogg_theora": lambda d: _theora(d),
    "flv": lambda d: _make(d / "flv.bin", ["-c:v", "flv", "-c:a", "aac"], fmt="flv"),
    "3gp_h263_amr": lambda d: _make(
        d / "3gp.bin", ["-c:v", "h263", "-c:a", "libopencore_amrnb", "-ac", "1"], fmt="3gp", size="128x96"
    ),
    "3g2_h263_amr": lambda d: _make(
        d / "3g2.bin", ["-c:v", "h263", "-c:a", "libopencore_amrnb", "-ac", "1"], fmt="3g2", size="128x96"
    ),
    "mpeg_ps": lambda d: _make(d / "mpg.bin", ["-c:v", "mpeg2video", "-c:a", "mp2", "-ar", "44100"], fmt="mpeg"),
    "vob": lambda d: _make(
        d / "vob.bin", ["-c:v", "mpeg2video", "-c:a", "ac3", "-ar", "48000"], fmt="vob", size="64x48", rate=25
    ),
    "mpeg_ts": lambda d: _make(d / "ts.bin", ["-c:v", "libx264", "-c:a", "mp2", "-ar", "44100"], fmt="mpegts"),
    "m2ts": lambda d: _make(
        d / "m2ts.bin", ["-c:v", "libx264", "-c:a", "ac3", "-ar", "48000", "-mpegts_m2ts_mode", "1"], fmt="mpegts"
    ),
    "asf_wmv": lambda d: _make(d / "wmv.bin", ["-c:v", "wmv2", "-c:a", "wmav2"], fmt="asf"),
    "dv": lambda d: _make(
        d / "dv.bin", ["-c:v", "dvvideo", "-pix_fmt", "yuv420p"], fmt="dv", size="720x576", audio=False, rate=25
    ),
    "avi_msmpeg4_mp2": lambda d: _make(
        d / "avi.bin", ["-c:v", "msmpeg4", "-c:a", "mp2", "-ar", "44100"], fmt="avi", size="64x48"
    ),
    "avi_cinepak": lambda d: _make(d / "cinepak.bin", ["-c:v", "cinepak"], fmt="avi", audio=False),
}


def _ffmpeg_crashes_on(src: Path) -> bool:
    done = subprocess.run([str(ffmpeg_exe()), "-hide_banner", "-nostdin", "-i", str(src)], capture_output=True)
    return done.returncode < 0


@pytest.mark.parametrize("name", sorted(CONTAINERS))
def test_every_container_the_bundled_ffmpeg_reads_is_recognised_by_content(tmp_path: Path, name: str) -> None:
    src = CONTAINERS[name](tmp_path)
    assert sniff_kind(src) is MediaKind.VIDEO
    result = run_item(src, tmp_path / "out", CompressOptions())
    if name in ("mpeg_ts", "m2ts") and _ffmpeg_crashes_on(src):
        # The bundled static ffmpeg 7.0.2 segfaults on any MPEG-TS input on some CPUs
        # (gradio-app/gradio#13848): recognised, and a clear failure instead of "no details".
        assert result.status is Status.FAILED
        assert (
            result.error is not None
            and src.name in result.error
            and "crashed" in result.error
            and "ffmpeg" in result.error
        )
        return
    assert result.status is Status.COMPRESSED, result.error
    assert result.output is not None and result.output.stat().st_size > 0


def test_extra_subtitle_attachment_and_data_streams_do_not_break_a_job(tmp_path: Path) -> None:
    srt = tmp_path / "subs.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:00,400\nhello\n")
    note = tmp_path / "note.txt"
    note.write_text("attached")
    src = tmp_path / "odd.mkv"
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=64x48:r=10:d=0.5",
        "-f",
        "lavfi",
        "-i",
        "sine=d=0.5",
        "-i",
        str(srt),
        "-map",
        "0",
        "-map",
        "1",
        "-map",
        "2",
        "-c:v",
        "libx264",
        "-c:a",
        "libvorbis",
        "-c:s",
        "srt",
        "-attach",
        str(note),
        "-metadata:s:t",
        "mimetype=text/plain",
        str(src),
    )
    result = run_item(src, tmp_path / "out", CompressOptions())
    assert result.status is Status.COMPRESSED, result.error
    # A timecode (data) track, as cameras write in MOV/MP4: also when the source is kept.
    for name, codec in (("tc.mov", ["-c:v", "libx264"]), ("tc.mp4", ["-c:v", "libx264", "-crf", "45"])):
        tc = tmp_path / name
        ffmpeg("-f", "lavfi", "-i", "testsrc2=s=64x48:r=10:d=0.5", *codec, "-timecode", "01:00:00:00", str(tc))
        assert "Data:" in subprocess.run([str(ffmpeg_exe()), "-i", str(tc)], capture_output=True, text=True).stderr
        done = run_item(tc, tmp_path / "out", CompressOptions())
        assert done.status in (Status.COMPRESSED, Status.KEPT_ORIGINAL), done.error
    # An Ogg clip whose first stream is not video (the skeleton/data case): the video is still found.
    ogg = tmp_path / "audio_first.ogv"
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "sine=d=0.5",
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=64x48:r=10:d=0.5",
        "-map",
        "0",
        "-map",
        "1",
        "-c:v",
        "libtheora",
        "-c:a",
        "libvorbis",
        str(ogg),
    )
    assert run_item(ogg, tmp_path / "out", CompressOptions()).status is Status.COMPRESSED


def test_a_clip_without_video_fails_clearly(tmp_path: Path) -> None:
    src = tmp_path / "sound.ogv"
    ffmpeg("-f", "lavfi", "-i", "sine=d=0.5", "-c:a", "libvorbis", "-f", "ogg", str(src))
    result = run_item(src, tmp_path / "out", CompressOptions())
    assert result.status is Status.FAILED
    assert result.error is not None and "sound.ogv" in result.error and "no video stream" in result.error


def test_a_filter_failure_is_named_in_words_for_a_person() -> None:
    lines = [
        "[Parsed_scale_1 @ 0x55d] Option 'in_color_matrix' not found",
        "[vf#0:0 @ 0x55e] Error applying option 'in_color_matrix' to filter 'scale': Option not found",
        "Error opening output files: Option not found",
        "Error initializing a simple filtergraph",
    ]
    err = diagnose.error_for(lines, Path("cam.avi"), doing="encoding", source_format="yuvj422p")
    text = str(err)
    assert text.startswith("cam.avi: ") and "unsupported colour format yuvj422p" in text
    assert "Parsed_scale" not in text and "0x55" not in text


def test_unknown_signatures_are_judged_by_ffmpeg(tmp_path: Path) -> None:
    nut = _make(tmp_path / "clip.nut.bin", ["-c:v", "mpeg4", "-c:a", "mp2", "-ar", "44100"], fmt="nut")
    assert nut.read_bytes()[:4] != b"OggS"  # no signature of ours matches NUT
    assert sniff_kind(nut) is MediaKind.VIDEO
    assert run_item(nut, tmp_path / "out", CompressOptions()).status is Status.COMPRESSED
    aac = tmp_path / "sound.bin"  # ADTS AAC: no signature of ours, ffmpeg finds only audio
    ffmpeg("-f", "lavfi", "-i", "sine=d=0.3", "-c:a", "aac", "-f", "adts", str(aac))
    result = run_item(aac, tmp_path / "out", CompressOptions())
    assert result.status is Status.FAILED and "only audio" in (result.error or "")
    wav = tmp_path / "sound2.bin"  # known non-media signatures are refused without ffmpeg
    ffmpeg("-f", "lavfi", "-i", "sine=d=0.3", "-f", "wav", str(wav))
    assert "audio file" in (run_item(wav, tmp_path / "out", CompressOptions()).error or "")
    pdf = tmp_path / "doc.bin"
    pdf.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 4)
    assert "PDF document" in (run_item(pdf, tmp_path / "out", CompressOptions()).error or "")
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 8)
    result = run_item(junk, tmp_path / "out", CompressOptions())
    assert result.status is Status.FAILED and "not a photo or video" in (result.error or "")


def test_a_failed_ffmpeg_run_names_the_file_and_logs_its_last_lines(tmp_path: Path, caplog) -> None:
    import logging

    from odnix_desktop.core.errors import OdnixError
    from odnix_desktop.core.video.command import progress_args
    from odnix_desktop.core.video.ffmpeg_run import run_ffmpeg
    from odnix_desktop.core.video.tool import file_arg

    src = tmp_path / "gone.mp4"
    args = [str(ffmpeg_exe()), "-hide_banner", "-nostdin", "-i", file_arg(src), *progress_args(), "-f", "null", "-"]
    with caplog.at_level(logging.WARNING), pytest.raises(OdnixError) as err:
        run_ffmpeg(args, path=src, doing="encoding")
    assert str(err.value).startswith("gone.mp4: ") and "0x" not in str(err.value)
    (record,) = [r for r in caplog.records if "last lines" in r.getMessage()]
    assert "No such file or directory" in record.getMessage()


@pytest.mark.parametrize(
    "codec,pix_fmt,ext",
    [
        ("mjpeg", "yuvj444p", "avi"),
        ("libx264", "yuv422p10le", "mkv"),
        ("ffv1", "gray", "mkv"),
        ("qtrle", "rgb24", "mov"),
        ("png", "rgba", "mov"),
        ("gif", "pal8", "mkv"),
    ],
)
def test_odd_pixel_formats_convert(tmp_path: Path, codec: str, pix_fmt: str, ext: str) -> None:
    src = tmp_path / f"clip.{ext}"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=64x48:r=10:d=0.5", "-c:v", codec, "-pix_fmt", pix_fmt, str(src))
    result = run_item(src, tmp_path / "out", CompressOptions())
    assert result.status is Status.COMPRESSED, result.error
