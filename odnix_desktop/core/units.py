"""Numbers for people: byte counts in the units a file manager shows."""

from __future__ import annotations


def human_bytes(n: int | None) -> str:
    """``950 B``, ``36.9 kB``, ``4.9 MB``, ``229 kB`` (decimal units, as file managers show)."""
    if n is None:
        return ""
    if n < 1000:
        return f"{n} B"
    value = float(n)
    for unit in ("kB", "MB", "GB", "TB"):
        value /= 1000
        if value < 1000 or unit == "TB":
            return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"
    raise AssertionError("unreachable")  # pragma: no cover
