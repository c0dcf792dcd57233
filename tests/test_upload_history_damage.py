"""A damaged upload history never stops the program (issue 10, item 17, the history part).

The files are really damaged: a history with a few hundred rows has bytes of its data pages (not
only its header) overwritten, as a disk or a killed copy would leave it.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from odnix_desktop.cli import main
from odnix_desktop.core.upload import UploadHistory, UploadStatus
from odnix_desktop.core.upload.history import HISTORY_FILE
from odnix_desktop.core.userdirs import data_dir

PAGE = 4096


def _filled(path: Path, rows: int = 300) -> Path:
    """A history file with ``rows`` finished uploads (schema by UploadHistory, rows in one go)."""
    UploadHistory(path)
    with sqlite3.connect(path) as con:
        con.executemany(
            "INSERT INTO uploads (started_at, finished_at, server, user, target, source_path, output_path,"
            " output_sha256, output_bytes, caption, result_id, result_url, status)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    "2026-01-01T00:00:00.000000+00:00",
                    "2026-01-01T00:00:01.000000+00:00",
                    "https://odnix.example",
                    "moderator",
                    "post",
                    f"/photos/holiday-{i:04d}.jpg",
                    f"/out/holiday-{i:04d}.webp",
                    f"{i:064x}",
                    1000 + i,
                    f"caption {i} " + "x" * 150,
                    str(i),
                    f"https://odnix.example/m/{i}.webp",
                    UploadStatus.DONE.value,
                )
                for i in range(rows)
            ],
        )
    return path


def _damage_data_pages(path: Path, first_page: int = 4, pages: int = 3) -> bytes:
    """Overwrite whole pages in the middle of the file with random bytes; returns the original."""
    original = path.read_bytes()
    assert len(original) > (first_page + pages + 2) * PAGE, "the history is too small to have data pages"
    noise = random.Random(17).randbytes(pages * PAGE)
    with path.open("r+b") as fh:
        fh.seek(first_page * PAGE)
        fh.write(noise)
    return original


def _aside(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.damaged-*"))


def test_damaged_data_pages_are_set_aside_and_a_new_history_started(tmp_path):
    path = _filled(tmp_path / "h.sqlite3")
    original = _damage_data_pages(path)
    damaged = path.read_bytes()
    with sqlite3.connect(path) as con, pytest.raises(sqlite3.DatabaseError, match="malformed"):
        con.execute("SELECT * FROM uploads").fetchall()  # SQLite itself cannot read it

    history = UploadHistory(path)
    [aside] = _aside(path)
    assert aside.read_bytes() == damaged != original  # kept as it was, for the user to look at
    assert aside.name.startswith(f"h.sqlite3.damaged-{datetime.now(UTC):%Y-%m-%d}")
    [notice] = history.notices
    assert str(aside) in notice and "new history was started" in notice
    assert history.rows() == []
    row = history.begin(
        server="s", user="u", target="post", source=None, output=None, output_sha256=None, output_bytes=None
    )
    history.finish(row, UploadStatus.DONE)
    assert [r.status for r in history.rows()] == [UploadStatus.DONE]


def test_a_damaged_header_is_set_aside_too(tmp_path):
    path = _filled(tmp_path / "h.sqlite3", rows=5)
    with path.open("r+b") as fh:
        fh.write(b"this is no database header!!")
    history = UploadHistory(path)
    assert len(_aside(path)) == 1 and history.notices and history.rows() == []


def test_damage_found_while_running_is_repaired_there(tmp_path):
    """The file was fine at start and got damaged under a running program."""
    path = _filled(tmp_path / "h.sqlite3")
    history = UploadHistory(path)
    assert len(history.rows(limit=3)) == 3
    _damage_data_pages(path, first_page=3, pages=6)
    read = history.read()
    assert read.rows == () and len(_aside(path)) == 1
    assert any("was damaged" in n for n in read.notices)
    assert history.count_since(server="x", user="u", target="reel", since=datetime(2026, 1, 1, tzinfo=UTC)) == 0


def test_a_row_with_values_this_version_does_not_know_is_skipped_with_a_warning(tmp_path, caplog):
    path = _filled(tmp_path / "h.sqlite3", rows=3)
    with sqlite3.connect(path) as con:
        con.execute("UPDATE uploads SET status='exploded' WHERE id=1")
        con.execute("UPDATE uploads SET started_at='yesterday' WHERE id=2")
        con.execute("UPDATE uploads SET output_bytes='lots' WHERE id=3")
        con.execute(
            "INSERT INTO uploads (started_at, server, user, target, status, result_url, caption)"
            " VALUES ('2026-02-01T00:00:00+00:00', 's', 'u', 'post', 'done', 'javascript:alert(1)', '')"
        )
        con.execute(
            "INSERT INTO uploads (started_at, server, user, target, status, result_url, caption)"
            " VALUES ('2026-02-02T00:00:00+00:00', 's', 'u', 'post', 'done', 'file:///etc/passwd', '')"
        )
    read = UploadHistory(path).read()
    assert [r.id for r in read.rows] == [5, 4]
    assert all(r.result_url is None for r in read.rows)  # a link that is not http(s) is not handed on
    assert read.notices == (f"3 uploads were skipped: {path} holds values this version does not know.",)
    assert "row 1 skipped" in caplog.text and not _aside(path)


def test_the_history_command_survives_a_damaged_file_and_says_where_it_went(capsys):
    path = _filled(data_dir() / HISTORY_FILE)
    _damage_data_pages(path)
    assert main(["history"]) == 0
    out, err = capsys.readouterr()
    [aside] = _aside(path)
    assert str(aside) in " ".join(err.split()) and "Traceback" not in err
    assert "Upload history (0 shown)" in out


def test_an_unreadable_file_that_is_not_damaged_is_still_an_error(tmp_path):
    from odnix_desktop.core.upload import HistoryError

    path = tmp_path / "h.sqlite3"
    path.mkdir()  # a folder where the file should be
    with pytest.raises(HistoryError, match="cannot be used"):
        UploadHistory(path)
    assert path.is_dir() and not _aside(path)


def test_a_damaged_file_that_cannot_be_moved_is_an_error_not_a_crash(tmp_path, monkeypatch):
    from odnix_desktop.core.upload import HistoryError
    from odnix_desktop.core.upload import history as history_module

    path = _filled(tmp_path / "h.sqlite3", rows=50)
    _damage_data_pages(path, first_page=2, pages=2)

    def refuse(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(history_module.os, "replace", refuse)
    with pytest.raises(HistoryError, match="cannot be moved aside"):
        UploadHistory(path)
    assert path.exists() and not _aside(path)
