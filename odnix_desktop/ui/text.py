"""Formatting numbers for people."""

from __future__ import annotations

from odnix_desktop.core.units import human_bytes

__all__ = ["dims", "duration", "human_bytes"]


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
