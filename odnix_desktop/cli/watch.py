"""``odnix-compress watch DIR``: compress each new or changed media file under DIR into OUT.

A file is taken once it has stopped changing for the settle time (core/watch.py); each goes
through the same presets, cache and resume journal as a normal run (core/itemrun.py), so a
restart skips what was finished. One line per item on stdout (JSON with --json). Ctrl+C
stops cleanly: the items in flight are cancelled (their temporaries removed), exit 130.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePath

from odnix_desktop.cli.batch_options import add_batch_options
from odnix_desktop.cli.common import (
    DEFAULT_QUALITY,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    add_verbose,
    configure_logging,
    err,
    human,
    interruptible,
    parse_jobs,
    parse_quality,
)
from odnix_desktop.core.batch import WorkItem
from odnix_desktop.core.itemrun import ItemRunner, open_cache, open_journal
from odnix_desktop.core.media import MediaKind
from odnix_desktop.core.options import CompressOptions, CompressResult, Status
from odnix_desktop.core.presets import PRESETS
from odnix_desktop.core.watch import DEFAULT_SETTLE_S, FolderWatcher

DEFAULT_OUT = Path("odnix-compressed")


def _settle(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--settle takes seconds, not {text!r}") from None
    if not 0 <= value <= 3600:
        raise argparse.ArgumentTypeError("--settle is between 0 and 3600 seconds")
    return value


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="odnix-compress watch",
        description="Compress each new or changed photo or clip under DIR, once it has stopped changing.",
    )
    p.add_argument("dir", type=Path, metavar="DIR", help="the folder to watch (with its sub-folders)")
    p.add_argument("-o", "--output", type=Path, default=DEFAULT_OUT, help=f"output folder (default: ./{DEFAULT_OUT})")
    p.add_argument("--preset", choices=sorted(PRESETS), default=None, help="default: post for photos, reel for clips")
    p.add_argument(
        "--settle",
        type=_settle,
        default=DEFAULT_SETTLE_S,
        metavar="SECONDS",
        help=f"a file is taken once unchanged this long (default {DEFAULT_SETTLE_S:g})",
    )
    p.add_argument("--jobs", type=parse_jobs, default=os.cpu_count() or 1, help="photos compressed in parallel")
    p.add_argument("--quality", type=parse_quality, default=DEFAULT_QUALITY, help="JPEG/WebP quality")
    p.add_argument("--polling", action="store_true", help="poll the folder (network shares) instead of OS events")
    p.add_argument("--json", action="store_true", help="one JSON object per item per line")
    add_batch_options(p)
    add_verbose(p)
    return p


def describe_line(result: CompressResult) -> str:
    """One line for a person: status, file, sizes, output (or the reason)."""
    line = f"{result.status.value:<13} {result.source}"
    if result.before and result.after:
        saved = result.saved_fraction or 0.0
        line += f"  {human(result.before.bytes)} -> {human(result.after.bytes)} ({saved:.0%} saved)"
    if result.output is not None:
        line += f"  -> {result.output}"
    note = result.error or (result.warnings[0] if result.warnings else "")
    return line + (f"  [{note}]" if note else "")


class Watch:
    """The pools and the printing around a :class:`FolderWatcher`."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.root = args.dir.resolve()
        self.json = args.json
        options = CompressOptions(
            preset=args.preset,
            quality=args.quality,
            keep_dates=not args.no_keep_dates,
            keep_capture_date=args.keep_capture_date,
            min_saving=args.min_saving / 100.0,
        )
        self.items = ItemRunner(args.output, options, cache=open_cache(), journal=open_journal())
        self.cancel = threading.Event()
        self._print = threading.Lock()
        self._images = ThreadPoolExecutor(max_workers=args.jobs, thread_name_prefix="watch-image")
        self._videos = ThreadPoolExecutor(max_workers=1, thread_name_prefix="watch-video")
        self.watcher = FolderWatcher(
            self.root, self.on_ready, out=args.output, settle=args.settle, polling=args.polling
        )

    def emit(self, result: CompressResult) -> None:
        text = json.dumps(result.to_json(), ensure_ascii=False) if self.json else describe_line(result)
        with self._print:
            sys.stdout.write(text + "\n")
            sys.stdout.flush()

    def on_ready(self, path: Path) -> None:
        from odnix_desktop.core.errors import OdnixError
        from odnix_desktop.core.media import sniff_kind

        try:
            kind = sniff_kind(path)
        except (OdnixError, OSError) as exc:
            reason = getattr(exc, "reason", None) or str(exc)
            self.emit(CompressResult(source=path, status=Status.SKIPPED, warnings=(f"{path.name} {reason}",)))
            return
        item = WorkItem(path, PurePath(path.parent.relative_to(self.root)), kind)
        pool = self._videos if kind is MediaKind.VIDEO else self._images
        pool.submit(self._work, item)

    def _work(self, item: WorkItem) -> None:
        result = self.items.run(item, cancel=self.cancel)
        self.items.finish_folders()
        self.emit(result)

    def run(self) -> int:
        with interruptible(self.cancel):
            self.watcher.start()
            if not self.json:
                err(f"watching {self.root} -> {self.items.out_root} (Ctrl+C stops)")
            while not self.cancel.wait(0.25):
                pass
        self.watcher.stop()
        self._images.shutdown(wait=True, cancel_futures=True)
        self._videos.shutdown(wait=True, cancel_futures=True)
        self.items.close()
        return EXIT_INTERRUPTED


def watch_main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(args.verbose)
    if not args.dir.is_dir():
        err(f"{args.dir} is not a folder")
        return EXIT_USAGE
    return Watch(args).run()
