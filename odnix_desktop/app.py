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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from odnix_desktop.core.queue_journal import QueueJournal
    from odnix_desktop.core.settings import Settings
    from odnix_desktop.core.upload import HttpSettings, TokenStore, UploadHistory
    from odnix_desktop.ui.main_window import MainWindow
    from odnix_desktop.ui.parts import WindowParts

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


def build(
    settings: Settings | None = None,
    *,
    token_store: TokenStore | None = None,
    http_settings: HttpSettings | None = None,
    history: UploadHistory | None = None,
) -> WindowParts:
    """The runner (and its pools), the queue's model and every controller, wired together.
    ``settings`` default to the saved ones; the others to the real ones (tests pass doubles)."""
    from odnix_desktop.core import settings as settings_store
    from odnix_desktop.jobs.runner import JobRunner
    from odnix_desktop.ui.account import AccountController
    from odnix_desktop.ui.app_settings import SettingsController
    from odnix_desktop.ui.controller import QueueController
    from odnix_desktop.ui.parts import WindowParts
    from odnix_desktop.ui.queue_model import QueueModel
    from odnix_desktop.ui.uploads import UploadController

    held = SettingsController(settings if settings is not None else settings_store.load())
    runner = JobRunner(held.current().workers)
    model = QueueModel()
    model.batch_preset = held.current().batch_preset
    queue = QueueController(model, runner, held.current)
    held.changed.connect(queue.apply_settings)
    account = AccountController(runner, token_store, http_settings)
    uploads = UploadController(model, runner, account, held.current, history)
    return WindowParts(held, runner, model, queue, account, uploads)


def build_window(
    settings: Settings | None = None,
    *,
    token_store: TokenStore | None = None,
    http_settings: HttpSettings | None = None,
    history: UploadHistory | None = None,
    queue_journal: QueueJournal | None = None,
) -> MainWindow:
    """:func:`build`, then the window over those parts (with ``queue_journal``, the queue is
    kept across a crash)."""
    from odnix_desktop.ui.main_window import MainWindow

    parts = build(settings, token_store=token_store, http_settings=http_settings, history=history)
    return MainWindow(parts, queue_journal=queue_journal)


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
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from odnix_desktop import __version__
    from odnix_desktop.ui import theme
    from odnix_desktop.ui.main_window import MainWindow, app_icon

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0]])
    app.setApplicationName("Odnix Desktop")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("Odnix")
    app.setDesktopFileName("odnix-desktop")
    app.setWindowIcon(app_icon())
    from odnix_desktop.ui.queue_keeper import open_queue_journal

    parts = build()
    theme.follow_system(app, lambda: parts.settings.current().color_scheme)
    window = MainWindow(parts, queue_journal=open_queue_journal())
    window.show()
    if window.keeper is not None:
        window.keeper.offer_restore()  # "Restore the last queue (N items, M unfinished)?"
    parts.account.restore()  # the last login, from the keyring, checked in a worker
    if args.quit_after_show:
        QTimer.singleShot(0, lambda: _report_shown(app))
    if args.paths:
        parts.queue.add_paths(args.paths)
        if args.start:
            parts.queue.describedAll.connect(parts.queue.start, type=Qt.ConnectionType.SingleShotConnection)
    return app.exec()


def _report_shown(app: QApplication) -> None:
    sys.stdout.write(f"shown {time.perf_counter() - _T0:.4f}\n")
    sys.stdout.flush()
    app.quit()


if __name__ == "__main__":
    raise SystemExit(main())
