"""Probing a clip with the bundled ffmpeg alone (the bundle has no ffprobe).

``ffmpeg -hide_banner -i FILE`` prints the container, duration and one line per
stream to stderr. :func:`parse_info` reads that text (a pure function, tested on
captured output); :func:`probe` runs ffmpeg and returns a :class:`VideoProbe`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from odnix_desktop.core.errors import CorruptMediaError, OdnixError, ProbeError, UnsupportedMediaError
from odnix_desktop.core.media import MediaInfo
from odnix_desktop.core.video import diagnose
from odnix_desktop.core.video.tool import ffmpeg_exe, file_arg, run_quick

log = logging.getLogger(__name__)

HDR_TRANSFERS = {"smpte2084": "PQ", "arib-std-b67": "HLG"}
#: Demuxer names ffmpeg prints for the MP4/QuickTime family.
MP4_FAMILY = "mov,mp4,m4a,3gp,3g2,mj2"

_CHANNEL_LAYOUTS = {
    "mono": 1,
    "stereo": 2,
    "2.1": 3,
    "3.0": 3,
    "quad": 4,
    "4.0": 4,
    "4.1": 5,
    "5.0": 5,
    "5.1": 6,
    "6.0": 6,
    "6.1": 7,
    "7.0": 7,
    "7.1": 8,
    "hexagonal": 6,
    "octagonal": 8,
    "downmix": 2,
}
_COLOUR_WORD = re.compile(r"^(bt\d|smpte|fcc|gbr|ycgco|unknown|reserved|film|iec|log|linear|arib|chroma|ictcp|ipt)")
_DURATION = re.compile(
    r"^\s*Duration:\s*(?P<d>N/A|\d+:\d\d:\d\d(?:\.\d+)?)(?:,\s*start:\s*(?P<s>-?[\d.]+))?"
    r"(?:,\s*bitrate:\s*(?P<b>N/A|\d+)\s*kb/s)?"
)
_STREAM = re.compile(
    r"^\s*Stream #(?P<file>\d+):(?P<idx>\d+)(?:\[[^\]]*\])?(?:\([^)]*\))?:\s*"
    r"(?P<type>Video|Audio|Subtitle|Data|Attachment):\s*(?P<rest>.*)$"
)
_INPUT = re.compile(r"^Input #\d+,\s*(?P<fmt>.+?),\s*from\s")
_TAG = re.compile(r"^(?P<indent>\s+)(?P<key>[^:]+?)\s*:\s?(?P<value>.*)$")
_ROTATION = re.compile(r"(?i)display\s*matrix:\s*rotation of\s*(?P<deg>-?[\d.]+)\s*degrees")
_SIZE = re.compile(r"^(?P<w>\d+)x(?P<h>\d+)(?:\s*\[SAR\s*(?P<sn>\d+):(?P<sd>\d+)\s*DAR\s*\d+:\d+\])?")


@dataclass(frozen=True, slots=True)
class VideoStream:
    index: int
    codec: str
    profile: str | None
    pix_fmt: str
    bit_depth: int
    width: int  # stored (coded) size, before rotation
    height: int
    sar: Fraction = Fraction(1)
    fps: Fraction | None = None  # average frame rate
    tbr: Fraction | None = None  # ffmpeg's guess of the base (real) frame rate
    rotation: int = 0  # display matrix, degrees counter-clockwise, 0/90/180/270
    color_range: str | None = None  # "tv" / "pc"
    color_space: str | None = None  # matrix coefficients: bt709, smpte170m, bt2020nc, ...
    color_primaries: str | None = None
    color_transfer: str | None = None


@dataclass(frozen=True, slots=True)
class AudioStream:
    index: int
    codec: str
    sample_rate: int | None
    channels: int | None


@dataclass(frozen=True, slots=True)
class ParsedInfo:
    """Everything ``ffmpeg -i`` told us; any field may be missing."""

    container: str | None = None
    duration: float | None = None
    start: float | None = None
    bitrate_k: int | None = None
    videos: tuple[VideoStream, ...] = ()
    audios: tuple[AudioStream, ...] = ()
    tags: dict[str, str] = field(default_factory=dict)  # container-level metadata
    stream_tags: dict[int, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class VideoProbe:
    """A readable clip: its first real video stream and its first audio stream, if any."""

    path: Path
    bytes: int
    container: str
    duration: float | None
    video: VideoStream
    audio: AudioStream | None
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def display_size(self) -> tuple[int, int]:
        """The picture as shown: square pixels, rotation applied."""
        v = self.video
        width = max(2, round(v.width * v.sar)) if v.sar > 0 else v.width
        height = v.height
        return (height, width) if v.rotation in (90, 270) else (width, height)

    @property
    def fps(self) -> Fraction | None:
        return self.video.fps or self.video.tbr

    @property
    def is_vfr(self) -> bool:
        """The average rate differs from the base rate: frames are not evenly spaced."""
        v = self.video
        if v.fps is None or v.tbr is None:
            return False
        return abs(float(v.fps) - float(v.tbr)) > 0.01 * float(v.tbr)

    @property
    def hdr(self) -> str | None:
        """``"PQ"`` or ``"HLG"`` for HDR clips, else None."""
        return HDR_TRANSFERS.get(self.video.color_transfer or "")

    @property
    def has_audio(self) -> bool:
        return self.audio is not None

    @property
    def is_mp4(self) -> bool:
        return self.container == MP4_FAMILY

    def media_info(self) -> MediaInfo:
        width, height = self.display_size
        fps = self.fps
        codec = self.video.codec.upper() if self.video.codec != "h264" else "H.264"
        return MediaInfo(
            bytes=self.bytes,
            width=width,
            height=height,
            format=codec,
            duration=None if self.duration is None else round(self.duration, 3),
            fps=None if fps is None else round(float(fps), 3),
        )


def parse_rate(text: str) -> Fraction | None:
    """``"29.97"`` -> 30000/1001, ``"60"`` -> 60, ``"1k"`` -> 1000; NTSC rates are made exact."""
    text = text.strip()
    mult = 1
    if text.endswith("k"):
        text, mult = text[:-1], 1000
    try:
        value = float(text) * mult
    except ValueError:
        return None
    if value <= 0:
        return None
    for base in (24, 30, 48, 60, 120, 240):
        ntsc = Fraction(base * 1000, 1001)
        if abs(value - float(ntsc)) < 0.006:
            return ntsc
    return Fraction(value).limit_denominator(1001)


def _bit_depth(pix_fmt: str) -> int:
    if pix_fmt in ("p010le", "p010be", "p016le"):
        return 10 if pix_fmt.startswith("p010") else 16
    m = re.search(r"(\d+)(le|be)$", pix_fmt)
    if m and pix_fmt.startswith(("yuv", "gray", "gbr", "yuva")):
        return int(m.group(1))
    if pix_fmt.startswith(("rgb48", "bgr48", "rgba64", "bgra64")):
        return 16
    return 8


def split_top(text: str) -> list[str]:
    """Split on commas that are not inside parentheses or brackets."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        if ch == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    tail = "".join(current).strip()
    if tail:
        parts.append(tail)
    return parts


def _codec_and_profile(first: str) -> tuple[str, str | None]:
    codec = first.split(" ", 1)[0].strip()
    profile = None
    for group in re.findall(r"\(([^()]*)\)", first):
        if "/" not in group:
            profile = group.strip()
            break
    return codec, profile


def _colour(props: str) -> tuple[str | None, str | None, str | None, str | None]:
    """``"tv, bt2020nc/bt2020/smpte2084, progressive"`` -> range, matrix, primaries, transfer."""
    rng = space = prim = trc = None
    for item in (p.strip() for p in props.split(",")):
        if item in ("tv", "pc"):
            rng = item
        elif "/" in item:
            bits = item.split("/")
            if len(bits) == 3:
                space, prim, trc = bits
        elif _COLOUR_WORD.match(item):
            space = prim = trc = item
    return rng, _known(space), _known(prim), _known(trc)


def _known(value: str | None) -> str | None:
    return None if value in (None, "unknown", "reserved", "unspecified") else value


def _parse_video(index: int, rest: str) -> VideoStream | None:
    if "(attached pic)" in rest:
        return None  # cover art, not a clip
    parts = split_top(rest)
    if len(parts) < 2:
        return None
    codec, profile = _codec_and_profile(parts[0])
    pix_fmt, rng, space, prim, trc = "unknown", None, None, None, None
    width = height = 0
    sar = Fraction(1)
    fps = tbr = None
    for part in parts[1:]:
        size = _SIZE.match(part)
        if size and not width:
            width, height = int(size["w"]), int(size["h"])
            if size["sn"] and size["sd"] and int(size["sd"]) and int(size["sn"]):
                sar = Fraction(int(size["sn"]), int(size["sd"]))
            continue
        m = re.match(r"^([\d.]+k?)\s+(fps|tbr)\b", part)
        if m:
            rate = parse_rate(m.group(1))
            if m.group(2) == "fps":
                fps = rate
            else:
                tbr = rate
            continue
        m = re.match(r"^([a-z][a-z0-9_]*)(?:\((.*)\))?$", part)
        if m and pix_fmt == "unknown" and not width and m.group(1) not in ("none",):
            pix_fmt = m.group(1)
            if m.group(2):
                rng, space, prim, trc = _colour(m.group(2))
    if not width or not height:
        return None
    if pix_fmt.startswith("yuvj") and rng is None:
        rng = "pc"
    return VideoStream(
        index=index,
        codec=codec,
        profile=profile,
        pix_fmt=pix_fmt,
        bit_depth=_bit_depth(pix_fmt),
        width=width,
        height=height,
        sar=sar,
        fps=fps,
        tbr=tbr,
        color_range=rng,
        color_space=space,
        color_primaries=prim,
        color_transfer=trc,
    )


def _channels(layout: str) -> int | None:
    layout = layout.strip()
    m = re.match(r"^(\d+) channels", layout)
    if m:
        return int(m.group(1))
    base = layout.split("(", 1)[0]
    return _CHANNEL_LAYOUTS.get(base)


def _parse_audio(index: int, rest: str) -> AudioStream:
    parts = split_top(rest)
    codec, _ = _codec_and_profile(parts[0]) if parts else ("unknown", None)
    rate = channels = None
    for part in parts[1:]:
        m = re.match(r"^(\d+) Hz$", part)
        if m:
            rate = int(m.group(1))
        elif rate is not None and channels is None:
            channels = _channels(part)
    return AudioStream(index=index, codec=codec, sample_rate=rate, channels=channels)


def _seconds(hms: str) -> float:
    h, m, s = hms.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def parse_info(text: str) -> ParsedInfo:
    """Read the stderr of ``ffmpeg -hide_banner -i FILE`` (first input only)."""
    container = None
    duration = start = None
    bitrate = None
    videos: list[VideoStream] = []
    audios: list[AudioStream] = []
    tags: dict[str, str] = {}
    stream_tags: dict[int, dict[str, str]] = {}
    rotations: dict[int, int] = {}
    section: str | None = None  # "format" or "stream"
    stream: int | None = None
    seen_input = False
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line:
            continue
        m = _INPUT.match(line)
        if m:
            if seen_input:
                break
            seen_input = True
            container = m["fmt"]
            section, stream = "format", None
            continue
        if not seen_input:
            continue
        if line.startswith(("Output #", "At least one output", "Stream mapping")):
            break
        m = _DURATION.match(line)
        if m:
            duration = None if m["d"] == "N/A" else _seconds(m["d"])
            start = float(m["s"]) if m["s"] else None
            bitrate = int(m["b"]) if m["b"] and m["b"] != "N/A" else None
            section = "format"
            continue
        m = _STREAM.match(line)
        if m:
            if m["file"] != "0":
                continue
            stream = int(m["idx"])
            section = "stream"
            if m["type"] == "Video":
                parsed = _parse_video(stream, m["rest"])
                if parsed is not None:
                    videos.append(parsed)
            elif m["type"] == "Audio":
                audios.append(_parse_audio(stream, m["rest"]))
            continue
        rot = _ROTATION.search(line)
        if rot and stream is not None:
            rotations[stream] = round(float(rot["deg"])) % 360
            continue
        marker = line.strip()
        if marker == "Metadata:":
            if section in ("side", "stream") and stream is not None:
                section = "stream"
            continue
        if marker == "Side data:":
            section = "side"
            continue
        if marker.startswith("Chapter"):
            section = "chapter"
            continue
        tag = _TAG.match(line)
        if tag and section in ("format", "stream"):
            key, value = tag["key"].strip(), tag["value"].strip()
            if section == "format" and len(tag["indent"]) <= 4:
                tags.setdefault(key, value)
            elif section == "stream" and stream is not None:
                stream_tags.setdefault(stream, {}).setdefault(key, value)
                if key == "rotate":  # old ffmpeg builds reported rotation as a tag
                    try:
                        rotations.setdefault(stream, (-int(float(value))) % 360)
                    except ValueError:
                        pass
    videos = [_with_rotation(v, rotations.get(v.index, 0)) for v in videos]
    return ParsedInfo(container, duration, start, bitrate, tuple(videos), tuple(audios), tags, stream_tags)


def _with_rotation(stream: VideoStream, rotation: int) -> VideoStream:
    if rotation % 90:
        rotation = (round(rotation / 90) * 90) % 360
    if rotation == stream.rotation:
        return stream
    from dataclasses import replace

    return replace(stream, rotation=rotation)


def probe_args(exe: Path, source: Path) -> list[str]:
    return [str(exe), "-hide_banner", "-nostdin", "-i", file_arg(source)]


def probe(source: Path) -> VideoProbe:
    """Probe ``source``; raise a clear error when it is not a clip we can compress."""
    result = run_quick(probe_args(ffmpeg_exe(), source))
    text = result.stderr.decode("utf-8", errors="replace")
    try:
        size = source.stat().st_size
    except OSError as exc:
        raise ProbeError(f"cannot be read ({exc.strerror or exc})", path=source) from None
    info = parse_info(text)
    if info.container is None and result.returncode < 0:  # the static 7.0.2 dies on MPEG-TS on some CPUs
        log.warning("ffmpeg died with signal %d reading %s:\n%s", -result.returncode, source, text[-2000:])
        raise ProbeError(f"the bundled ffmpeg crashed (signal {-result.returncode}) reading the file", path=source)
    if info.container is None:
        raise _probe_failure(text, source)
    if not info.videos:
        if info.audios:
            raise UnsupportedMediaError("holds only audio, no video stream", path=source)
        raise UnsupportedMediaError("holds no video stream", path=source)
    video = info.videos[0]
    return VideoProbe(
        path=source,
        bytes=size,
        container=info.container,
        duration=info.duration,
        video=video,
        audio=info.audios[0] if info.audios else None,
        tags=info.tags,
    )


def _probe_failure(text: str, source: Path) -> OdnixError:
    lines = text.splitlines()
    err = diagnose.error_for(lines, source, doing="reading the file")
    if isinstance(err, (CorruptMediaError, UnsupportedMediaError, ProbeError)):
        return err
    return ProbeError(f"could not be read as a video: {diagnose.meaningful_line(lines) or 'no details'}", path=source)
