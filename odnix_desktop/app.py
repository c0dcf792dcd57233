"""``odnix-desktop [FILES/FOLDERS...]``: the one place that wires the window together.

Only Qt and the light core modules (settings, presets) are imported before the
window shows; the pipelines (Pillow, ffmpeg) are imported lazily inside workers.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

_T0 = time.perf_counter()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    from odnix_desktop import __version__

    parser = argparse.ArgumentParser(prog="odnix-desktop", description="Compress photos and clips for Odnix.")
    parser.add_argument("paths", nargs="*", type=Path, help="files or folders to queue")
    parser.add_argument("--start", action="store_true", help="start compressing once the items are read")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--quit-after-show", action="store_true", help=argparse.SUPPRESS)  # benchmarks
    parser.add_argument(
        "--self-test", action="store_true", help="check this install offscreen on a generated photo and clip"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    from odnix_desktop.resources import ensure_std_streams

    ensure_std_streams()  # a windowed build has no stdout/stderr
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.self_test:
        from odnix_desktop import selftest

        return selftest.main()
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from odnix_desktop import __version__
    from odnix_desktop.ui import theme
    from odnix_desktop.ui.main_window import MainWindow, app_icon

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName("Odnix Desktop")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("Odnix")
    app.setDesktopFileName("odnix-desktop")
    app.setWindowIcon(app_icon())
    theme.follow_system(app)

    from odnix_desktop.ui.queue_keeper import open_queue_journal

    window = MainWindow(queue_journal=open_queue_journal())
    window.show()
    if window.keeper is not None:
        window.keeper.offer_restore()  # "Restore the last queue (N items, M unfinished)?"
    window.account.restore()  # the last login, from the keyring, checked in a worker
    if args.quit_after_show:
        QTimer.singleShot(0, lambda: _report_shown(app))
    if args.paths:
        window.add_paths(args.paths)
        if args.start:
            window.controller.describedAll.connect(window.start, type=_single_shot())
    return app.exec()


def _single_shot():
    from PySide6.QtCore import Qt

    return Qt.ConnectionType.SingleShotConnection


def _report_shown(app) -> None:
    sys.stdout.write(f"shown {time.perf_counter() - _T0:.4f}\n")
    sys.stdout.flush()
    app.quit()


if __name__ == "__main__":
    raise SystemExit(main())
