"""What a media file is, judged by its content, and the facts we show about it."""

from __future__ import annotations

import enum
import os
import stat
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from odnix_desktop.core.errors import UnsupportedMediaError


class SpecialFileError(UnsupportedMediaError):
    """A FIFO, socket or device: never opened for reading (a pipe would block forever)."""


def special_kind(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def check_regular(path: Path) -> None:
    """Raise :class:`SpecialFileError` unless ``path`` (symlinks followed) is a regular file.

    Uses ``stat`` only: nothing is opened, so a FIFO cannot block us.
    """
    try:
        mode = path.stat().st_mode
    except OSError:
        return  # the open that follows reports the real reason
    what = special_kind(mode)
    if what is not None and what != "a folder":
        raise SpecialFileError(f"is {what}, not a photo or video; it was not opened", path=path)


def open_regular(path: Path) -> IO[bytes]:
    """Open ``path`` for reading only if it is a regular file, without ever blocking.

    ``O_NONBLOCK`` makes opening a FIFO return at once; ``fstat`` on the open descriptor
    then refuses anything but a regular file (no race between a check and the open).
    """
    check_regular(path)  # sockets cannot even be opened (ENXIO): name them first
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except IsADirectoryError:
        raise UnsupportedMediaError("is a folder, not a file", path=path) from None
    except FileNotFoundError:
        raise UnsupportedMediaError("no such file", path=path) from None
    except PermissionError:
        raise UnsupportedMediaError("permission denied: the file cannot be read", path=path) from None
    except OSError as exc:
        raise UnsupportedMediaError(f"cannot be read ({exc.strerror or exc})", path=path) from None
    try:
        what = special_kind(os.fstat(fd).st_mode)
        if what == "a folder":
            raise UnsupportedMediaError("is a folder, not a file", path=path)
        if what is not None:
            raise SpecialFileError(f"is {what}, not a photo or video; it was not read", path=path)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


class MediaKind(enum.Enum):
    IMAGE = "image"
    VIDEO = "video"


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """Bytes, dimensions and format of one file, as shown before and after."""

    bytes: int
    width: int
    height: int
    format: str
    duration: float | None = None
    fps: float | None = None
    frames: int | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        return {k: v for k, v in data.items() if v is not None or k in ("bytes", "width", "height", "format")}


# ISO-BMFF brands that hold still images (HEIF/HEIC/AVIF); other brands are video.
_IMAGE_BRANDS = {
    b"heic",
    b"heix",
    b"heim",
    b"heis",
    b"hevc",
    b"hevx",
    b"hevm",
    b"hevs",
    b"mif1",
    b"msf1",
    b"mif2",
    b"avif",
    b"avis",
    b"avio",
}

_IMAGE_MAGIC: tuple[tuple[bytes, int], ...] = (
    (b"\xff\xd8\xff", 0),  # JPEG
    (b"\x89PNG\r\n\x1a\n", 0),
    (b"GIF87a", 0),
    (b"GIF89a", 0),
    (b"BM", 0),
    (b"II*\x00", 0),  # TIFF little endian
    (b"MM\x00*", 0),  # TIFF big endian
)


def sniff_kind(path: Path) -> MediaKind:
    """Tell image from video by the first bytes of the file, never by its name.

    Raises :class:`UnsupportedMediaError` for empty files and unknown content.
    """
    try:
        with open_regular(path) as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError as exc:
        raise UnsupportedMediaError(f"cannot be read ({exc.strerror or exc})", path=path) from None
    try:
        return sniff_bytes(head, path)
    except UnknownContentError:
        # Not one of the signatures above: let the bundled ffmpeg judge the content
        # (DV, NUT, RealMedia, raw streams, ... anything its demuxers recognise).
        from odnix_desktop.core.video.sniff import sniff_with_ffmpeg

        kind = sniff_with_ffmpeg(path)
        if kind is None:
            raise
        return kind


#: Bytes read to judge the content (an MPEG-TS/M2TS file needs two packets).
SNIFF_BYTES = 1024
#: ASF (WMV/WMA) header object GUID.
_ASF_GUID = bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c")


#: Common non-media signatures: refused at once, without asking ffmpeg (a folder of
#: documents would otherwise cost one ffmpeg run per file).
_NOT_MEDIA: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive or office document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a program"),
    (b"\xd0\xcf\x11\xe0", "an office document"),
    (b"SQLite format 3", "a database"),
    (b"ID3", "an audio file"),
    (b"fLaC", "an audio file"),
)


class UnknownContentError(UnsupportedMediaError):
    """No signature we know; ffmpeg may still recognise the file."""


def _mpeg_ts(head: bytes) -> bool:
    """188-byte packets (MPEG-TS) or 192-byte ones with a 4-byte time code (M2TS), sync 0x47."""
    for size, offset in ((188, 0), (192, 4)):
        if len(head) >= offset + 2 * size + 1 and all(head[offset + i * size] == 0x47 for i in range(3)):
            return True
    return False


def _video_magic(head: bytes) -> bool:
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return True  # Matroska / WebM
    if head[:4] == b"OggS" or head[:3] == b"FLV" or head[:16] == _ASF_GUID:
        return True  # Ogg (Theora; audio-only Ogg fails in the probe with its reason), FLV, ASF/WMV
    if head[:4] in (b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3"):
        return True  # MPEG program stream (.mpg, .vob), MPEG video elementary stream
    if head[:4] == b"RIFF" and head[8:12] in (b"AVI ", b"AVIX"):
        return True
    if head[:3] == b"\x1f\x07\x00" and len(head) > 4 and head[4] & 0x07 == 0x06:
        return True  # raw DV (DIF header section)
    return _mpeg_ts(head)


def sniff_bytes(head: bytes, path: Path) -> MediaKind:
    if not head:
        raise UnsupportedMediaError("the file is empty (0 bytes)", path=path)
    for magic, offset in _IMAGE_MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return MediaKind.IMAGE
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return MediaKind.IMAGE
    if head[4:8] == b"ftyp":
        major = head[8:12]
        # Compatible brands follow the minor version.
        size = int.from_bytes(head[0:4], "big")
        brands = {major} | {head[i : i + 4] for i in range(16, min(size, len(head)) - 3, 4)}
        if major in _IMAGE_BRANDS or (brands & _IMAGE_BRANDS and not brands & {b"isom", b"mp41", b"mp42", b"qt  "}):
            return MediaKind.IMAGE
        return MediaKind.VIDEO
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free", b"skip"):
        return MediaKind.VIDEO  # old QuickTime without ftyp
    if _video_magic(head):
        return MediaKind.VIDEO
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        raise UnsupportedMediaError("is an audio file, not a photo or video", path=path)
    for magic, what in _NOT_MEDIA:
        if head.startswith(magic):
            raise UnsupportedMediaError(f"is {what}, not a photo or video", path=path)
    if _looks_like_text(head):
        raise UnsupportedMediaError("is a text file, not a photo or video", path=path)
    raise UnknownContentError("is not a photo or video in a format we can read", path=path)


def _looks_like_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ch.isprintable() or ch in "\r\n\t" for ch in text)
