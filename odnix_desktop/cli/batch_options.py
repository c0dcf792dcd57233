"""The options of batches that survive (issue 12), shared by ``odnix-compress`` and its ``watch``."""

from __future__ import annotations

import argparse

from odnix_desktop.core.options import DEFAULT_MIN_SAVING


def parse_percent(text: str) -> float:
    try:
        value = float(text.rstrip("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--min-saving takes a percentage, not {text!r}") from None
    if not 0 <= value < 100:
        raise argparse.ArgumentTypeError("--min-saving is a percentage from 0 to 99")
    return value


def add_batch_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--no-keep-dates",
        action="store_true",
        help="do not give outputs their source's file dates (kept by default; never written into the file)",
    )
    p.add_argument(
        "--keep-capture-date",
        action="store_true",
        help="clips keep their creation_time tag (only that tag: no location, device or encoder)",
    )
    p.add_argument(
        "--min-saving",
        type=parse_percent,
        default=DEFAULT_MIN_SAVING * 100,
        metavar="PCT",
        help="keep a source that already meets the preset when the output would save less than PCT%% "
        f"(default {DEFAULT_MIN_SAVING * 100:g})",
    )
