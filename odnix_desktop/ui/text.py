"""Formatting numbers for people, and showing text from elsewhere as the text it is."""

from __future__ import annotations

import re
from typing import overload

from PySide6.QtGui import Qt

from odnix_desktop.core.units import human_bytes

__all__ = ["dims", "duration", "human_bytes", "plain_tooltip"]


@overload
def plain_tooltip(text: str) -> str: ...
@overload
def plain_tooltip(text: None) -> None: ...
def plain_tooltip(text: str | None) -> str | None:
    """``text`` as a tooltip that shows it as it is. Qt renders a tooltip that looks like HTML
    as HTML; server messages and file names go through here (labels use ``Qt.PlainText``)."""
    if text and Qt.mightBeRichText(text):
        return Qt.convertFromPlainText(text)
    return text


def dims(width: int | None, height: int | None) -> str:
    if not width or not height:
        return ""
    return f"{width}×{height}"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = max(0, round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def percent(fraction: float | None) -> str:
    if fraction is None:
        return ""
    return f"{fraction * 100:.0f}%"


#: Words from inside libraries (libvips, ffmpeg internals) that mean nothing to a person.
_INTERNALS = re.compile(r"\s*\((?=[^()]*(?:vips|Vips|VIPS|memory buffer|avcodec|libav))[^()]*\)")
_INTERNAL_LINE = re.compile(r"vips_|Vips[A-Z]\w*|VipsJpeg|libvips|avcodec_")


def for_person(message: str) -> str:
    """An error's first line in words for a person: a library's internals in parentheses or on
    their own line ("unable to write to memory VipsJpeg") are left out (the tooltip keeps the
    whole message, for a bug report)."""
    lines = _INTERNALS.sub("", message).splitlines()
    kept = [line for line in lines if line.strip() and not _INTERNAL_LINE.search(line)]
    return kept[0] if kept else "could not be compressed (a library failed; hover for the details)"
