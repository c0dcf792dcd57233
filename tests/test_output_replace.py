"""The core's replace mode: a recompress replaces the item's own earlier output atomically, and
never any other file (issue 13, item 3)."""

from __future__ import annotations

import os
from pathlib import Path

from odnix_desktop.core.options import OwnOutput
from odnix_desktop.core.output import replaceable, write_bytes


def test_an_items_own_output_is_replaced_in_place(tmp_path: Path) -> None:
    first = write_bytes(tmp_path / "photo.jpg", b"first")
    own = OwnOutput.of(first)
    again = write_bytes(tmp_path / "photo.jpg", b"second, smaller?", replaces=own)
    assert again == first and first.read_bytes() == b"second, smaller?"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photo.jpg"]  # no temp file, no photo-1


def test_a_changed_file_is_not_ours_any_more(tmp_path: Path) -> None:
    first = write_bytes(tmp_path / "photo.jpg", b"first")
    own = OwnOutput.of(first)
    first.write_bytes(b"edited by someone")
    assert not replaceable(own, tmp_path / "photo.jpg")
    again = write_bytes(tmp_path / "photo.jpg", b"new", replaces=own)
    assert again.name == "photo-1.jpg" and first.read_bytes() == b"edited by someone"


def test_never_across_folders_extensions_or_links(tmp_path: Path) -> None:
    first = write_bytes(tmp_path / "a" / "photo.jpg", b"first")
    own = OwnOutput.of(first)
    assert not replaceable(own, tmp_path / "b" / "photo.jpg")  # another folder
    assert not replaceable(own, tmp_path / "a" / "photo.webp")  # another kind of file
    link = tmp_path / "a" / "link.jpg"
    os.symlink(first, link)
    assert not replaceable(OwnOutput(link, own.size, own.mtime_ns), tmp_path / "a" / "link.jpg")
    assert replaceable(own, tmp_path / "a" / "photo.jpg")


def test_a_missing_earlier_output_gets_a_fresh_name(tmp_path: Path) -> None:
    first = write_bytes(tmp_path / "photo.jpg", b"first")
    own = OwnOutput.of(first)
    first.unlink()
    assert write_bytes(tmp_path / "photo.jpg", b"new", replaces=own) == first
    assert first.read_bytes() == b"new"
