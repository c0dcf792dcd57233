"""Small real media files made by the tests themselves (Pillow, numpy, hand-built ICC profiles)."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

# Corner colours of an upright test picture: top-left, top-right, bottom-left, bottom-right.
CORNERS = {"tl": (220, 30, 30), "tr": (30, 200, 30), "bl": (30, 30, 220), "br": (230, 220, 30)}
GPS_TAG = 0x8825


def corner_picture(width: int, height: int) -> np.ndarray:
    """An upright picture: a grey body with four big coloured corner blocks."""
    a = np.full((height, width, 3), 128, np.uint8)
    bh, bw = height // 3, width // 3
    a[:bh, :bw] = CORNERS["tl"]
    a[:bh, -bw:] = CORNERS["tr"]
    a[-bh:, :bw] = CORNERS["bl"]
    a[-bh:, -bw:] = CORNERS["br"]
    return a


def store_for_orientation(upright: np.ndarray, orientation: int) -> np.ndarray:
    """How a camera stores ``upright`` when it writes EXIF ``orientation`` (EXIF 2.3, tag 274)."""
    ops = {
        1: lambda a: a,
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1, :],
        5: lambda a: a.transpose(1, 0, 2),
        6: lambda a: np.rot90(a, 1),  # displayed by turning 90° clockwise
        7: lambda a: np.rot90(a, 1)[:, ::-1],  # transverse
        8: lambda a: np.rot90(a, -1),
    }
    return np.ascontiguousarray(ops[orientation](upright))


def exif_bytes(orientation: int | None = None, gps: bool = False, camera: bool = True) -> bytes:
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    if camera:
        exif[0x010F] = "TestCam"
        exif[0x0110] = "Model 9"
    if gps:
        exif[GPS_TAG] = {1: "N", 2: (43.0, 11.0, 49.0), 3: "W", 4: (4.0, 51.0, 13.0)}
    return exif.tobytes()


def save_jpeg(path: Path, pixels: np.ndarray | Image.Image, quality: int = 92, **kw) -> Path:
    img = pixels if isinstance(pixels, Image.Image) else Image.fromarray(pixels)
    img.save(path, format="JPEG", quality=quality, **kw)
    return path


def photo_like(width: int, height: int, seed: int = 1) -> np.ndarray:
    """Smooth gradients plus texture: compresses like a photo, not like flat colour."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    r = 128 + 100 * np.sin(x / 97.0) * np.cos(y / 131.0)
    g = 128 + 90 * np.sin((x + y) / 173.0)
    b = 128 + 80 * np.cos(x / 61.0 - y / 89.0)
    noise = rng.normal(0, 12, (height, width, 1)).astype(np.float32)
    a = np.stack([r, g, b], axis=-1) + noise
    return np.clip(a, 0, 255).astype(np.uint8)


def make_icc_rgb(
    primaries_d50: tuple[tuple[float, float, float], ...],
    description: str,
    srgb_curve: bool = True,
    gamma: float = 2.2,
) -> bytes:
    """A minimal ICC v2 matrix/TRC display profile (enough for littleCMS)."""

    def s15(v: float) -> bytes:
        return struct.pack(">i", round(v * 65536))

    def xyz(v: tuple[float, float, float]) -> bytes:
        return b"XYZ " + b"\0" * 4 + b"".join(s15(c) for c in v)

    if srgb_curve:
        params = (2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045)
        trc = b"para" + b"\0" * 4 + struct.pack(">HH", 3, 0) + b"".join(s15(p) for p in params)
    else:
        trc = b"curv" + b"\0" * 4 + struct.pack(">IH", 1, round(gamma * 256)) + b"\0\0"
    ascii_desc = description.encode("ascii") + b"\0"
    desc = b"desc" + b"\0" * 4 + struct.pack(">I", len(ascii_desc)) + ascii_desc + b"\0" * 12 + b"\0" * 67
    cprt = b"text" + b"\0" * 4 + b"No copyright, test profile\0"
    tags = [
        (b"desc", desc),
        (b"cprt", cprt),
        (b"wtpt", xyz((0.9642, 1.0, 0.8249))),
        (b"rXYZ", xyz(primaries_d50[0])),
        (b"gXYZ", xyz(primaries_d50[1])),
        (b"bXYZ", xyz(primaries_d50[2])),
        (b"rTRC", trc),
        (b"gTRC", trc),
        (b"bTRC", trc),
    ]
    table_len = 4 + 12 * len(tags)
    offset = 128 + table_len
    table = struct.pack(">I", len(tags))
    body = b""
    for sig, data in tags:
        while (offset + len(body)) % 4:
            body += b"\0"
        table += sig + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = 128 + table_len + len(body)
    header = (
        struct.pack(">I", size)
        + b"lcms"
        + struct.pack(">I", 0x02100000)
        + b"mntr"
        + b"RGB "
        + b"XYZ "
        + b"\0" * 12
        + b"acsp"
        + b"APPL"
        + b"\0" * 4
        + b"\0" * 8
        + b"\0" * 8
        + struct.pack(">I", 0)
        + s15(0.9642)
        + s15(1.0)
        + s15(0.8249)
        + b"\0" * 4
        + b"\0" * 16
        + b"\0" * 28
    )
    assert len(header) == 128
    return header + table + body


DISPLAY_P3_D50 = ((0.5151, 0.2412, -0.0011), (0.2919, 0.6922, 0.0419), (0.1572, 0.0666, 0.7841))


def display_p3_icc() -> bytes:
    return make_icc_rgb(DISPLAY_P3_D50, "Display P3 (test)")


def p3_to_srgb(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    """Reference colour maths, independent of littleCMS: P3 -> XYZ (D65) -> sRGB."""

    def lin(c: float) -> float:
        c /= 255.0
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    def enc(c: float) -> int:
        c = min(max(c, 0.0), 1.0)
        v = 12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055
        return round(v * 255)

    xyz_from_p3 = np.array(
        [[0.4865709, 0.2656677, 0.1982173], [0.2289746, 0.6917385, 0.0792869], [0.0, 0.0451134, 1.0439444]]
    )
    srgb_from_xyz = np.array(
        [[3.2404542, -1.5371385, -0.4985314], [-0.9692660, 1.8760108, 0.0415560], [0.0556434, -0.2040259, 1.0572252]]
    )
    linear = srgb_from_xyz @ (xyz_from_p3 @ np.array([lin(c) for c in rgb]))
    return tuple(enc(c) for c in linear)  # type: ignore[return-value]


def png_bomb(path: Path, width: int = 30000, height: int = 30000) -> Path:
    """A tiny PNG whose header declares a huge picture (the data itself is cut short)."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1024)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
    return path


def animated_frames(n: int, size: tuple[int, int], alpha: bool = False) -> list[Image.Image]:
    frames = []
    for i in range(n):
        mode = "RGBA" if alpha else "RGB"
        bg = (0, 0, 0, 0) if alpha else (255, 255, 255)
        img = Image.new(mode, size, bg)
        w, h = size
        x = (i * w) // n
        box = (x, h // 4, min(w, x + w // 4), 3 * h // 4)
        img.paste((200, 40 + 20 * i % 200, 40, 255)[: len(mode)], box)
        frames.append(img)
    return frames


def jpeg_segments(data: bytes) -> list[int]:
    """The marker codes of a JPEG's header segments (up to the first scan)."""
    markers = []
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            break
        marker = data[pos + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan
            break
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        pos += 2 + length
    return markers


def has_metadata(path: Path) -> list[str]:
    """Names of metadata found in the file (EXIF, XMP, IPTC, comments, GPS); empty if clean."""
    data = path.read_bytes()
    found = []
    if data[:2] == b"\xff\xd8":
        for m in jpeg_segments(data):
            if m == 0xE1:
                found.append("APP1 (EXIF/XMP)")
            if m == 0xED:
                found.append("APP13 (IPTC)")
            if m == 0xFE:
                found.append("COM")
    with Image.open(io.BytesIO(data)) as img:
        if img.getexif():
            found.append("EXIF")
        for key in ("xmp", "XML:com.adobe.xmp", "comment", "exif"):
            if img.info.get(key):
                found.append(key)
    for needle in (b"Exif\0\0", b"http://ns.adobe.com/xap", b"TestCam", b"Photoshop 3.0"):
        if needle in data:
            found.append(repr(needle))
    return found


def scene(kind: str, w: int, h: int, seed: int = 0) -> np.ndarray:
    """Photos to calibrate perceived quality on: easy (smooth, sky-like), hard (foliage-like
    fine texture), night (dark, noisy, point lights), grey (textured greyscale) and
    screenshot (flat panels, thin dark strokes like text)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([120 + 60 * np.sin(x / 211), 150 + 50 * np.cos(y / 173), 200 - 40 * np.sin((x + y) / 301)], -1)
    if kind == "easy":
        img = base + rng.normal(0, 1.5, (h, w, 1))
    elif kind == "hard":
        leaves = 70 * np.sin(x / 1.7 + 3 * np.sin(y / 5.0)) * np.cos(y / 2.3 + 2 * np.cos(x / 7.0))
        img = base * 0.6 + leaves[..., None] * np.array([0.6, 1.0, 0.4]) + rng.normal(0, 14, (h, w, 3))
    elif kind == "night":
        img = base * 0.15 + rng.normal(0, 5, (h, w, 1)) + 200 * (rng.random((h, w, 1)) > 0.999)
    elif kind == "grey":
        img = np.repeat((base[..., :1] + 40 * np.sin(x / 3.1)[..., None] + rng.normal(0, 8, (h, w, 1))), 3, -1)
    else:  # screenshot
        img = np.full((h, w, 3), 246.0)
        for _ in range(12):
            x0, y0 = int(rng.integers(0, w - 40)), int(rng.integers(0, h - 20))
            img[y0 : y0 + int(rng.integers(20, h // 3)), x0 : x0 + int(rng.integers(40, w // 2))] = rng.integers(
                0, 256, 3
            )
        strokes = (np.sin(x * 1.3) * np.sin(y * 0.9) > 0.6) & ((y // 14) % 3 == 0) & ((x // 90) % 4 != 3)
        img[strokes] = (30, 30, 40)
    return np.clip(img, 0, 255).astype(np.uint8)
