"""The window's Odnix half: account panel, login/logout, the upload dialog with its pre-flight
checks, uploads with progress and links in the rows, refusals, the history dialog.

Against the fake Odnix server of ``tests/upload_fakes.py`` and an in-memory keyring.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import keyring.backends.fail
import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QGuiApplication

from odnix_desktop.core.errors import ErrorKind
from odnix_desktop.core.media import MediaKind
from odnix_desktop.core.options import Status
from odnix_desktop.core.upload import Target, TokenStore
from odnix_desktop.jobs.base import Job, JobState
from odnix_desktop.jobs.upload import PlannedUpload, UploadRequest
from odnix_desktop.ui.queue_model import Col, ProgressRole
from tests.gui_helpers import *  # noqa: F403
from tests.upload_fakes import *  # noqa: F403
from tests.upload_fakes import _json

pytestmark = pytest.mark.usefixtures("no_dangling_jobs")


@pytest.fixture
def up_window(qtbot, tmp_path, memory_keyring, fast_settings):
    win = make_window(qtbot, tmp_path, window_kwargs={"token_store": TokenStore(), "http_settings": fast_settings})
    yield win
    win.close()


def log_in(qtbot, win, fake, user: str = "moderator", password: str = PASSWORD):
    dialog = win.show_login()
    dialog.server.setText(fake.url)
    dialog.user.setText(user)
    dialog.password.setText(password)
    with qtbot.waitSignal(win.account.loginFinished, timeout=10_000) as blocker:
        dialog.submit()
    assert dialog.password.text() == ""  # cleared as soon as it was handed to the job
    qtbot.waitUntil(lambda: not win.account.busy)
    return dialog, blocker.args


def finished_photo(qtbot, win, tmp_path, name: str = "photo.jpg", preset: str | None = None):
    path = make_photo(tmp_path / "in" / name, (1600, 1200))
    win.add_paths([path])
    wait_added(qtbot, win, win.model.rowCount() + 1)
    item = next(i for i in win.model.items() if i.source == path)
    if preset is not None:
        item.preset = preset
    with qtbot.waitSignal(win.queue.batchFinished, timeout=60_000):
        win.queue.start([item.id])
    assert item.finished, item.error
    win.select_item(item)
    return item


def open_dialog(qtbot, win, target: Target, caption: str = "", recipient: str = ""):
    dialog = win.upload_selected()
    assert dialog is not None
    dialog.target.setCurrentIndex(dialog.target.findData(target))
    dialog.caption.setPlainText(caption)
    dialog.recipient.setText(recipient)
    qtbot.waitUntil(lambda: not dialog.is_checking(), timeout=10_000)
    return dialog


class RowRecorder:
    """What the item's Upload cell showed, every time the row changed."""

    def __init__(self, win, item) -> None:
        self.win, self.item = win, item
        self.texts: list[str] = []
        self.fractions: list[float] = []
        win.model.dataChanged.connect(self.on_changed)  # GUI thread to GUI thread

    def on_changed(self, *_args) -> None:
        row = self.win.model.row_of(self.item.id)
        index = self.win.model.index(row, Col.UPLOAD)
        self.texts.append(index.data())
        fraction = index.data(ProgressRole)
        if fraction is not None:
            self.fractions.append(fraction)


def user_files_text() -> str:
    root = Path(os.environ["ODNIX_USER_DIR"])
    out = []
    for p in root.rglob("*"):
        if p.is_file():
            out.append(p.read_bytes().decode("latin-1"))
    return "\n".join(out)


# ----------------------------------------------------------------------------- account
def test_login_keeps_the_token_in_the_keyring_never_the_password(qtbot, up_window, fake, memory_keyring):
    win = up_window
    assert win.account_widget.label.text() == "Not logged in"
    assert win.account_widget.button.text() == "Log in…"
    dialog, (ok, _message) = log_in(qtbot, win, fake)
    assert ok and not dialog.isVisible()
    assert win.account.logged_in
    assert win.account_widget.label.text() == f"moderator @ {fake.url}"
    assert win.account_widget.button.text() == "Log out"
    assert "system keyring" in win.account_widget.toolTip()
    assert list(memory_keyring.entries.values()) == [TOKEN]
    on_disk = user_files_text()
    assert PASSWORD not in on_disk and TOKEN not in on_disk
    account = json.loads((Path(os.environ["ODNIX_USER_DIR"]) / "config" / "account.json").read_text())
    assert account["user"] == "moderator" and set(account) == {"server", "user", "allow_insecure_http"}

    # A new window finds the login again (keyring + a check with the server).
    again = make_window(
        qtbot,
        win.settings.output_path.parent / "second",
        window_kwargs={"token_store": TokenStore(), "http_settings": win.account.http_settings},
    )
    with qtbot.waitSignal(again.account.changed, timeout=10_000, check_params_cb=lambda: not again.account.busy):
        again.account.restore()
    assert again.account.logged_in and again.account_widget.label.text() == f"moderator @ {fake.url}"
    again.close()


def test_wrong_password_stays_in_the_dialog_with_the_reason(qtbot, up_window, fake):
    dialog, (ok, message) = log_in(qtbot, up_window, fake, password="wrong")
    assert not ok and "Invalid username or password" in message
    assert dialog.isVisible() and dialog.error.isVisibleTo(dialog)
    assert message in dialog.error.text()
    assert not up_window.account.logged_in
    dialog.reject()


def test_no_keyring_says_so_and_keeps_the_login_in_memory(qtbot, tmp_path, fake, fast_settings):
    win = make_window(
        qtbot,
        tmp_path,
        window_kwargs={"token_store": TokenStore(keyring.backends.fail.Keyring()), "http_settings": fast_settings},
    )
    dialog = win.show_login()
    assert "No usable system keyring" in dialog.keyring_note.text()
    assert "not saved anywhere" in dialog.keyring_note.text()
    dialog.reject()
    log_in(qtbot, win, fake)
    assert win.account.logged_in
    assert "No usable system keyring" in win.account_widget.toolTip()
    assert TOKEN not in user_files_text()
    win.close()


def test_logout_forgets_token_and_account(qtbot, up_window, fake, memory_keyring):
    win = up_window
    log_in(qtbot, win, fake)
    with qtbot.waitSignal(win.account.changed, timeout=10_000, check_params_cb=lambda: not win.account.busy):
        win.logout()
    assert not win.account.logged_in
    assert memory_keyring.entries == {}
    assert not (Path(os.environ["ODNIX_USER_DIR"]) / "config" / "account.json").exists()
    assert win.account_widget.label.text() == "Not logged in"


# ----------------------------------------------------------------------------- uploads
def test_upload_logs_in_first_then_opens_the_upload_dialog(qtbot, up_window, fake, tmp_path):
    win = up_window
    item = finished_photo(qtbot, win, tmp_path)
    assert win.upload_selected() is None  # nobody logged in: the login dialog comes first
    login = win.login_dialog
    assert login is not None and login.isVisible() and win.upload_dialog is None
    login.server.setText(fake.url)
    login.user.setText("moderator")
    login.password.setText(PASSWORD)
    with qtbot.waitSignal(win.account.loginFinished, timeout=10_000):
        login.submit()
    qtbot.waitUntil(lambda: win.upload_dialog is not None and win.upload_dialog.isVisible())
    assert [i.id for i in win.upload_dialog.items] == [item.id]
    win.upload_dialog.reject()
    qtbot.waitUntil(lambda: not win.upload_dialog.isVisible())  # its checks end with it


def test_upload_to_post_progress_reaches_the_row_and_the_link_shows(qtbot, up_window, fake, tmp_path):
    win = up_window
    item = finished_photo(qtbot, win, tmp_path)
    # Not logged in: Upload opens the login dialog, then the upload dialog once logged in.
    assert win.upload_selected() is None and win.login_dialog.isVisible()
    win.login_dialog.reject()  # given up: the upload no longer waits for a login
    log_in(qtbot, win, fake)

    dialog = open_dialog(qtbot, win, Target.POST, caption="Sunset over the bay")
    assert dialog.failures() == []
    assert dialog.upload_button.isEnabled()
    assert "its compressed output" in dialog.plan_label.text()
    rec = RowRecorder(win, item)
    with qtbot.waitSignal(win.uploads.uploadsFinished, timeout=20_000):
        dialog.upload_button.click()
    up = item.upload
    assert up.phase is JobState.FINISHED, up.error
    # The compressed output's source was shaped for Odnix's own step and sent, not the original;
    # the row says what was chosen and why.
    assert up.sent_file == item.output
    assert 0 < fake.scribes[0]["bytes"] != item.source.stat().st_size
    assert "shaped for Odnix" in up.error
    assert fake.scribes[0]["content"] == "Sunset over the bay"
    # Progress went through the row: checking, then bytes sent, then done.
    assert any("uploading" in t and " of " in t for t in rec.texts), rec.texts
    assert rec.fractions and max(rec.fractions) > 0.5
    row = win.model.row_of(item.id)
    shown = win.model.index(row, Col.UPLOAD).data()
    assert up.url.startswith(fake.url + "/media/scribe_images/")
    assert up.url.rsplit("/", 1)[-1] in shown and f"#{up.result_id}" in shown
    assert up.url in win.model.index(row, Col.UPLOAD).data(Qt.ItemDataRole.ToolTipRole)
    assert shown.startswith("✓")
    # Copy and open the link.
    win.select_item(item)
    qtbot.waitUntil(win.acts.copy_link.isEnabled)
    win.copy_upload_link()
    assert QGuiApplication.clipboard().text() == up.url
    win.open_upload_link()
    assert win.opened_urls[-1] == QUrl(up.url)


def test_upload_to_chat_recompresses_with_the_chat_preset(qtbot, up_window, fake, tmp_path):
    win = up_window
    log_in(qtbot, win, fake)
    item = finished_photo(qtbot, win, tmp_path)  # compressed as a feed post
    assert item.used_preset == "post"
    dialog = open_dialog(qtbot, win, Target.CHAT, caption="for you")
    assert not dialog.upload_button.isEnabled()  # no recipient yet
    assert "recipient" in dialog.summary.text()
    dialog.recipient.setText("alice")
    qtbot.waitUntil(lambda: not dialog.is_checking() and dialog.upload_button.isEnabled(), timeout=10_000)
    assert "compressed again with the Chat media preset" in dialog.plan_label.text()
    rec = RowRecorder(win, item)
    with qtbot.waitSignal(win.uploads.uploadsFinished, timeout=30_000):
        dialog.upload_button.click()
    up = item.upload
    assert up.phase is JobState.FINISHED, up.error
    assert up.sent_file is not None and up.sent_file != item.output and up.sent_file != item.source
    assert up.sent_file.parent.name == "chat_media"
    assert not up.sent_file.exists()  # the copy made only for this upload is not kept
    assert item.output.exists()  # the item's own output is
    assert any("compressing for chat message" in t for t in rec.texts), rec.texts
    assert any("uploading" in t for t in rec.texts), rec.texts
    assert fake.messages[0]["content"] == "for you"
    assert up.url.startswith(fake.url + "/media/chat_media/")
    assert up.url.rsplit("/", 1)[-1] in win.model.index(win.model.row_of(item.id), Col.UPLOAD).data()


def test_a_server_refusal_shows_in_the_row(qtbot, up_window, fake, tmp_path):
    win = up_window
    log_in(qtbot, win, fake)
    item = finished_photo(qtbot, win, tmp_path)
    fake.override["/api/post-scribe/"] = lambda request: _json(
        {"success": False, "error": "Image is too large for today's mood."}
    )
    dialog = open_dialog(qtbot, win, Target.POST, caption="refused please")
    with qtbot.waitSignal(win.uploads.uploadsFinished, timeout=20_000):
        dialog.upload_button.click()
    up = item.upload
    assert up.phase is JobState.FAILED and up.failure is ErrorKind.REFUSED_BY_SERVER
    assert not up.error.startswith(item.source.name)  # the row names the file already
    row = win.model.row_of(item.id)
    shown = win.model.index(row, Col.UPLOAD).data()
    assert shown.startswith("✗ refused") and "too large for today's mood" in shown
    from PySide6.QtCore import Qt

    assert "too large for today's mood" in win.model.index(row, Col.UPLOAD).data(Qt.ItemDataRole.ToolTipRole)
    assert not win.acts.copy_link.isEnabled() or win.selected_link() is None


def test_preflight_refuses_a_long_caption_before_any_request(qtbot, up_window, fake, tmp_path):
    win = up_window
    log_in(qtbot, win, fake)
    item = finished_photo(qtbot, win, tmp_path)
    fake.hits.clear()
    dialog = open_dialog(qtbot, win, Target.POST, caption="x" * 300)
    assert "the caption is 300 characters; the limit is 280" in dialog.failures()
    assert not dialog.upload_button.isEnabled()
    assert "300 / 280" in dialog.counter.text()
    dialog._on_accept()  # Enter does nothing while a check fails
    assert dialog.isVisible()
    # Even if the request reaches the jobs, the core's checks stop it before any request.
    request = dialog.request()
    dialog.reject()
    with qtbot.waitSignal(win.uploads.uploadsFinished, timeout=10_000):
        assert win.uploads.start(request) == 1
    assert item.upload.phase is JobState.FAILED and item.upload.failure is ErrorKind.CHECKS_FAILED
    assert "280" in item.upload.error
    assert fake.hits == []


def test_reel_shows_processing_on_server(qtbot, up_window, fake, tmp_path):
    require_video_pipeline()
    win = up_window
    log_in(qtbot, win, fake)
    clip = make_clip(tmp_path / "in" / "clip.mp4")
    win.add_paths([clip])
    wait_added(qtbot, win, 1)
    item = win.model.item(0)
    assert item.kind is MediaKind.VIDEO
    with qtbot.waitSignal(win.queue.batchFinished, timeout=60_000):
        win.start()
    win.select_item(item)
    dialog = open_dialog(qtbot, win, Target.REEL, caption="a reel")
    assert dialog.failures() == [], dialog.failures()
    rec = RowRecorder(win, item)
    with qtbot.waitSignal(win.uploads.uploadsFinished, timeout=30_000):
        dialog.upload_button.click()
    assert item.upload.phase is JobState.FINISHED, item.upload.error
    assert any("processing on server" in t for t in rec.texts), rec.texts
    assert item.upload.url and "/media/omzo_videos/" in item.upload.url


def test_cancelling_a_queued_upload_ends_it_at_once(qtbot, up_window, fake, tmp_path):
    """Uploads run one at a time; a queued one is taken back from the pool (tryTake)."""
    win = up_window
    log_in(qtbot, win, fake)
    first = finished_photo(qtbot, win, tmp_path, "a.jpg")
    second = finished_photo(qtbot, win, tmp_path, "b.jpg")
    release = threading.Event()

    def slow(request):
        release.wait(10)
        return fake.post_scribe(request)

    fake.override["/api/post-scribe/"] = slow
    request = UploadRequest(
        Target.POST, "two", plans=[PlannedUpload(i.id, i.source, i.output) for i in (first, second)]
    )
    assert win.uploads.start(request) == 2
    qtbot.waitUntil(lambda: first.upload.phase is JobState.RUNNING, timeout=10_000)
    assert second.upload.phase is JobState.PENDING
    win.uploads.cancel([second.id])
    assert second.upload.phase is JobState.CANCELLED  # at once, no thread took it
    with qtbot.waitSignal(win.uploads.uploadsFinished, timeout=20_000):
        release.set()
    assert first.upload.phase is JobState.FINISHED


def test_runner_cancel_takes_a_queued_job_back(qtbot):
    from odnix_desktop.jobs.runner import JobRunner

    gate = threading.Event()

    class Blocker(Job):
        pool_name = "uploads"

        def work(self):
            gate.wait(10)
            return 1

    class Quick(Job):
        pool_name = "uploads"
        ran = False

        def work(self):
            Quick.ran = True
            return 2

    runner = JobRunner(1)
    blocker, queued = Blocker(1), Quick(2)
    runner.start(blocker)
    runner.start(queued)
    ends = []
    queued.signals.cancelled.connect(ends.append)
    runner.cancel(queued)
    assert ends == [2]  # ended before cancel() returned
    gate.set()
    assert runner.wait(10_000)
    qtbot.waitUntil(lambda: not runner.live_jobs())
    assert not Quick.ran


def test_history_dialog_lists_the_uploads(qtbot, up_window, fake, tmp_path):
    win = up_window
    log_in(qtbot, win, fake)
    item = finished_photo(qtbot, win, tmp_path)
    for caption in ("first", "second"):
        dialog = open_dialog(qtbot, win, Target.POST, caption=caption)
        with qtbot.waitSignal(win.uploads.uploadsFinished, timeout=20_000):
            dialog.upload_button.click()
    history = win.show_history()
    qtbot.waitUntil(lambda: not history.is_loading(), timeout=10_000)
    m = history.model
    assert m.rowCount() == 2
    assert [m.index(r, 5).data() for r in range(2)] == ["done", "done"]
    assert m.index(0, 1).data() == "post" and m.index(0, 2).data() == item.source.name
    assert m.index(0, 6).data() == item.upload.url  # newest first
    assert m.index(0, 4).data() == f"moderator @ {fake.url}"
    history.table.selectRow(0)
    history.open_link()
    assert win.opened_urls[-1] == QUrl(item.upload.url)
    history.close()


def test_export_needs_no_account(qtbot, up_window, tmp_path):
    win = up_window
    item = finished_photo(qtbot, win, tmp_path)
    assert not win.account.logged_in
    with qtbot.waitSignal(win.exported, timeout=10_000) as blocker:
        win.export_selected(tmp_path / "export")
    assert [p.name for p in blocker.args[0]] == [item.output.name]
    assert item.state is not Status.FAILED


# ----------------------------------------------------------------------------- story look, view once
def check_lines(dialog) -> list[str]:
    """Every line under the items in the pre-flight tree."""
    tree = dialog.checks
    return [
        tree.topLevelItem(i).child(j).text(0)
        for i in range(tree.topLevelItemCount())
        for j in range(tree.topLevelItem(i).childCount())
    ]


def pick_colour(qtbot, button, colour: str) -> None:
    """Click the swatch, choose ``colour`` in its colour dialog, accept."""
    from PySide6.QtGui import QColor

    button.click()
    picker = button.picker
    qtbot.waitUntil(picker.isVisible)
    picker.setCurrentColor(QColor(colour))
    with qtbot.waitSignal(button.colorChanged):
        picker.accept()
    assert not picker.isVisible()


def test_story_look_reaches_the_server(qtbot, up_window, fake, tmp_path):
    win = up_window
    log_in(qtbot, win, fake)
    item = finished_photo(qtbot, win, tmp_path, preset="story")
    dialog = open_dialog(qtbot, win, Target.POST, caption="not a story")
    assert not dialog.story_look.isVisibleTo(dialog) and not dialog.one_time.isVisibleTo(dialog)
    assert dialog.request().story_style is None
    dialog = open_dialog(qtbot, win, Target.STORY, caption="Hello from the beach")
    assert dialog.story_look.isVisibleTo(dialog) and not dialog.one_time.isVisibleTo(dialog)
    # The server's defaults to start with.
    assert (dialog.background_color.text(), dialog.text_color.text()) == ("#667eea", "#ffffff")
    assert dialog.text_position.currentData() == "center" and dialog.text_size.value() == 22
    for widget in (dialog.background_color, dialog.text_color, dialog.text_position, dialog.text_size):
        assert widget.toolTip()

    pick_colour(qtbot, dialog.background_color, "#123456")
    pick_colour(qtbot, dialog.text_color, "#FEDCBA")
    assert dialog.background_color.text() == "#123456" and dialog.text_color.text() == "#fedcba"
    dialog.text_position.setCurrentIndex(dialog.text_position.findData("bottom"))
    dialog.text_size.setValue(500)
    assert dialog.text_size.value() == 200  # the server's range: 4..200
    dialog.text_size.setValue(48)
    qtbot.waitUntil(lambda: not dialog.is_checking() and dialog.upload_button.isEnabled(), timeout=10_000)
    assert "✓ story look: #fedcba text on #123456, bottom, size 48" in check_lines(dialog)
    style = dialog.request().story_style
    assert style.text == "Hello from the beach" and style.problems() == []

    with qtbot.waitSignal(win.uploads.uploadsFinished, timeout=20_000):
        dialog.upload_button.click()
    assert item.upload.phase is JobState.FINISHED, item.upload.error
    story = fake.stories[0]
    assert story["content"] == "Hello from the beach" and story["story_type"] == "image"
    assert story["background_color"] == "#123456" and story["text_color"] == "#fedcba"
    assert story["text_position"] == "bottom" and story["text_size"] == 48.0


def test_story_look_problems_block_the_upload(qtbot, up_window, fake, tmp_path):
    win = up_window
    log_in(qtbot, win, fake)
    finished_photo(qtbot, win, tmp_path, preset="story")
    dialog = open_dialog(qtbot, win, Target.STORY, caption="text")
    assert dialog.upload_button.isEnabled()
    dialog.text_color.set_color("#fff")  # not from the picker: the core's problems() catch it
    qtbot.waitUntil(lambda: not dialog.is_checking(), timeout=10_000)
    assert "the text colour '#fff' is not a colour like #667eea" in dialog.failures()
    assert not dialog.upload_button.isEnabled()
    assert "Fix the problems" in dialog.summary.text()
    dialog._on_accept()
    assert dialog.isVisible()
    dialog.text_color.set_color("#ffffff")
    qtbot.waitUntil(lambda: not dialog.is_checking() and dialog.upload_button.isEnabled(), timeout=10_000)
    assert dialog.failures() == []
    dialog.reject()
    assert fake.stories == []


def test_chat_view_once_reaches_the_server(qtbot, up_window, fake, tmp_path):
    win = up_window
    log_in(qtbot, win, fake)
    item = finished_photo(qtbot, win, tmp_path, preset="chat")
    sent = []
    for view_once in (True, False):
        dialog = open_dialog(qtbot, win, Target.CHAT, caption="only once", recipient="alice")
        assert dialog.one_time.isVisibleTo(dialog) and not dialog.story_look.isVisibleTo(dialog)
        assert dialog.one_time.toolTip() and not dialog.one_time.isChecked()
        dialog.one_time.setChecked(view_once)
        assert dialog.request().one_time is view_once and dialog.request().story_style is None
        qtbot.waitUntil(dialog.upload_button.isEnabled, timeout=10_000)
        with qtbot.waitSignal(win.uploads.uploadsFinished, timeout=20_000):
            dialog.upload_button.click()
        assert item.upload.phase is JobState.FINISHED, item.upload.error
        sent.append(fake.messages[-1]["one_time"])
    assert sent == ["true", None]


# ----------------------------------------------------------------------------- the login refused mid-way
def visible_login_dialogs() -> list:
    from PySide6.QtWidgets import QApplication

    from odnix_desktop.ui.account import LoginDialog

    return [w for w in QApplication.topLevelWidgets() if isinstance(w, LoginDialog) and w.isVisible()]


def test_a_refused_login_logs_out_and_asks_once(qtbot, up_window, fake, tmp_path):
    win = up_window
    log_in(qtbot, win, fake)
    items = [finished_photo(qtbot, win, tmp_path, name, preset="story") for name in ("a.jpg", "b.jpg")]
    win.table.selectAll()
    dialog = open_dialog(qtbot, win, Target.STORY, caption="two stories")
    assert len(dialog.request().plans) == 2
    fake.tokens.clear()  # the token is revoked on the server: every request answers 401
    with qtbot.waitSignal(win.uploads.uploadsFinished, timeout=20_000):
        dialog.upload_button.click()
    assert fake.calls("/api/create-story/") == 2 and fake.stories == []
    for item in items:
        assert item.upload.phase is JobState.FAILED and item.upload.failure is ErrorKind.LOG_IN_AGAIN
        shown = win.model.index(win.model.row_of(item.id), Col.UPLOAD).data()
        assert shown.startswith("✗ log in again"), shown
    # The panel says so, and one login dialog (not one per item) asks, with server and user filled in.
    assert not win.account.logged_in
    assert win.account_widget.label.text() == "Not logged in"
    assert win.account_widget.button.text() == "Log in…"
    assert "refused the login" in win.account_widget.toolTip()
    qtbot.waitUntil(lambda: len(visible_login_dialogs()) == 1)
    login = visible_login_dialogs()[0]
    assert login is win.login_dialog
    assert login.server.text() == fake.url and login.user.text() == "moderator"
    assert login.reason.isVisibleTo(login) and "refused your login" in login.reason.text()

    # Logged in again, the items not sent are selected and go this time.
    login.password.setText(PASSWORD)
    with qtbot.waitSignal(win.account.loginFinished, timeout=10_000) as blocker:
        login.submit()
    assert blocker.args[0], blocker.args
    qtbot.waitUntil(lambda: not login.isVisible() and win.account.logged_in)
    assert win.account_widget.label.text() == f"moderator @ {fake.url}"
    assert {i.id for i in win.selected_items()} == {i.id for i in items}
    dialog = open_dialog(qtbot, win, Target.STORY, caption="two stories")
    with qtbot.waitSignal(win.uploads.uploadsFinished, timeout=20_000):
        dialog.upload_button.click()
    assert [i.upload.phase for i in items] == [JobState.FINISHED, JobState.FINISHED]
    assert len(fake.stories) == 2 and visible_login_dialogs() == []


def test_a_refused_login_while_a_login_dialog_is_open_adds_none(qtbot, up_window, fake, tmp_path):
    win = up_window
    log_in(qtbot, win, fake)
    item = finished_photo(qtbot, win, tmp_path, preset="story")
    fake.tokens.clear()
    opened = win.show_login()  # the user opened it already
    request = UploadRequest(Target.STORY, "x", plans=[PlannedUpload(item.id, item.source, item.output)])
    with qtbot.waitSignal(win.uploads.uploadsFinished, timeout=20_000):
        win.uploads.start(request)
    assert item.upload.failure is ErrorKind.LOG_IN_AGAIN and not win.account.logged_in
    assert visible_login_dialogs() == [opened] and win.login_dialog is opened
    opened.reject()
