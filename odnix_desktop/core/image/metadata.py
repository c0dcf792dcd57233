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


#: The chunks that make the picture; everything else (EXIF, XMP, private chunks) is dropped.
_WEBP_KEEP = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF"}
_VP8X_ICC, _VP8X_EXIF, _VP8X_XMP = 0x20, 0x08, 0x04


def strip_webp(data: bytes) -> bytes:
    """Keep only the image chunks of a RIFF/WebP file (and an ICC profile only when it is sRGB).

    Unknown chunks (a GPS string in a private chunk), EXIF, XMP and any bytes after the
    RIFF container are dropped; the VP8X flags are made to match. Raises ValueError
    for a damaged container.
    """
    from odnix_desktop.core.image.colour import is_srgb_profile

    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise ValueError("not a WebP file")
    end = min(len(data), 8 + struct.unpack("<I", data[4:8])[0])  # bytes after the container are ignored
    out = bytearray()
    pos = 12
    keep_icc = False
    while pos + 8 <= end:
        tag = data[pos : pos + 4]
        size = struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        if pos + 8 + size > end:
            raise ValueError(f"the {tag!r} chunk runs past the end of the file")
        chunk = data[pos : pos + 8 + size + (size & 1)]
        pos += 8 + size + (size & 1)
        if tag == b"ICCP" and is_srgb_profile(chunk[8 : 8 + size]):
            keep_icc = True
        elif tag not in _WEBP_KEEP:
            continue
        out += chunk
    if not out:
        raise ValueError("the WebP file holds no image chunk")
    if out[:4] == b"VP8X":
        flags = out[8] & ~(_VP8X_ICC | _VP8X_EXIF | _VP8X_XMP) | (_VP8X_ICC if keep_icc else 0)
        out[8] = flags
    return b"RIFF" + struct.pack("<I", len(out) + 4) + b"WEBP" + bytes(out)


STRIPPERS = {"JPEG": strip_jpeg, "PNG": strip_png, "WEBP": strip_webp}
