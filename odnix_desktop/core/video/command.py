"""The ffmpeg commands, built as argument lists by pure functions (tests check them as data).

:func:`plan_encode` decides the output (size, frame rate, trim, colour path) from a
probe and the preset's limits; :func:`encode_args`, :func:`remux_args` and
:func:`frame_args` turn a plan into the arguments of one ffmpeg run.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from odnix_desktop.core.errors import PresetError
from odnix_desktop.core.presets import VideoLimits
from odnix_desktop.core.video.probe import VideoProbe
from odnix_desktop.core.video.tool import file_arg

#: Trims shorter than this are not worth a warning (container rounding).
TRIM_TOLERANCE_S = 0.05
#: How often ffmpeg writes a progress block (seconds).
STATS_PERIOD_S = 0.25

#: Tags the frames (so the encoder's VUI) as BT.709 limited range; an untagged source's
#: frames would otherwise leave primaries and transfer unspecified.
TAG_BT709 = "setparams=range=tv:color_primaries=bt709:color_trc=bt709:colorspace=bt709"

# Matrix names (as ffmpeg reports them) -> the names ``scale`` (swscale) accepts for
# ``in_color_matrix``: auto, bt601, bt470, smpte170m, bt709, fcc, smpte240m, bt2020.
# ``bt470bg`` is not one of them (it made every BT.601 and MJPEG clip fail with "Error
# initializing a simple filtergraph"); BT.470 BG and SMPTE 170M are the same BT.601 matrix.
_SWS_MATRIX = {
    "bt709": "bt709",
    "smpte170m": "smpte170m",
    "bt470bg": "bt601",
    "bt601": "bt601",
    "fcc": "fcc",
    "smpte240m": "smpte240m",
    "bt2020nc": "bt2020",
    "bt2020c": "bt2020",
}
#: Transfer names zscale reads; anything else (``bt470bg``, ``gamma28``, unknown) is read as BT.709.
_ZSCALE_TRANSFERS = frozenset(
    {"bt709", "smpte170m", "bt601", "linear", "smpte2084", "arib-std-b67", "bt2020-10", "bt2020-12", "iec61966-2-1"}
)
#: Primaries names zscale reads (others are read as BT.709).
_ZSCALE_PRIMARIES = frozenset({"bt709", "smpte170m", "bt470bg", "bt2020", "smpte240m", "smpte432", "film"})
_ZSCALE_MATRICES = frozenset({"bt709", "smpte170m", "bt470bg", "bt2020nc", "bt2020c", "fcc", "smpte240m"})


@dataclass(frozen=True, slots=True)
class Colour:
    """The source's colour as the filters must read it (tags, or a guess for untagged clips)."""

    matrix: str  # ffmpeg colourspace name, e.g. "bt709"
    primaries: str
    transfer: str
    range: str  # "tv" or "pc"
    hdr: str | None  # "PQ" / "HLG" / None

    @property
    def needs_zscale(self) -> bool:
        """HDR needs tone mapping, and BT.2020 SDR needs a gamut conversion."""
        return self.hdr is not None or self.primaries == "bt2020"


@dataclass(frozen=True, slots=True)
class EncodePlan:
    """Everything one encode needs, decided before ffmpeg starts."""

    video_index: int
    audio_index: int | None
    width: int  # output size, as displayed
    height: int
    fps: Fraction
    start: float  # seconds skipped at the start
    limit: float | None  # ``-t``: output length cap, None = to the end
    expected_duration: float | None  # output length, for progress
    trimmed_from: float | None  # the length the clip had before the cap, when trimmed
    colour: Colour
    downmix: bool = False
    skip_nonref: bool = False  # decode only frames others refer to (see SKIP_NONREF_RATIO)
    crf: int = 28
    x264_preset: str = "veryfast"
    audio_bitrate_k: int = 128


#: A source at least this many times the output frame rate (60 -> 24 fps) has most of its
#: frames dropped by the fps filter anyway; its decoder then skips the frames no other
#: frame refers to (``-skip_frame noref``). Measured on the 1080p60 corpus clip: wall time
#: 2.37 -> 2.00 s (decode-only 1.71 s), SSIM 0.9535 -> 0.9526, 0.4% fewer bytes. Each output
#: frame is then at most one source frame (16.7 ms at 60 fps) from where it would have been.
SKIP_NONREF_RATIO = 2.0
#: Decoders that honour skip_frame and mark non-reference frames (others ignore it anyway).
SKIP_NONREF_CODECS = frozenset({"h264", "hevc"})


def even_down(value: float) -> int:
    """The even integer at or below ``value`` (H.264 4:2:0 needs even sides), at least 2."""
    return max(2, int(value) // 2 * 2)


def target_size(width: int, height: int, max_width: int, max_dimension: int | None = None) -> tuple[int, int]:
    """Scale the displayed picture to at most ``max_width`` wide (and ``max_dimension`` on
    either side), keeping the aspect ratio, never upscaling, with even sides."""
    scale = min(1.0, max_width / width)
    if max_dimension is not None:
        scale = min(scale, max_dimension / width, max_dimension / height)
    if scale >= 1.0:
        return even_down(width), even_down(height)
    out_w = min(even_nearest(width * scale), even_down(width))
    out_h = min(even_nearest(height * out_w / width), even_down(height))
    return out_w, out_h


def even_nearest(value: float) -> int:
    """The even integer nearest to ``value`` (halves go up), at least 2."""
    return max(2, int(value / 2 + 0.5) * 2)


def target_fps(source: Fraction | None, cap: int) -> Fraction:
    """min(source, cap); an unknown source rate gets the cap."""
    if source is None or source <= 0:
        return Fraction(cap)
    return min(source, Fraction(cap))


def source_colour(probe: VideoProbe) -> Colour:
    """The source's colour tags, with the usual guesses for untagged clips (HD = BT.709)."""
    v = probe.video
    hd = max(v.width, v.height) >= 1280 or min(v.width, v.height) >= 720
    default = "bt709" if hd else "smpte170m"
    matrix = v.color_space if v.color_space in _SWS_MATRIX else default
    primaries = v.color_primaries or (
        "bt2020" if matrix.startswith("bt2020") else "bt709" if matrix == "bt709" else "smpte170m"
    )
    transfer = v.color_transfer or "bt709"
    rng = v.color_range if v.color_range in ("tv", "pc") else ("pc" if v.pix_fmt.startswith("yuvj") else "tv")
    return Colour(matrix=matrix, primaries=primaries, transfer=transfer, range=rng, hdr=probe.hdr)


def plan_encode(
    probe: VideoProbe,
    limits: VideoLimits,
    *,
    fps_cap: int | None = None,
    start: float = 0.0,
    max_dimension: int | None = None,
) -> EncodePlan:
    """Decide the output of one reel/clip encode. Raises :class:`PresetError` for a bad start."""
    if start < 0:
        raise PresetError("the start offset cannot be negative", path=probe.path)
    duration = probe.duration
    if duration is not None and start > 0 and start >= duration:
        raise PresetError(
            f"the start offset {start:g} s is past the end of the clip ({duration:.1f} s)", path=probe.path
        )
    width, height = probe.display_size
    out_w, out_h = target_size(width, height, limits.max_width, max_dimension)
    source_rate = probe.video.tbr if probe.is_vfr and probe.video.tbr else probe.fps
    fps = target_fps(source_rate, fps_cap or limits.fps)
    remaining = None if duration is None else max(0.0, duration - start)
    limit = limits.max_duration
    trimmed_from = None
    if limit is not None and remaining is not None and remaining <= limit + TRIM_TOLERANCE_S:
        expected: float | None = remaining
        limit_arg: float | None = None
    else:
        expected = limit if limit is not None else remaining
        limit_arg = limit
        if limit is not None and remaining is not None:
            trimmed_from = remaining
    audio = probe.audio
    return EncodePlan(
        video_index=probe.video.index,
        audio_index=None if audio is None else audio.index,
        width=out_w,
        height=out_h,
        fps=fps,
        start=start,
        limit=limit_arg,
        expected_duration=expected,
        trimmed_from=trimmed_from,
        colour=source_colour(probe),
        downmix=bool(audio and audio.channels and audio.channels > 2),
        skip_nonref=(
            probe.video.codec in SKIP_NONREF_CODECS
            and source_rate is not None
            and float(source_rate) >= SKIP_NONREF_RATIO * float(fps)
        ),
        crf=limits.crf,
        x264_preset=limits.x264_preset,
        audio_bitrate_k=limits.audio_bitrate_k,
    )


def fps_text(fps: Fraction) -> str:
    return str(fps.numerator) if fps.denominator == 1 else f"{fps.numerator}/{fps.denominator}"


def _seconds(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") or "0"


def colour_filters(colour: Colour, width: int, height: int, *, rgb: bool = False) -> list[str]:
    """Scale to ``width``×``height`` and convert to BT.709 8-bit 4:2:0 (or RGB for previews).

    HDR (PQ/HLG) is linearised, tone-mapped (hable) and re-encoded as SDR BT.709 with
    zscale; BT.2020 SDR gets a gamut conversion; everything else goes through swscale
    with explicit matrices, so BT.709 stays BT.709 and BT.601 is converted, not relabelled.
    """
    if colour.needs_zscale:
        tin = colour.transfer if colour.transfer in _ZSCALE_TRANSFERS else "bt709"
        pin = colour.primaries if colour.primaries in _ZSCALE_PRIMARIES else "bt709"
        min_ = colour.matrix if colour.matrix in _ZSCALE_MATRICES else "bt709"
        src = f"tin={tin}:min={min_}:pin={pin}:rin={'full' if colour.range == 'pc' else 'limited'}"
        if colour.hdr is not None:
            chain = [
                f"zscale=w={width}:h={height}:filter=bicubic:{src}:t=linear:npl=100",
                "format=gbrpf32le",
                "zscale=p=bt709",
                "tonemap=tonemap=hable:desat=0",
                "zscale=t=bt709:m=bt709:r=tv:dither=ordered" if not rgb else "zscale=t=bt709:m=bt709:r=tv",
            ]
        else:
            chain = [f"zscale=w={width}:h={height}:filter=bicubic:{src}:t=bt709:m=bt709:p=bt709:r=tv:dither=ordered"]
        chain.append("format=rgb24" if rgb else "format=yuv420p")
        chain.append("setsar=1")
        if not rgb:
            chain.append(TAG_BT709)
        return chain
    in_matrix = _SWS_MATRIX.get(colour.matrix, "bt709")
    if rgb:
        scale = f"scale=w={width}:h={height}:flags=bicubic:in_color_matrix={in_matrix}:in_range={colour.range}"
        return [scale, "format=rgb24", "setsar=1"]
    scale = (
        f"scale=w={width}:h={height}:flags=bicubic:in_color_matrix={in_matrix}"
        f":out_color_matrix=bt709:in_range={colour.range}:out_range=tv"
    )
    return [scale, "format=yuv420p", "setsar=1", TAG_BT709]


def video_filter(plan: EncodePlan) -> str:
    """``fps`` first, so that frames that are dropped are never scaled."""
    return ",".join([f"fps={fps_text(plan.fps)}", *colour_filters(plan.colour, plan.width, plan.height)])


def progress_args() -> list[str]:
    return ["-progress", "pipe:1", "-nostats", "-stats_period", str(STATS_PERIOD_S)]


def encode_args(exe: Path, source: Path, dest: Path, plan: EncodePlan) -> list[str]:
    """One pass: decode, fps, scale/colour, x264 High CRF, AAC, MP4 with the index first."""
    args = [str(exe), "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
    if plan.start > 0:
        args += ["-ss", _seconds(plan.start)]  # input seeking: fast, and exact when transcoding
    if plan.skip_nonref:
        args += ["-skip_frame", "noref"]
    args += ["-i", file_arg(source)]
    args += ["-map", f"0:{plan.video_index}"]
    if plan.audio_index is not None:
        args += ["-map", f"0:{plan.audio_index}"]
    if plan.limit is not None:
        args += ["-t", _seconds(plan.limit)]
    args += [
        "-map_metadata",
        "-1",
        "-map_chapters",
        "-1",
        "-sn",
        "-dn",
        "-vf",
        video_filter(plan),
        "-c:v",
        "libx264",
        "-preset",
        plan.x264_preset,
        "-crf",
        str(plan.crf),
        "-profile:v",
        "high",
        "-pix_fmt",
        "yuv420p",
        "-colorspace",
        "bt709",
        "-color_primaries",
        "bt709",
        "-color_trc",
        "bt709",
        "-color_range",
        "tv",
    ]
    if plan.audio_index is not None:
        args += ["-c:a", "aac", "-b:a", f"{plan.audio_bitrate_k}k"]
        if plan.downmix:
            args += ["-ac", "2"]
    else:
        args += ["-an"]
    args += ["-movflags", "+faststart", *progress_args(), "-f", "mp4", file_arg(dest)]
    return args


def remux_args(exe: Path, source: Path, dest: Path, video_index: int, audio_index: int | None) -> list[str]:
    """The source's own streams in a fresh MP4: no metadata, no extra tracks, index first."""
    args = [
        str(exe),
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-y",
        "-i",
        file_arg(source),
        "-map",
        f"0:{video_index}",
    ]
    if audio_index is not None:
        args += ["-map", f"0:{audio_index}"]
    args += [
        "-c",
        "copy",
        "-map_metadata",
        "-1",
        "-map_chapters",
        "-1",
        "-sn",
        "-dn",
        "-movflags",
        "+faststart",
        *progress_args(),
        "-f",
        "mp4",
        file_arg(dest),
    ]
    return args


def preview_size(width: int, height: int, max_size: tuple[int, int]) -> tuple[int, int]:
    """Fit inside ``max_size``, keep the aspect ratio, never upscale, even sides."""
    scale = min(1.0, max_size[0] / width, max_size[1] / height)
    return even_down(round(width * scale)), even_down(round(height * scale))


def frame_args(exe: Path, source: Path, t: float, video_index: int, colour: Colour, size: tuple[int, int]) -> list[str]:
    """One frame at ``t`` (input seeking, so only from the keyframe before it), as PPM on stdout."""
    args = [str(exe), "-hide_banner", "-nostdin", "-loglevel", "error"]
    if t > 0:
        args += ["-ss", _seconds(t)]
    args += [
        "-i",
        file_arg(source),
        "-map",
        f"0:{video_index}",
        "-frames:v",
        "1",
        "-an",
        "-sn",
        "-dn",
        "-vf",
        ",".join(colour_filters(colour, size[0], size[1], rgb=True)),
        "-c:v",
        "ppm",
        "-f",
        "image2pipe",
        "pipe:1",
    ]
    return args
