"""The window with hostile server answers (issue 10, items 12, 15 and 17): a link that is not
the server's never reaches "open link", server text is never rendered as rich text, and a
damaged history is set aside with a notice in the history dialog."""

from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as QtGuiNs
from PySide6.QtWidgets import QLabel

from odnix_desktop.core.errors import ErrorKind
from odnix_desktop.core.upload import Target, TokenStore, UploadHistory, UploadStatus
from odnix_desktop.core.upload.history import HISTORY_FILE
from odnix_desktop.core.userdirs import data_dir
from odnix_desktop.jobs.base import JobState
from odnix_desktop.ui.queue_model import Col
from odnix_desktop.ui.text import plain_tooltip
from tests.gui_helpers import *  # noqa: F403
from tests.test_gui_upload import finished_photo, log_in, open_dialog
from tests.test_upload_history_damage import _damage_data_pages, _filled
from tests.upload_fakes import *  # noqa: F403
from tests.upload_fakes import _json

pytestmark = pytest.mark.usefixtures("no_dangling_jobs")


@pytest.fixture
def up_window(qtbot, tmp_path, memory_keyring, fast_settings):
    win = make_window(qtbot, tmp_path, window_kwargs={"token_store": TokenStore(), "http_settings": fast_settings})
    yield win
    win.close()


@pytest.mark.parametrize("link", ["file:///etc/passwd", "javascript:alert(1)", "smb://host/share/x.webp"])
def test_a_link_that_is_not_the_servers_never_reaches_open_link(qtbot, up_window, fake, tmp_path, link):
    """Today these went to the row, the history and QDesktopServices.openUrl."""
    win = up_window
    log_in(qtbot, win, fake)
    item = finished_photo(qtbot, win, tmp_path)
    fake.override["/api/post-scribe/"] = lambda r: _json({"success": True, "scribe": {"id": 5, "image_url": link}})
    dialog = open_dialog(qtbot, win, Target.POST, caption="hostile link")
    with qtbot.waitSignal(win.uploads.uploadsFinished, timeout=20_000):
        dialog.upload_button.click()
    up = item.upload
    assert up.phase is JobState.FINISHED and up.result_id == "5" and up.url is None
    win.select_item(item)
    assert not win.acts.open_link.isEnabled()
    win.open_upload_link()
    assert win.opened_urls == []
    history = win.show_history()
    qtbot.waitUntil(lambda: not history.is_loading(), timeout=10_000)
    assert history.model.index(0, 6).data() == "5"  # the id, no link
    history.table.selectRow(0)
    history.open_link()
    assert win.opened_urls == []
    history.close()


def test_a_hostile_link_written_by_an_older_version_is_not_opened_from_the_history(qtbot, up_window):
    win = up_window
    history = UploadHistory()
    for url in ("file:///home/me/.ssh/id_rsa", "javascript:alert(1)"):
        row = history.begin(
            server="https://odnix.example",
            user="moderator",
            target="post",
            source=None,
            output=None,
            output_sha256=None,
            output_bytes=None,
        )
        history.finish(row, UploadStatus.DONE, result_id="1")
        with sqlite3.connect(history.path) as con:  # as an older version stored it
            con.execute("UPDATE uploads SET result_url=? WHERE id=?", (url, row))
    dialog = win.show_history()
    qtbot.waitUntil(lambda: not dialog.is_loading(), timeout=10_000)
    for r in range(2):
        dialog.table.selectRow(r)
        assert dialog.selected_link() is None
        dialog.open_link()
    assert win.opened_urls == []
    dialog.close()


def test_a_login_error_from_the_server_is_shown_as_plain_text(qtbot, up_window, fake):
    win = up_window
    hostile = '<b>Bad</b> <a href="file:///etc/passwd">click</a> <img src="x">'
    fake.override["/api/login/"] = lambda r: _json({"success": False, "error": hostile}, 401)
    dialog, (ok, message) = log_in(qtbot, win, fake)
    assert not ok and dialog.isVisible()
    assert dialog.error.textFormat() == Qt.TextFormat.PlainText
    assert hostile in dialog.error.text()
    for label in dialog.findChildren(QLabel) + win.account_widget.findChildren(QLabel):
        if label.text() and label is not dialog.error:
            assert label.textFormat() == Qt.TextFormat.PlainText or not QtGuiNs.mightBeRichText(label.text())
    dialog.reject()


def test_a_refusal_that_looks_like_html_shows_as_text_in_the_rows_tooltip(qtbot, up_window, fake, tmp_path):
    win = up_window
    log_in(qtbot, win, fake)
    item = finished_photo(qtbot, win, tmp_path)
    fake.override["/api/post-scribe/"] = lambda r: _json({"success": False, "error": "<h1>No</h1> [/x]"})
    dialog = open_dialog(qtbot, win, Target.POST, caption="html refusal")
    with qtbot.waitSignal(win.uploads.uploadsFinished, timeout=20_000):
        dialog.upload_button.click()
    assert item.upload.failure is ErrorKind.REFUSED_BY_SERVER
    tip = win.model.index(win.model.row_of(item.id), Col.UPLOAD).data(Qt.ItemDataRole.ToolTipRole)
    assert "No" in tip and not QtGuiNs.mightBeRichText(tip)  # Qt shows it as text
    history = win.show_history()
    qtbot.waitUntil(lambda: not history.is_loading(), timeout=10_000)
    with sqlite3.connect(UploadHistory().path) as con:  # a row whose tooltip starts with the server's words
        con.execute("UPDATE uploads SET error='<h1>No</h1> [/x]', result_url=NULL, caption=''")
    history.reload()
    qtbot.waitUntil(lambda: not history.is_loading(), timeout=10_000)
    tip = history.model.index(0, 6).data(Qt.ItemDataRole.ToolTipRole)
    assert tip.replace("\xa0", " ") == "<p>&lt;h1&gt;No&lt;/h1&gt; [/x]</p>"
    assert history.model.index(0, 6).data() == "<h1>No</h1> [/x]"  # the cell is drawn as text
    history.close()


def test_plain_tooltip_leaves_plain_text_alone():
    assert plain_tooltip("a < b and c") == "a < b and c"
    assert plain_tooltip(None) is None
    assert plain_tooltip("<i>x</i>") == "<p>&lt;i&gt;x&lt;/i&gt;</p>"


def test_the_history_dialog_says_where_a_damaged_history_went(qtbot, up_window):
    win = up_window
    path = _filled(data_dir() / HISTORY_FILE)
    _damage_data_pages(path)
    dialog = win.show_history()
    qtbot.waitUntil(lambda: not dialog.is_loading(), timeout=10_000)
    [aside] = path.parent.glob(f"{HISTORY_FILE}.damaged-*")
    assert dialog.model.rowCount() == 0
    assert str(aside) in dialog.status.text() and "new history was started" in dialog.status.text()
    assert dialog.status.textFormat() == Qt.TextFormat.PlainText
    dialog.close()
