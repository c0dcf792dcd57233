"""Screenshots of the window from real runs on the shared corpus, for the README.

    xvfb-run -a -s "-screen 0 1600x1000x24" python docs/make_screenshots.py [--corpus DIR]

Writes docs/screenshots/{main,compare-image,compare-video,settings,main-dark}.png.
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=Path("/work/shared/corpus"))
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="odnix-shots-"))
    os.environ["ODNIX_USER_DIR"] = str(tmp / "user")
    os.environ["ODNIX_COLOR_SCHEME"] = "light"

    from PySide6.QtCore import QPointF
    from PySide6.QtWidgets import QApplication

    from odnix_desktop.core.media import MediaKind
    from odnix_desktop.core.settings import Settings
    from odnix_desktop.ui import theme
    from odnix_desktop.ui.main_window import MainWindow, app_icon

    app = QApplication([sys.argv[0]])
    app.setWindowIcon(app_icon())
    theme.apply(app)
    OUT.mkdir(parents=True, exist_ok=True)

    win = MainWindow(Settings(output_folder=str(tmp / "Odnix")))
    win.open_url = lambda url: True
    win.resize(1500, 640)
    win.show()
    wait_until(app, lambda: win.isVisible())
    sources = sorted((args.corpus / "photos").iterdir()) + sorted((args.corpus / "videos").iterdir())
    win.add_paths(sources)
    c = win.controller
    wait_until(app, lambda: win.model.rowCount() == len(sources) and not c.pending_describes()
               and not c.pending_collects())
    win.start()
    wait_until(app, lambda: not c.is_busy(), timeout=900)
    wait_until(app, lambda: win.footer.text().count("done"), timeout=5)
    app.processEvents()
    win.select_item(win.model.item(0))
    time.sleep(0.2)
    app.processEvents()
    win.grab().save(str(OUT / "main.png"))
    for item in win.model.items():
        print(f"{item.source.name}: {item.state.value} {item.error}")

    # Image compare: the phone photo, zoomed in a little around the centre.
    photo = next(i for i in win.model.items() if i.source.name.startswith("plasma_Kite"))
    win.select_item(photo)
    dialog = win.compare_current()
    dialog.resize(1200, 800)
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

    video = next((i for i in win.model.items() if i.kind is MediaKind.VIDEO and i.state.finished), None)
    if video is not None:
        win.select_item(video)
        dialog = win.compare_current()
        dialog.resize(1200, 800)
        wait_until(app, lambda: dialog.view.before is not None and not dialog.is_loading())
        first = dialog._want
        dialog.slider.setValue(420)
        wait_until(app, lambda: dialog._want != first and not dialog.is_loading())
        app.processEvents()
        dialog.grab().save(str(OUT / "compare-video.png"))
        dialog.close()

    settings = win.edit_settings()
    wait_until(app, settings.isVisible)
    app.processEvents()
    settings.grab().save(str(OUT / "settings.png"))
    settings.reject()

    os.environ["ODNIX_COLOR_SCHEME"] = "dark"
    theme.apply(app)
    win.select_item(win.model.item(2))
    app.processEvents()
    time.sleep(0.2)
    app.processEvents()
    win.grab().save(str(OUT / "main-dark.png"))
    win.close()


if __name__ == "__main__":
    main()
