"""``odnix-compress [options] PATHS``: compress files and folders into an output folder."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from odnix_desktop import __version__
from odnix_desktop.cli.batch_options import add_batch_options
from odnix_desktop.cli.common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    add_verbose,
    configure_logging,
    escape,
    human,
    interruptible,
    parse_crop,
    parse_jobs,
    parse_quality,
    parse_size,
    parse_target,
)
from odnix_desktop.core.batch import SkippedFile, WorkItem, collect
from odnix_desktop.core.eta import EtaEstimator, format_eta
from odnix_desktop.core.itemrun import ItemRunner, open_cache, open_journal
from odnix_desktop.core.media import MediaKind
from odnix_desktop.core.options import DEFAULT_SUFFIX, CompressOptions, CompressResult, Status, check_suffix
from odnix_desktop.core.presets import PRESETS
from odnix_desktop.core.progress import Progress

log = logging.getLogger("odnix_desktop.cli")

DEFAULT_OUT = Path("odnix-compressed")


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
        "--jobs",
        type=parse_jobs,
        default=os.cpu_count() or 1,
        help="items compressed at once, clips one at a time among them (default: cores)",
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
        help="perceived quality each photo must reach (SSIMULACRA2 30-99; default auto: 80 or more where cheap)",
    )
    p.add_argument("--max-bytes", type=parse_size, default=None, help="byte budget per output, e.g. 300k or 2M")
    p.add_argument(
        "--beside-originals",
        nargs="?",
        const=DEFAULT_SUFFIX,
        default=None,
        type=_suffix,
        metavar="SUFFIX",
        help=f"write each output beside its original as NAME{DEFAULT_SUFFIX}.EXT (or NAME<SUFFIX>.EXT) instead "
        "of into --output; originals are never overwritten",
    )
    p.add_argument("--max-dimension", type=int, default=None, help="tighter bound for the longest side")
    p.add_argument("--crop", type=parse_crop, default=None, help="profile crop box LEFT,TOP,RIGHT,BOTTOM")
    p.add_argument("--fps-cap", type=int, choices=(24, 30), default=None, help="video frame-rate cap (default 24)")
    p.add_argument("--no-keep-original", action="store_true", help="always write the compressed output")
    p.add_argument("--force", action="store_true", help="redo items already done into this output folder")
    add_batch_options(p)
    p.add_argument("--json", action="store_true", help="one JSON object per item per line, nothing else on stdout")
    add_verbose(p)
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return p


class Runner:
    """Runs work items: photos on a thread pool (Pillow releases the GIL), clips one at a time.

    Each item goes through :class:`core.itemrun.ItemRunner` (cache, resume journal, dates)."""

    def __init__(
        self,
        args: argparse.Namespace,
        on_result: Callable[[CompressResult], None],
        on_progress: Callable[[int, Progress], None] | None = None,
    ) -> None:
        self.args = args
        self.options = options_from_args(args)
        self.on_result = on_result
        self.on_progress = on_progress
        self.cancel = threading.Event()
        self._items: ItemRunner | None = None
        self._slots = threading.BoundedSemaphore(args.jobs)

    def run(self, entries: Sequence[WorkItem | SkippedFile]) -> list[CompressResult]:
        results: list[CompressResult] = []
        self._items = ItemRunner(
            self.args.output, self.options, force=self.args.force, cache=open_cache(), journal=open_journal()
        )
        lock = threading.Lock()

        def done(result: CompressResult) -> None:
            with lock:
                results.append(result)
                self.on_result(result)

        images = ThreadPoolExecutor(max_workers=self.args.jobs, thread_name_prefix="image")
        videos = ThreadPoolExecutor(max_workers=1, thread_name_prefix="video")
        futures: list[Future[None]] = []
        try:
            work: list[tuple[int, WorkItem, bool]] = []
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
                work.append((index, entry, is_video(entry)))
            # Clips are handed out first: the clip thread takes one of the --jobs slots at once and
            # the photos share the others, instead of every clip waiting for the last photo.
            for index, entry, video in sorted(work, key=lambda w: not w[2]):
                pool = videos if video else images
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
            self._items.finish_folders()
            self._items.close()
        return results

    def _one(self, index: int, item: WorkItem, done: Callable[[CompressResult], None]) -> None:
        assert self._items is not None
        on_progress = self.on_progress

        def report(p: Progress) -> None:
            if on_progress is not None:
                on_progress(index, p)

        # At most --jobs items in flight, clips included: what a rerun after a crash redoes.
        while not self._slots.acquire(timeout=0.2):
            if self.cancel.is_set():
                break
        else:
            try:
                done(self._items.run(item, report, self.cancel))
            finally:
                self._slots.release()
            return
        done(CompressResult(source=item.source, status=Status.CANCELLED))


def options_from_args(args: argparse.Namespace) -> CompressOptions:
    return CompressOptions(
        preset=args.preset,
        quality=args.quality,
        target=args.target,
        max_bytes=args.max_bytes,
        max_dimension=args.max_dimension,
        keep_original_if_smaller=not args.no_keep_original,
        crop=args.crop,
        fps_cap=args.fps_cap,
        keep_dates=not args.no_keep_dates,
        keep_capture_date=args.keep_capture_date,
        min_saving=args.min_saving / 100.0,
        beside_suffix=args.beside_originals,
    )


def is_video(entry: WorkItem) -> bool:
    if entry.kind is not None:
        return entry.kind is MediaKind.VIDEO
    from odnix_desktop.core.errors import OdnixError
    from odnix_desktop.core.media import sniff_kind

    try:
        return sniff_kind(entry.source) is MediaKind.VIDEO
    except (OdnixError, OSError):
        return False


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
            escape(r.source.name) + (f"\n[dim]{escape(note)}[/dim]" if note else ""),
            f"[{colours[r.status]}]{r.status.value}[/]",
            human(r.before.bytes if r.before else None),
            human(r.after.bytes if r.after else None),
            "—" if saved is None else f"{saved:.0%}",
            f"{r.seconds:.2f} s",
        )
    if total_before:
        table.add_section()
        table.add_row("total", "", human(total_before), human(total_after), f"{1 - total_after / total_before:.0%}", "")
    return table


def compress_main(argv: Sequence[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.verbose)
    if args.max_dimension is not None and args.max_dimension < 16:
        parser.error("--max-dimension must be at least 16")
    entries = collect(args.paths, out_root=args.output)
    if args.beside_originals:  # outputs written beside their originals are not inputs again
        ours = args.beside_originals
        entries = [
            SkippedFile(e.source, f"is an output (its name ends with {ours})") if e.source.stem.endswith(ours) else e
            for e in entries
        ]
    started = time.perf_counter()
    interactive = sys.stderr.isatty() and not args.json

    if args.json:

        def emit(result: CompressResult) -> None:
            sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
            sys.stdout.flush()

        runner = Runner(args, emit)
        results = _run_interruptible(runner, entries)
    else:
        runner, results = _run_with_bar(args, entries, interactive)
        order = {entry.source: i for i, entry in enumerate(entries)}
        results.sort(key=lambda r: order.get(r.source, 0))
        from rich.console import Console as Out

        Out(soft_wrap=False).print(_summary_table(results, time.perf_counter() - started))
    if runner.cancel.is_set():
        return EXIT_INTERRUPTED
    return EXIT_FAILED if any(r.status is Status.FAILED for r in results) else EXIT_OK


def _run_interruptible(runner: Runner, entries: Sequence[WorkItem | SkippedFile]) -> list[CompressResult]:
    with interruptible(runner.cancel):
        return runner.run(entries)


def _run_with_bar(
    args: argparse.Namespace, entries: Sequence[WorkItem | SkippedFile], interactive: bool
) -> tuple[Runner, list[CompressResult]]:
    """The run behind a progress bar (on a terminal) with the batch's time left."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as Bar

    console = Console(stderr=True)
    fractions: dict[int, float] = {}
    eta = batch_estimator(entries, probe_clips=interactive)
    order = {entry.source: i for i, entry in enumerate(entries)}
    with Bar(
        TextColumn("[bold]compressing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[eta]}"),
        TextColumn("{task.description}"),
        console=console,
        disable=not interactive,
        transient=True,
    ) as bar:
        task = bar.add_task("", total=len(entries), eta="")
        fraction_lock = threading.Lock()

        def on_progress(index: int, p: Progress) -> None:
            eta.update(index, p.fraction)
            with fraction_lock:
                fractions[index] = p.fraction
                bar.update(task, completed=sum(fractions.values()), eta=format_eta(eta.eta()))

        def on_result(result: CompressResult) -> None:
            index = order.get(result.source)
            if result.status in (Status.COMPRESSED, Status.KEPT_ORIGINAL):
                eta.finish(index)
            else:
                eta.drop(index)
            bar.update(task, description=escape(result.source.name), eta=format_eta(eta.eta()))
            if not interactive and result.status is Status.FAILED:
                console.print(f"failed: {result.error}", highlight=False, markup=False)

        runner = Runner(args, on_result, on_progress)
        results = _run_interruptible(runner, entries)
        bar.update(task, completed=len(entries))
    return runner, results


def batch_estimator(entries: Sequence[WorkItem | SkippedFile], *, probe_clips: bool = True) -> EtaEstimator:
    """An estimator over the batch's items (keyed by index): a photo is one unit, a clip its
    length in seconds (read by a background thread, so the batch starts at once)."""
    eta = EtaEstimator()
    clips: list[tuple[int, Path]] = []
    for index, entry in enumerate(entries):
        if isinstance(entry, SkippedFile):
            continue
        video = is_video(entry)
        eta.add(index, "video" if video else "image", None if video else 1.0)
        if video:
            clips.append((index, entry.source))
    if clips and probe_clips:
        threading.Thread(target=_probe_lengths, args=(eta, clips), name="clip-lengths", daemon=True).start()
    return eta


def _probe_lengths(eta: EtaEstimator, clips: Sequence[tuple[int, Path]]) -> None:
    from odnix_desktop.core.errors import OdnixError
    from odnix_desktop.core.video.probe import probe

    for index, path in clips:
        try:
            duration = probe(path).duration
        except (OdnixError, OSError):
            continue
        if duration:
            eta.set_units(index, duration)


def _suffix(value: str) -> str:
    try:
        return check_suffix(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
