"""One entry point for any media file: sniff the content, run the matching pipeline.

``run_item`` never raises for a bad file: it turns every failure into a
``failed`` result with a message that names the file, so a batch goes on.
"""

from __future__ import annotations

import logging
import struct
import time
from pathlib import Path, PurePath

from odnix_desktop.core import memory, warn_capture
from odnix_desktop.core.errors import Cancelled, CorruptMediaError, ImageTooLargeError, OdnixError
from odnix_desktop.core.media import MediaKind, SpecialFileError, sniff_kind
from odnix_desktop.core.options import CompressOptions, CompressResult, Status
from odnix_desktop.core.output import mark_output_root
from odnix_desktop.core.progress import CancelToken, Report, no_report

log = logging.getLogger(__name__)

#: What Pillow raises on damaged data besides OSError/ValueError, which the pipelines handle
#: (the fuzzer found SyntaxError from APNG frames, IndexError and struct.error from GIFs).
DAMAGED_DATA_ERRORS = (SyntaxError, IndexError, EOFError, struct.error)
#: The words of the last-resort failure (the fuzzer treats them as a bug found).
UNEXPECTED = "an unexpected error stopped this file"


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
        from PIL.Image import DecompressionBombError

        from odnix_desktop.core.image.pipeline import compress_image

        need = memory.image_estimate(source, options)  # refuses oversized animations
        try:
            with memory.GATE.reserve(need, cancel, source):  # heavy jobs do not run side by side
                result = compress_image(source, out_root, options, rel_dir=rel_dir, report=report, cancel=cancel)
        except DecompressionBombError as exc:  # Pillow's backstop, e.g. a GIF frame far outside the canvas
            raise ImageTooLargeError(f"a frame is too large to decode safely ({exc})", path=source) from None
        except DAMAGED_DATA_ERRORS as exc:  # Pillow's readers on damaged data (the fuzzer: APNG frames)
            raise CorruptMediaError(f"is damaged and cannot be decoded ({exc})", path=source) from None
    else:
        from odnix_desktop.core.video.pipeline import compress_video

        result = compress_video(source, out_root, options, rel_dir=rel_dir, report=report, cancel=cancel)
    if result.output is not None:
        mark_output_root(out_root)  # later runs never take this folder as input
    return result


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
    # Warnings raised anywhere in this job (Pillow, pillow-heif) land here, not on stderr
    # and not in another job's notes; the pipelines turn the ones that matter into notes.
    with warn_capture.collect() as caught:
        result = _run(source, out_root, options, rel_dir, report, cancel, started)
    for text in dict.fromkeys(caught):
        log.info("%s: %s", source.name, text)
    return result


def _run(
    source: Path,
    out_root: Path,
    options: CompressOptions,
    rel_dir: PurePath,
    report: Report,
    cancel: CancelToken | None,
    started: float,
) -> CompressResult:
    try:
        return compress(source, out_root, options, rel_dir=rel_dir, report=report, cancel=cancel)
    except Cancelled:
        return CompressResult(source=source, status=Status.CANCELLED, seconds=time.perf_counter() - started)
    except SpecialFileError as exc:  # a FIFO, socket or device: never opened, not a failure
        return CompressResult(
            source=source, status=Status.SKIPPED, warnings=(str(exc),), seconds=time.perf_counter() - started
        )
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
    except Exception as exc:  # noqa: BLE001 - the last net: a batch never stops on one file
        log.exception("unexpected error on %s", source)
        return CompressResult(
            source=source,
            status=Status.FAILED,
            error=f"{source.name}: {UNEXPECTED} ({type(exc).__name__}: {exc}); it was not compressed",
            seconds=time.perf_counter() - started,
        )
