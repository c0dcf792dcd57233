"""Is a saving worth a generation of quality loss? One decision both pipelines call."""

from __future__ import annotations


def keeps_source(output_bytes: int, source_bytes: int, min_saving: float) -> bool:
    """True when the output saves less than ``min_saving`` (a fraction) of ``source_bytes``:
    then a source that already meets the preset is worth keeping as it is."""
    if source_bytes <= 0:
        return False
    return output_bytes >= source_bytes * (1.0 - min_saving)


def kept_note(output_bytes: int, source_bytes: int, what: str) -> str:
    """The warning a kept original carries: why the source was kept (``what``: pixels or streams)."""
    if output_bytes >= source_bytes:
        reason = "compression did not make it smaller"
    else:
        saved = 1.0 - output_bytes / source_bytes
        reason = f"compression would save only {saved:.1%} (under the --min-saving minimum)"
    return f"{reason}; the original {what} were kept, metadata removed"
