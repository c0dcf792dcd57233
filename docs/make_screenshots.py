"""Screenshots of the window from real runs on the shared corpus, for the README.

    xvfb-run -a -s "-screen 0 1600x1000x24" python docs/make_screenshots.py [--corpus DIR]

The window is 1280×720 (the smallest laptop screen the issue names). Writes
docs/screenshots/{main,main-running,compare-image,compare-live,compare-video,compare-video-playing,
compare-video-preview,settings}.png and
their -dark twins for the main window, the live slider, the playing clip and the settings, and the Odnix
half: {login,upload,upload-story,upload-refused,uploaded,history,crop}.png (``--out DIR`` writes
them elsewhere, e.g. to copy back only some). The uploads go to the fake Odnix server of the tests
(``tests/upload_fakes.py``, pytest-httpserver on 127.0.0.1) with an in-memory keyring.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "screenshots"


def wait_until(app, cond, timeout: float = 300.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise TimeoutError("screenshot step timed out")
        app.processEvents()
        time.sleep(0.01)


def fake_odnix():
    """The tests' fake Odnix server, started on a free local port, and an in-memory keyring."""
    import re

    from tests.upload_fakes import FakeOdnix, MemoryKeyring, OdnixTestServer

    server = OdnixTestServer()
    server.start()
    state = FakeOdnix(server)
    server.expect_request(re.compile(".*")).respond_with_handler(state.dispatch)
    return server, state, MemoryKeyring()


def open_clip_compare(app, win):
    """The compare dialog of the first compressed clip, its frames loaded (None: no clip)."""
    from odnix_desktop.core.media import MediaKind

    video = next((i for i in win.model.items() if i.kind is MediaKind.VIDEO and i.finished), None)
    if video is None:
        return None
    win.select_item(video)
    dialog = win.compare_current()
    dialog.resize(1240, 700)
    wait_until(app, lambda: dialog.view.before is not None and not dialog.is_loading())
    return dialog


def playing_shots(app, dialog, suffix: str = "", preview: bool = True) -> None:
    """The clip playing in split view, then its five-second preview playing (issue 13 item 11)."""
    clip = dialog.clip
    dialog.mode_buttons.button(3).click()  # split
    dialog.view.fit()
    clip.play()
    job = clip._play_job
    wait_until(app, lambda: job.shown >= 20 or job.state.ended)
    dialog.grab().save(str(OUT / f"compare-video-playing{suffix}.png"))
    clip.pause()
    wait_until(app, lambda: job.state.ended)
    if not preview:
        return
    clip.preview_button.click()
    wait_until(app, lambda: clip.preview is not None and clip._play_job is not None, timeout=120)
    job = clip._play_job
    wait_until(app, lambda: job.shown >= 30 or job.state.ended)
    dialog.grab().save(str(OUT / "compare-video-preview.png"))
    clip.pause()
    wait_until(app, lambda: job.state.ended)


def main() -> None:
    global OUT
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=Path("/work/shared/corpus"))
    parser.add_argument("--out", type=Path, default=OUT, help="where the PNGs go (default: %(default)s)")
    args = parser.parse_args()
    OUT = args.out
    tmp = Path(tempfile.mkdtemp(prefix="odnix-shots-"))
    os.environ["ODNIX_USER_DIR"] = str(tmp / "user")
    os.environ["ODNIX_COLOR_SCHEME"] = "light"

    from PySide6.QtCore import QPointF
    from PySide6.QtWidgets import QApplication

    from odnix_desktop.app import build_window
    from odnix_desktop.core.settings import Settings
    from odnix_desktop.core.upload import Target, TokenStore
    from odnix_desktop.ui import theme
    from odnix_desktop.ui.main_window import app_icon
    from odnix_desktop.ui.queue_model import state_words

    app = QApplication([sys.argv[0]])
    app.setWindowIcon(app_icon())
    theme.apply(app)
    OUT.mkdir(parents=True, exist_ok=True)

    server, fake, memory_keyring = fake_odnix()
    fake.users["lena"] = fake.users["moderator"]
    win = build_window(Settings(output_folder=str(tmp / "Odnix")), token_store=TokenStore(memory_keyring))
    win.open_url = lambda url: True
    win.resize(1280, 720)
    win.show()
    wait_until(app, lambda: win.isVisible())
    sources = sorted((args.corpus / "photos").iterdir()) + sorted((args.corpus / "videos").iterdir())
    win.add_paths(sources)
    c = win.queue
    wait_until(
        app, lambda: win.model.rowCount() == len(sources) and not c.pending_describes() and not c.pending_collects()
    )
    win.start()
    wait_until(app, lambda: sum(1 for i in win.model.items() if i.finished) >= 3, timeout=900)
    win._refresh_now()
    settle(app)
    win.grab().save(str(OUT / "main-running.png"))  # the batch's bar, time left and title
    wait_until(app, lambda: not c.is_busy(), timeout=900)
    wait_until(app, lambda: win.footer.text().count("done"), timeout=5)
    app.processEvents()
    win.select_item(win.model.item(0))
    time.sleep(0.2)
    app.processEvents()
    win.grab().save(str(OUT / "main.png"))
    for item in win.model.items():
        print(f"{item.source.name}: {state_words(item.state)} {item.error}")

    # Image compare: the phone photo, zoomed in a little around the centre.
    photo = next(i for i in win.model.items() if i.source.name.startswith("plasma_Kite"))
    win.select_item(photo)
    dialog = win.compare_current()
    dialog.resize(1240, 700)
    wait_until(app, lambda: dialog.view.before is not None and not dialog.is_loading())
    view = dialog.view
    # Bring the kite (about 70% across, 31% down the picture) under the divider, zoomed in.
    rect = view.side_rect("split")
    kite = QPointF(rect.x() + rect.width() * 0.70, rect.y() + rect.height() * 0.31)
    view.zoom_at(kite, 3.0)
    view.pan(QPointF(view.divider_x() - kite.x(), view.height() * 0.5 - kite.y()))
    app.processEvents()
    dialog.grab().save(str(OUT / "compare-image.png"))
    dialog.close()
    live_shot(app, win, photo, "compare-live.png")

    dialog = open_clip_compare(app, win)
    if dialog is not None:
        first = dialog._want
        dialog.clip.slider.setValue(420)
        wait_until(app, lambda: dialog._want != first and not dialog.is_loading())
        dialog.mode_buttons.button(4).click()  # side by side
        view = dialog.view
        view.zoom_at(QPointF(view.pane_width() * 0.55, view.height() * 0.62), 1.6)  # the boats
        app.processEvents()
        dialog.grab().save(str(OUT / "compare-video.png"))
        playing_shots(app, dialog)
        dialog.close()

    settings = win.edit_settings()
    wait_until(app, settings.isVisible)
    app.processEvents()
    settings.grab().save(str(OUT / "settings.png"))
    settings.reject()
    win.apply_settings(win.settings.with_changes(quality=60))  # rows now ask for recompressing

    odnix_shots(app, win, fake, Target)
    server.stop()

    os.environ["ODNIX_COLOR_SCHEME"] = "dark"
    theme.apply(app)
    win.select_item(win.model.item(2))
    app.processEvents()
    time.sleep(0.2)
    app.processEvents()
    win.grab().save(str(OUT / "main-dark.png"))
    live_shot(app, win, photo, "compare-live-dark.png")
    dialog = open_clip_compare(app, win)
    if dialog is not None:
        playing_shots(app, dialog, "-dark", preview=False)
        dialog.close()
    settings = win.edit_settings()
    wait_until(app, settings.isVisible)
    settle(app)
    settings.grab().save(str(OUT / "settings-dark.png"))
    settings.reject()
    win.close()


def live_shot(app, win, photo, name: str) -> None:
    """The compare view's live quality slider moved to 40: the new picture, size and score."""
    from PySide6.QtCore import QPointF

    win.select_item(photo)
    dialog = win.compare_current()
    dialog.resize(1240, 700)
    wait_until(app, lambda: dialog.view.before is not None and not dialog.is_loading())
    live = dialog.live
    live.slider.setValue(40)
    wait_until(app, lambda: live.result is not None and live.result.looks is not None and not live.is_busy())
    view = dialog.view
    rect = view.side_rect("split")
    kite = QPointF(rect.x() + rect.width() * 0.70, rect.y() + rect.height() * 0.31)
    view.zoom_at(kite, 3.0)
    view.pan(QPointF(view.divider_x() - kite.x(), view.height() * 0.5 - kite.y()))
    settle(app)
    dialog.grab().save(str(OUT / name))
    dialog.close()


def settle(app) -> None:
    for _ in range(3):
        app.processEvents()
        time.sleep(0.1)


def odnix_shots(app, win, fake, Target) -> None:
    """Log in, upload from the queue (a post, a chat photo, a refused post), the history."""
    items = win.model.items()
    photo = next(i for i in items if i.source.name.startswith("plasma_Kite"))
    other = next(i for i in items if i.source.name.startswith("mate_LadyBird"))
    portrait = next(i for i in items if i.source.name.startswith("lomiri_friends"))

    login = win.show_login()
    login.server.setText(fake.url)
    login.user.setText("moderator")
    login.password.setText("correct horse battery staple")
    login.resize(560, login.sizeHint().height())
    settle(app)
    login.grab().save(str(OUT / "login.png"))
    login.submit()
    wait_until(app, lambda: win.account.logged_in and not login.isVisible(), timeout=30)

    def send(item, target, caption="", recipient=""):
        win.select_item(item)
        dialog = win.upload_selected()
        dialog.target.setCurrentIndex(dialog.target.findData(target))
        dialog.caption.setPlainText(caption)
        dialog.recipient.setText(recipient)
        wait_until(app, lambda: not dialog.is_checking(), timeout=30)
        return dialog

    dialog = send(photo, Target.POST, "A kite over the evening fields — compressed with Odnix Desktop")
    dialog.resize(720, 560)
    settle(app)
    dialog.grab().save(str(OUT / "upload.png"))
    dialog.upload_button.click()
    wait_until(app, lambda: not win.uploads.is_busy(), timeout=60)

    # A story: its look (colours, text position and size) under the text. Not sent.
    dialog = send(photo, Target.STORY, "Kite season is back")
    dialog.background_color.set_color("#1f2a44")
    dialog.text_color.set_color("#ffd166")
    dialog.text_position.setCurrentIndex(dialog.text_position.findData("bottom"))
    dialog.text_size.setValue(36)
    wait_until(app, lambda: not dialog.is_checking(), timeout=30)
    dialog.resize(720, 560)
    settle(app)
    dialog.grab().save(str(OUT / "upload-story.png"))
    dialog.reject()

    dialog = send(other, Target.CHAT, "the ladybird photo", "lena")
    dialog.upload_button.click()
    wait_until(app, lambda: not win.uploads.is_busy(), timeout=60)
    # A refusal from the server (HTTP 200, success: false), shown in the row.
    from tests.upload_fakes import _json

    fake.override["/api/post-scribe/"] = lambda request: _json(
        {"success": False, "error": "Please wait 5 seconds before posting again."}
    )
    dialog = send(portrait, Target.POST, "friends")
    dialog.upload_button.click()
    wait_until(app, lambda: not win.uploads.is_busy(), timeout=60)
    fake.override.clear()

    # A caption that is too long: the checks refuse it before any request.
    dialog = send(photo, Target.POST, "x" * 300)
    dialog.resize(720, 560)
    settle(app)
    dialog.grab().save(str(OUT / "upload-refused.png"))
    dialog.reject()

    win.select_item(photo)
    settle(app)
    win.grab().save(str(OUT / "uploaded.png"))

    history = win.show_history()
    wait_until(app, lambda: not history.is_loading(), timeout=30)
    history.resize(1100, 360)
    history.table.selectRow(0)
    settle(app)
    history.grab().save(str(OUT / "history.png"))
    history.close()

    crop = win.crop_item(portrait)
    wait_until(app, lambda: not crop.is_loading(), timeout=30)
    crop.resize(760, 620)
    settle(app)
    crop.crop.move_by(-crop.crop.box_x * 0.6, 0)
    crop.crop.resize_by(0.7)
    settle(app)
    crop.grab().save(str(OUT / "crop.png"))
    crop.reject()


if __name__ == "__main__":
    main()
