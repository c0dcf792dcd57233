"""Strip metadata from a file without touching its pixels (for ``kept-original``)."""

from __future__ import annotations

import struct

import mozjpeg_lossless_optimization as mozjpeg_lossless

from odnix_desktop.core.image.encode import optimise_png


def strip_jpeg(data: bytes) -> bytes:
    """Lossless transcode (same DCT coefficients) that copies no marker: no EXIF, XMP, IPTC, COM."""
    return bytes(mozjpeg_lossless.optimize(data, copy=mozjpeg_lossless.COPY_MARKERS.NONE))


def strip_png(data: bytes) -> bytes:
    return optimise_png(data)


_WEBP_DROP = {b"EXIF", b"XMP ", b"ICCP"}


def strip_webp(data: bytes) -> bytes:
    """Drop the EXIF, XMP and ICC chunks of a RIFF/WebP file and clear their VP8X flags."""
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise ValueError("not a WebP file")
    out = bytearray()
    pos = 12
    while pos + 8 <= len(data):
        tag = data[pos : pos + 4]
        size = struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        chunk = data[pos : pos + 8 + size + (size & 1)]
        pos += 8 + size + (size & 1)
        if tag in _WEBP_DROP:
            continue
        if tag == b"VP8X":
            flags = chunk[8] & ~(0x20 | 0x08 | 0x04)  # ICC, EXIF, XMP
            chunk = chunk[:8] + bytes([flags]) + chunk[9:]
        out += chunk
    return b"RIFF" + struct.pack("<I", len(out) + 4) + b"WEBP" + bytes(out)


STRIPPERS = {"JPEG": strip_jpeg, "PNG": strip_png, "WEBP": strip_webp}
