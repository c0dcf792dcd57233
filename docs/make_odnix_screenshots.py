"""Screenshots of issue 14's views: the compare window's "On Odnix" mode and a pre-flight warning.

    xvfb-run -a -s "-screen 0 1280x720x24" .venv/bin/python docs/make_odnix_screenshots.py

Writes docs/screenshots/{compare-on-odnix,preflight-warning}.png. The login goes to the tests'
fake Odnix server (nothing is uploaded); the pictures come from the shared corpus.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "docs"))

from make_screenshots import OUT, fake_odnix, settle, wait_until  # noqa: E402

CORPUS = Path(os.environ.get("ODNIX_CORPUS", "/work/shared/corpus"))


def transparent(dest: Path) -> Path:
    """A corpus photo cut out in an ellipse, its transparent pixels black underneath (as saved by most tools)."""
    from PIL import Image, ImageDraw

    with Image.open(CORPUS / "photos" / "plasma_Kite.jpg") as img:
        rgb = img.convert("RGB")
    rgb.thumbnail((1600, 1600))
    mask = Image.new("L", rgb.size, 0)
    ImageDraw.Draw(mask).ellipse((rgb.width * 0.08, rgb.height * 0.08, rgb.width * 0.92, rgb.height * 0.92), fill=255)
    cut = Image.composite(rgb, Image.new("RGB", rgb.size), mask)
    cut.putalpha(mask)
    cut.save(dest)
    return dest


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="odnix-shots-"))
    os.environ["ODNIX_USER_DIR"] = str(tmp / "user")
    os.environ["ODNIX_COLOR_SCHEME"] = "light"
    from PySide6.QtWidgets import QApplication

    from odnix_desktop.app import build_window
    from odnix_desktop.core.settings import Settings
    from odnix_desktop.core.upload import Target, TokenStore
    from odnix_desktop.ui import theme

    app = QApplication([sys.argv[0]])
    theme.apply(app)
    OUT.mkdir(parents=True, exist_ok=True)
    server, fake, keyring = fake_odnix()
    win = build_window(Settings(output_folder=str(tmp / "Odnix")), token_store=TokenStore(keyring))
    win.resize(1280, 700)
    win.show()
    logo = transparent(tmp / "kite-cutout.png")
    clip = CORPUS / "videos" / "portrait_1080x1920_30fps_10s.mp4"
    win.add_paths([logo, clip])
    c = win.queue
    wait_until(app, lambda: win.model.rowCount() == 2 and not c.pending_describes() and not c.pending_collects())
    win.start()
    wait_until(app, lambda: not c.is_busy(), timeout=600)

    items = win.model.items()
    win.select_item(items[0])
    dialog = win.compare_current()
    dialog.resize(1280, 720)
    wait_until(app, lambda: dialog.view.before is not None and not dialog.is_loading(), timeout=60)
    dialog.view.set_mode("odnix")
    wait_until(app, lambda: dialog.view.odnix is not None and not dialog.odnix.is_busy(), timeout=120)
    settle(app)
    dialog.grab().save(str(OUT / "compare-on-odnix.png"))
    dialog.close()

    login = win.show_login()
    login.server.setText(fake.url)
    login.user.setText("moderator")
    login.password.setText("correct horse battery staple")
    login.submit()
    wait_until(app, lambda: win.account.logged_in and not login.isVisible(), timeout=30)
    win.select_item(items[1])
    up = win.upload_selected()
    up.target.setCurrentIndex(up.target.findData(Target.REEL))
    up.caption.setPlainText("Friends, in portrait")
    up.send_original.setChecked(True)
    wait_until(app, lambda: not up.is_checking(), timeout=120)
    up.resize(1000, 640)
    settle(app)
    up.grab().save(str(OUT / "preflight-warning.png"))
    up.reject()
    server.stop()
    win.close()


if __name__ == "__main__":
    main()
