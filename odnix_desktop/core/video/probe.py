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
from odnix_desktop.core.video.stream_words import (
    bit_depth,
    channel_count,
    codec_and_profile,
    colour_props,
    parse_rate,
    split_top,
)
from odnix_desktop.core.video.tool import ffmpeg_exe, file_arg, run_quick

log = logging.getLogger(__name__)

HDR_TRANSFERS = {"smpte2084": "PQ", "arib-std-b67": "HLG"}
#: Demuxer names ffmpeg prints for the MP4/QuickTime family.
MP4_FAMILY = "mov,mp4,m4a,3gp,3g2,mj2"

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


def _parse_video(index: int, rest: str) -> VideoStream | None:
    if "(attached pic)" in rest:
        return None  # cover art, not a clip
    parts = split_top(rest)
    if len(parts) < 2:
        return None
    codec, profile = codec_and_profile(parts[0])
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
                rng, space, prim, trc = colour_props(m.group(2))
    if not width or not height:
        return None
    if pix_fmt.startswith("yuvj") and rng is None:
        rng = "pc"
    return VideoStream(
        index=index,
        codec=codec,
        profile=profile,
        pix_fmt=pix_fmt,
        bit_depth=bit_depth(pix_fmt),
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


def _parse_audio(index: int, rest: str) -> AudioStream:
    parts = split_top(rest)
    codec, _ = codec_and_profile(parts[0]) if parts else ("unknown", None)
    rate = channels = None
    for part in parts[1:]:
        m = re.match(r"^(\d+) Hz$", part)
        if m:
            rate = int(m.group(1))
        elif rate is not None and channels is None:
            channels = channel_count(part)
    return AudioStream(index=index, codec=codec, sample_rate=rate, channels=channels)


def _seconds(hms: str) -> float:
    h, m, s = hms.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def parse_info(text: str) -> ParsedInfo:
    """Read the stderr of ``ffmpeg -hide_banner -i FILE`` (first input only)."""
    reader = _InfoReader()
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
            reader.container = m["fmt"]
            reader.section, reader.stream = "format", None
            continue
        if not seen_input:
            continue
        if line.startswith(("Output #", "At least one output", "Stream mapping")):
            break
        reader.read(line)
    return reader.result()


@dataclass(slots=True)
class _InfoReader:
    """What :func:`parse_info` has read so far, and the section (and stream) the next line belongs to."""

    container: str | None = None
    duration: float | None = None
    start: float | None = None
    bitrate: int | None = None
    videos: list[VideoStream] = field(default_factory=list)
    audios: list[AudioStream] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    stream_tags: dict[int, dict[str, str]] = field(default_factory=dict)
    rotations: dict[int, int] = field(default_factory=dict)
    section: str | None = None  # "format" or "stream"
    stream: int | None = None

    def read(self, line: str) -> None:
        """One line of the first input's part of the text."""
        m = _DURATION.match(line)
        if m:
            self.duration = None if m["d"] == "N/A" else _seconds(m["d"])
            self.start = float(m["s"]) if m["s"] else None
            self.bitrate = int(m["b"]) if m["b"] and m["b"] != "N/A" else None
            self.section = "format"
            return
        m = _STREAM.match(line)
        if m:
            if m["file"] == "0":
                self._stream_line(int(m["idx"]), m["type"], m["rest"])
            return
        rot = _ROTATION.search(line)
        if rot and self.stream is not None:
            self.rotations[self.stream] = round(float(rot["deg"])) % 360
            return
        marker = line.strip()
        if marker == "Metadata:":
            if self.section in ("side", "stream") and self.stream is not None:
                self.section = "stream"
            return
        if marker == "Side data:":
            self.section = "side"
            return
        if marker.startswith("Chapter"):
            self.section = "chapter"
            return
        tag = _TAG.match(line)
        if tag and self.section in ("format", "stream"):
            self._tag(tag)

    def _stream_line(self, stream: int, kind: str, rest: str) -> None:
        self.stream = stream
        self.section = "stream"
        if kind == "Video":
            parsed = _parse_video(stream, rest)
            if parsed is not None:
                self.videos.append(parsed)
        elif kind == "Audio":
            self.audios.append(_parse_audio(stream, rest))

    def _tag(self, tag: re.Match[str]) -> None:
        key, value = tag["key"].strip(), tag["value"].strip()
        if self.section == "format" and len(tag["indent"]) <= 4:
            self.tags.setdefault(key, value)
        elif self.section == "stream" and self.stream is not None:
            self.stream_tags.setdefault(self.stream, {}).setdefault(key, value)
            if key == "rotate":  # old ffmpeg builds reported rotation as a tag
                try:
                    self.rotations.setdefault(self.stream, (-int(float(value))) % 360)
                except ValueError:
                    pass

    def result(self) -> ParsedInfo:
        videos = tuple(_with_rotation(v, self.rotations.get(v.index, 0)) for v in self.videos)
        return ParsedInfo(
            self.container,
            self.duration,
            self.start,
            self.bitrate,
            videos,
            tuple(self.audios),
            self.tags,
            self.stream_tags,
        )


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
