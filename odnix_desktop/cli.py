"""``odnix-compress``: the command line. Wires argument parsing, the core and the terminal together."""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from odnix_desktop import __version__
from odnix_desktop.core.batch import SkippedFile, WorkItem, collect
from odnix_desktop.core.options import CompressOptions, CompressResult, CropBox, Status
from odnix_desktop.core.presets import PRESETS
from odnix_desktop.core.progress import Progress
from odnix_desktop.core.units import human_bytes

log = logging.getLogger("odnix_desktop.cli")

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
DEFAULT_OUT = Path("odnix-compressed")

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]?)(i?b?)\s*$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """``500000``, ``500k``, ``2M``, ``1.5MB``, ``300KiB`` -> bytes."""
    m = _SIZE.match(text)
    if not m:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (try 500k or 2M)")
    number, unit, suffix = float(m.group(1)), m.group(2).lower(), m.group(3).lower()
    base = 1024 if suffix.startswith("i") else 1000
    value = int(number * base ** {"": 0, "k": 1, "m": 2, "g": 3}[unit])
    if value <= 0:
        raise argparse.ArgumentTypeError("the size must be positive")
    return value


def parse_target(text: str) -> str | int:
    """``auto`` or a SSIMULACRA2 score 30..99 (issue 15)."""
    if text.strip().lower() == "auto":
        return "auto"
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'the target is "auto" or a whole number, not {text!r}') from None
    if not 30 <= value <= 99:
        raise argparse.ArgumentTypeError("the target must be between 30 and 99")
    return value


def parse_quality(text: str) -> int:
    try:
        q = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"quality must be a whole number, not {text!r}") from None
    if not 1 <= q <= 100:
        raise argparse.ArgumentTypeError("quality must be between 1 and 100")
    return q


def parse_jobs(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--jobs takes a number, not {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError("--jobs must be at least 1")
    return n


def parse_crop(text: str) -> CropBox:
    try:
        left, top, right, bottom = (int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError("--crop takes LEFT,TOP,RIGHT,BOTTOM in pixels") from None
    if right <= left or bottom <= top:
        raise argparse.ArgumentTypeError("--crop box is empty")
    return CropBox(left, top, right, bottom)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="odnix-compress",
        description="Compress photos and clips with Odnix's media pipelines. "
        "Originals are never modified; outputs never overwrite a file.",
    )
    p.add_argument("paths", nargs="+", type=Path, metavar="PATHS", help="files or folders (walked recursively)")
    p.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default=None,
        help="post, profile, chat, story or reel (default: post for photos, reel for clips)",
    )
    p.add_argument("-o", "--output", type=Path, default=DEFAULT_OUT, help=f"output folder (default: ./{DEFAULT_OUT})")
    p.add_argument(
        "--jobs", type=parse_jobs, default=os.cpu_count() or 1, help="photos compressed in parallel (default: cores)"
    )
    p.add_argument(
        "--quality",
        type=parse_quality,
        default=None,
        help="fixed JPEG/WebP quality on the libjpeg scale; bypasses the perceptual target",
    )
    p.add_argument(
        "--target",
        type=parse_target,
        default="auto",
        help="perceived quality each photo must reach (SSIMULACRA2, 30-99; default auto = 80)",
    )
    p.add_argument("--max-bytes", type=parse_size, default=None, help="byte budget per output, e.g. 300k or 2M")
    p.add_argument("--max-dimension", type=int, default=None, help="tighter bound for the longest side")
    p.add_argument("--crop", type=parse_crop, default=None, help="profile crop box LEFT,TOP,RIGHT,BOTTOM")
    p.add_argument("--fps-cap", type=int, choices=(24, 30), default=None, help="video frame-rate cap (default 24)")
    p.add_argument("--no-keep-original", action="store_true", help="always write the compressed output")
    p.add_argument("--force", action="store_true", help="redo items already done into this output folder")
    p.add_argument("--json", action="store_true", help="one JSON object per item per line, nothing else on stdout")
    p.add_argument("-v", "--verbose", action="count", default=0, help="more log output on stderr")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return p


def configure_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


class Runner:
    """Runs work items: photos on a thread pool (Pillow releases the GIL), clips one at a time."""

    def __init__(
        self,
        args: argparse.Namespace,
        on_result: Callable[[CompressResult], None],
        on_progress: Callable[[int, Progress], None] | None = None,
    ) -> None:
        self.args = args
        self.options = CompressOptions(
            preset=args.preset,
            quality=args.quality,
            target=args.target,
            max_bytes=args.max_bytes,
            max_dimension=args.max_dimension,
            keep_original_if_smaller=not args.no_keep_original,
            crop=args.crop,
            fps_cap=args.fps_cap,
        )
        self.on_result = on_result
        self.on_progress = on_progress
        self.cancel = threading.Event()
        self._cache = None

    def _open_cache(self):
        from odnix_desktop.core.cache import ResultCache
        from odnix_desktop.core.userdirs import cache_dir

        try:
            return ResultCache(cache_dir() / "results.sqlite3")
        except Exception as exc:  # noqa: BLE001 - the cache is an optimisation only
            log.warning("result cache unavailable (%s); every item will be compressed", exc)
            return None

    def run(self, entries: Sequence[WorkItem | SkippedFile]) -> list[CompressResult]:
        results: list[CompressResult] = []
        self._cache = self._open_cache()
        lock = threading.Lock()

        def done(result: CompressResult) -> None:
            with lock:
                results.append(result)
                self.on_result(result)

        images = ThreadPoolExecutor(max_workers=self.args.jobs, thread_name_prefix="image")
        videos = ThreadPoolExecutor(max_workers=1, thread_name_prefix="video")
        futures: list[Future[None]] = []
        try:
            for index, entry in enumerate(entries):
                if isinstance(entry, SkippedFile):
                    done(
                        CompressResult(
                            source=entry.source,
                            status=Status.SKIPPED,
                            warnings=(f"{entry.source.name} {entry.reason}",),
                        )
                    )
                    continue
                pool = videos if entry.kind is not None and entry.kind.value == "video" else images
                if entry.kind is None:
                    pool = videos if _is_video(entry.source) else images
                futures.append(pool.submit(self._one, index, entry, done))
            for fut in futures:
                while True:
                    try:
                        fut.result(timeout=0.2)
                        break
                    except TimeoutError:
                        continue
        finally:
            images.shutdown(wait=True, cancel_futures=True)
            videos.shutdown(wait=True, cancel_futures=True)
            if self._cache is not None:
                self._cache.close()
        return results

    def _one(self, index: int, item: WorkItem, done: Callable[[CompressResult], None]) -> None:
        from odnix_desktop.core.cache import CacheKey
        from odnix_desktop.core.compress import run_item

        if self.cancel.is_set():
            done(CompressResult(source=item.source, status=Status.CANCELLED))
            return
        key = None
        if self._cache is not None and item.source.is_file():
            try:
                key = CacheKey.make(item.source, self.options, self.args.output, item.rel_dir)
                if not self.args.force:
                    hit = self._cache.lookup(key, item.source)
                    if hit is not None:
                        done(hit)
                        return
            except OSError:
                key = None
        report = (lambda p: self.on_progress(index, p)) if self.on_progress else (lambda p: None)
        result = run_item(
            item.source, self.args.output, self.options, rel_dir=item.rel_dir, report=report, cancel=self.cancel
        )
        if key is not None and self._cache is not None:
            try:
                self._cache.store(key, result)
            except OSError as exc:
                log.warning("could not record %s in the cache: %s", item.source, exc)
        done(result)


def _is_video(path: Path) -> bool:
    from odnix_desktop.core.errors import OdnixError
    from odnix_desktop.core.media import MediaKind, sniff_kind

    try:
        return sniff_kind(path) is MediaKind.VIDEO
    except OdnixError:
        return False


def _human(n: int | None) -> str:
    return human_bytes(n) if n is not None else "—"


def _summary_table(results: Sequence[CompressResult], elapsed: float):
    from rich.table import Table

    table = Table(title=f"odnix-compress: {len(results)} items in {elapsed:.1f} s", title_justify="left")
    for col, just in (
        ("file", "left"),
        ("status", "left"),
        ("before", "right"),
        ("after", "right"),
        ("saved", "right"),
        ("time", "right"),
    ):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    colours = {
        Status.COMPRESSED: "green",
        Status.KEPT_ORIGINAL: "cyan",
        Status.SKIPPED: "yellow",
        Status.FAILED: "red",
        Status.CANCELLED: "magenta",
    }
    total_before = total_after = 0
    for r in results:
        saved = r.saved_fraction
        if r.before and r.after:
            total_before += r.before.bytes
            total_after += r.after.bytes
        note = r.error or (r.warnings[0] if r.warnings and r.status is Status.SKIPPED else "")
        table.add_row(
            r.source.name + (f"\n[dim]{note}[/dim]" if note else ""),
            f"[{colours[r.status]}]{r.status.value}[/]",
            _human(r.before.bytes if r.before else None),
            _human(r.after.bytes if r.after else None),
            "—" if saved is None else f"{saved:.0%}",
            f"{r.seconds:.2f} s",
        )
    if total_before:
        table.add_section()
        table.add_row(
            "total", "", _human(total_before), _human(total_after), f"{1 - total_after / total_before:.0%}", ""
        )
    return table


def compress_main(argv: Sequence[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.verbose)
    if args.max_dimension is not None and args.max_dimension < 16:
        parser.error("--max-dimension must be at least 16")
    entries = collect(args.paths)
    started = time.perf_counter()
    interactive = sys.stderr.isatty() and not args.json

    if args.json:

        def emit(result: CompressResult) -> None:
            sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
            sys.stdout.flush()

        runner = Runner(args, emit)
        results = _run_interruptible(runner, entries)
    else:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as Bar

        console = Console(stderr=True)
        fractions: dict[int, float] = {}
        with Bar(
            TextColumn("[bold]compressing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=console,
            disable=not interactive,
            transient=True,
        ) as bar:
            task = bar.add_task("", total=len(entries))
            fraction_lock = threading.Lock()

            def on_progress(index: int, p: Progress) -> None:
                with fraction_lock:
                    fractions[index] = p.fraction
                    bar.update(task, completed=sum(fractions.values()))

            def on_result(result: CompressResult) -> None:
                bar.update(task, description=result.source.name)
                if not interactive and result.status is Status.FAILED:
                    console.print(f"failed: {result.error}", highlight=False)

            runner = Runner(args, on_result, on_progress)
            results = _run_interruptible(runner, entries)
            bar.update(task, completed=len(entries))
        order = {entry.source: i for i, entry in enumerate(entries)}
        results.sort(key=lambda r: order.get(r.source, 0))
        from rich.console import Console as Out

        Out(soft_wrap=False).print(_summary_table(results, time.perf_counter() - started))
    if runner.cancel.is_set():
        return EXIT_INTERRUPTED
    return EXIT_FAILED if any(r.status is Status.FAILED for r in results) else EXIT_OK


def _run_interruptible(runner: Runner, entries: Sequence[WorkItem | SkippedFile]) -> list[CompressResult]:
    """Ctrl+C cancels every job (ffmpeg stops, temporary files go) instead of killing mid-write."""
    previous = signal.getsignal(signal.SIGINT)

    def on_interrupt(signum, frame):  # noqa: ANN001
        runner.cancel.set()
        logging.getLogger("odnix_desktop.cli").warning("interrupted: cancelling…")

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, on_interrupt)
    try:
        return runner.run(entries)
    finally:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, previous)


#: Subcommands other than compressing, as "module:function" taking argv and returning the exit status.
SUBCOMMANDS: dict[str, str] = {
    "login": "odnix_desktop.cli_upload:login_main",
    "logout": "odnix_desktop.cli_upload:logout_main",
    "upload": "odnix_desktop.cli_upload:upload_main",
    "history": "odnix_desktop.cli_upload:history_main",
}


def _subcommand(name: str) -> Callable[[Sequence[str]], int]:
    import importlib

    module, func = SUBCOMMANDS[name].split(":")
    return getattr(importlib.import_module(module), func)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in SUBCOMMANDS:
        try:
            return _subcommand(argv[0])(argv[1:])
        except SystemExit as exc:
            return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    try:
        return compress_main(argv)
    except SystemExit as exc:  # argparse: usage errors exit 2
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
