"""Formatting numbers for people."""

from __future__ import annotations


def human_bytes(n: int | None) -> str:
    if n is None:
        return ""
    if n < 1000:
        return f"{n} B"
    for unit in ("kB", "MB", "GB", "TB"):
        n /= 1000  # type: ignore[assignment]
        if n < 1000 or unit == "TB":
            return f"{n:.1f} {unit}" if n < 100 else f"{n:.0f} {unit}"
    raise AssertionError("unreachable")  # pragma: no cover


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
