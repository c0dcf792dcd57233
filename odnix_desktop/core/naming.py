"""Where an output goes and what it is called."""

from __future__ import annotations

import uuid
from pathlib import Path, PurePath

from odnix_desktop.core.output import safe_relative
from odnix_desktop.core.presets import Preset


def output_path(
    source: Path, out_root: Path, rel_dir: PurePath, preset: Preset, ext: str, beside_suffix: str | None = None
) -> Path:
    """``out_root/[subfolder/]rel_dir/stem.ext``; profile pictures get a uuid4 name. With
    ``beside_suffix``: ``source's folder/stem<suffix>.ext`` (the suffix is never empty, and the
    writer never overwrites, so the original is never replaced)."""
    if beside_suffix:
        stem = uuid.uuid4().hex if preset.uuid_name else f"{source.stem}{beside_suffix}"
        return source.parent / f"{stem}{ext}"
    folder = out_root / preset.subfolder if preset.subfolder else out_root
    folder = folder / safe_relative(rel_dir)  # never outside out_root, whatever rel_dir says
    stem = uuid.uuid4().hex if preset.uuid_name else source.stem
    return folder / f"{stem}{ext}"
