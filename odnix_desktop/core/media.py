"""What a media file is, judged by its content, and the facts we show about it."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from odnix_desktop.core.errors import UnsupportedMediaError


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
        with path.open("rb") as fh:
            head = fh.read(64)
    except IsADirectoryError:
        raise UnsupportedMediaError("is a folder, not a file", path=path) from None
    except FileNotFoundError:
        raise UnsupportedMediaError("no such file", path=path) from None
    except PermissionError:
        raise UnsupportedMediaError("permission denied: the file cannot be read", path=path) from None
    except OSError as exc:
        raise UnsupportedMediaError(f"cannot be read ({exc.strerror or exc})", path=path) from None
    return sniff_bytes(head, path)


def sniff_bytes(head: bytes, path: Path) -> MediaKind:
    if not head:
        raise UnsupportedMediaError("the file is empty (0 bytes)", path=path)
    for magic, offset in _IMAGE_MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return MediaKind.IMAGE
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return MediaKind.IMAGE
    if head[:4] == b"RIFF" and head[8:12] in (b"AVI ", b"AVIX"):
        return MediaKind.VIDEO
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
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return MediaKind.VIDEO  # Matroska / WebM
    if head[:4] == b"OggS" and b"theora" in head:
        return MediaKind.VIDEO
    if head[:3] == b"FLV":
        return MediaKind.VIDEO
    if head[:4] == b"\x00\x00\x01\xba":
        return MediaKind.VIDEO  # MPEG program stream
    if _looks_like_text(head):
        raise UnsupportedMediaError("is a text file, not a photo or video", path=path)
    raise UnsupportedMediaError("is not a photo or video in a format we can read", path=path)


def _looks_like_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ch.isprintable() or ch in "\r\n\t" for ch in text)
