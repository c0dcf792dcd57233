"""The words of ``ffmpeg -i``'s stream lines: rates, pixel formats, colour, channel layouts (pure).

Moved out of :mod:`odnix_desktop.core.video.probe`, which reads the whole text with them.
"""

from __future__ import annotations

import re
from fractions import Fraction

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


def bit_depth(pix_fmt: str) -> int:
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


def codec_and_profile(first: str) -> tuple[str, str | None]:
    codec = first.split(" ", 1)[0].strip()
    profile = None
    for group in re.findall(r"\(([^()]*)\)", first):
        if "/" not in group:
            profile = group.strip()
            break
    return codec, profile


def colour_props(props: str) -> tuple[str | None, str | None, str | None, str | None]:
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


def channel_count(layout: str) -> int | None:
    layout = layout.strip()
    m = re.match(r"^(\d+) channels", layout)
    if m:
        return int(m.group(1))
    base = layout.split("(", 1)[0]
    return _CHANNEL_LAYOUTS.get(base)
