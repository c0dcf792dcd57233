"""Issue 13, item 13: outputs beside the originals with a suffix (originals never overwritten)
and a target file size, in the settings dialog, the row menu and the CLI's flags."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from odnix_desktop.cli import main
from odnix_desktop.core.options import Status
from odnix_desktop.ui.queue_items import ItemState
from tests.gui_helpers import *  # noqa: F403
from tests.gui_helpers import make_photo, make_photos, wait_added

pytestmark = pytest.mark.usefixtures("no_dangling_jobs")


def test_beside_the_originals_never_over_them_and_never_compressed_again(qtbot, window, tmp_path):
    folder = tmp_path / "in"
    source = make_photo(folder / "photo.jpg", (1200, 900))
    original = source.read_bytes()
    dialog = window.edit_settings()
    dialog.outputs.mode.setCurrentIndex(dialog.outputs.mode.findData("beside"))
    assert not dialog.outputs.folder.isEnabled() and dialog.outputs.suffix.isEnabled()
    dialog.outputs.max_kb.setValue(60)
    dialog.accept()
    assert window.settings.output_mode == "beside" and window.settings.max_bytes == 60_000
    window.add_paths([folder])
    wait_added(qtbot, window, 1)
    with qtbot.waitSignal(window.queue.batchFinished, timeout=60_000):
        window.start()
    (item,) = window.model.items()
    assert item.state is Status.COMPRESSED, item.error
    assert item.output == folder / "photo.odnix.jpg"
    assert item.output.stat().st_size <= 60_000  # the target file size
    assert source.read_bytes() == original
    assert not list((tmp_path / "out").rglob("*.jpg"))  # nothing went to the output folder
    window.clear_finished()
    window.add_paths([folder])  # the folder again: the output is not an input
    wait_added(qtbot, window, 2)
    states = {i.source.name: i.state for i in window.model.items()}
    assert states["photo.odnix.jpg"] is ItemState.UNSUPPORTED


def test_the_row_menu_sets_a_target_size_and_asks_for_recompressing(qtbot, window, tmp_path):
    sources = make_photos(tmp_path / "in", 2, (1600, 1200))
    window.add_paths(sources)
    wait_added(qtbot, window, 2)
    with qtbot.waitSignal(window.queue.batchFinished, timeout=60_000):
        window.start()
    first = window.model.items()[0]
    window.select_item(first)
    menu = window.acts.size_menu(window)
    sizes = [a.text() for a in menu.actions()]
    assert sizes[0] == "As in Settings" and any("200" in s for s in sizes)
    menu.actions()[1].trigger()  # at most 200 kB
    assert first.max_bytes == 200_000 and first.stale
    assert not window.model.items()[1].stale
    with qtbot.waitSignal(window.queue.batchFinished, timeout=60_000):
        assert window.start() == 1
    assert first.output.stat().st_size <= 200_000


def test_the_cli_writes_beside_the_originals_with_its_suffix(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "in"
    source = make_photo(folder / "photo.jpg", (800, 600))
    original = source.read_bytes()
    code = main([str(folder), "--beside-originals", "--max-bytes", "50k", "--json"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 0 and lines[0]["output"] == str(folder / "photo.odnix.jpg")
    assert (folder / "photo.odnix.jpg").stat().st_size <= 50_000 and source.read_bytes() == original
    code = main([str(folder), "--beside-originals", ".small", "--force", "--json"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    outputs = sorted(Path(x["output"]).name for x in lines if x["output"])
    assert outputs == ["photo.odnix.small.jpg", "photo.small.jpg"]  # another suffix: the old output is an input
    assert source.read_bytes() == original
    assert main([str(folder), "--beside-originals", "../x"]) == 2  # a suffix is never a path
