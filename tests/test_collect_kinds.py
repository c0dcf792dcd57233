"""``collect`` sniffs files named directly too, so every caller gets the kind from the core."""

from __future__ import annotations

from pathlib import Path, PurePath

from odnix_desktop.core.batch import SkippedFile, WorkItem, collect
from odnix_desktop.core.image.preview import load_upright
from odnix_desktop.core.media import MediaKind
from tests.media_factory import corner_picture, exif_bytes, save_jpeg, store_for_orientation
from tests.upload_fakes import video_file


def test_files_named_directly_get_their_kind(tmp_path: Path):
    photo = save_jpeg(tmp_path / "holiday.clip", corner_picture(64, 48))  # the name lies: content decides
    clip = video_file(tmp_path / "clip.mp4").rename(tmp_path / "clip.jpg")
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    entries = collect([photo, clip, notes])
    assert entries == [
        WorkItem(photo, PurePath(), MediaKind.IMAGE),
        WorkItem(clip, PurePath(), MediaKind.VIDEO),
        WorkItem(notes, PurePath(), None),  # named directly: still an item, it fails with its reason
    ]
    folder = collect([tmp_path])
    assert SkippedFile in {type(e) for e in folder}


def test_load_upright_turns_by_the_exif_orientation(tmp_path: Path):
    upright = corner_picture(80, 40)
    path = save_jpeg(tmp_path / "turned.jpg", store_for_orientation(upright, 6), exif=exif_bytes(6))
    img = load_upright(path)
    assert img.size == (80, 40)
    small = load_upright(path, max_side=20)
    assert max(small.size) == 20 and small.size[0] > small.size[1]
