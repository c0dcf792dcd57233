"""One entry point for any media file: sniff the content, run the matching pipeline.

``run_item`` never raises for a bad file: it turns every failure into a
``failed`` result with a message that names the file, so a batch goes on.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path, PurePath

from odnix_desktop.core.dates import copy_times
from odnix_desktop.core.errors import Cancelled, OdnixError
from odnix_desktop.core.media import MediaKind, sniff_kind
from odnix_desktop.core.options import CompressOptions, CompressResult, Status
from odnix_desktop.core.progress import CancelToken, Report, no_report

log = logging.getLogger(__name__)


def compress(
    source: Path,
    out_root: Path,
    options: CompressOptions,
    *,
    rel_dir: PurePath = PurePath(),
    report: Report = no_report,
    cancel: CancelToken | None = None,
) -> CompressResult:
    """Compress one file into ``out_root/rel_dir``. Raises :class:`OdnixError` subclasses."""
    kind = sniff_kind(source)
    if kind is MediaKind.IMAGE:
        from odnix_desktop.core.image.pipeline import compress_image

        return compress_image(source, out_root, options, rel_dir=rel_dir, report=report, cancel=cancel)
    from odnix_desktop.core.video.pipeline import compress_video

    return compress_video(source, out_root, options, rel_dir=rel_dir, report=report, cancel=cancel)


def run_item(
    source: Path,
    out_root: Path,
    options: CompressOptions,
    *,
    rel_dir: PurePath = PurePath(),
    report: Report = no_report,
    cancel: CancelToken | None = None,
) -> CompressResult:
    """Like :func:`compress`, but every outcome is a result: compressed, kept, failed or cancelled."""
    started = time.perf_counter()
    try:
        result = compress(source, out_root, options, rel_dir=rel_dir, report=report, cancel=cancel)
        if options.keep_dates and result.output is not None:
            copy_times(source, result.output)  # core/dates.py: file times only, never EXIF
        return result
    except Cancelled:
        return CompressResult(source=source, status=Status.CANCELLED, seconds=time.perf_counter() - started)
    except OdnixError as exc:
        message = str(exc) if exc.path is not None else f"{source.name}: {exc}"
        log.info("%s", message)
        return CompressResult(source=source, status=Status.FAILED, error=message, seconds=time.perf_counter() - started)
    except MemoryError:
        return CompressResult(
            source=source,
            status=Status.FAILED,
            error=f"{source.name}: ran out of memory",
            seconds=time.perf_counter() - started,
        )
    except OSError as exc:
        return CompressResult(
            source=source,
            status=Status.FAILED,
            error=f"{source.name}: {exc.strerror or exc}",
            seconds=time.perf_counter() - started,
        )
