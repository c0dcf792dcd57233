"""``odnix-compress history``: what was uploaded, newest first."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from odnix_desktop.cli.common import EXIT_FAILED, EXIT_OK, add_verbose, configure_logging, err, escape
from odnix_desktop.core.errors import OdnixError
from odnix_desktop.core.upload import UploadHistory


def history_main(argv: Sequence[str]) -> int:
    p = argparse.ArgumentParser(prog="odnix-compress history", description="What was uploaded, newest first.")
    p.add_argument("--json", action="store_true", help="one JSON object per upload per line")
    p.add_argument("--limit", type=int, default=50, help="how many uploads to list (default 50; 0 = all)")
    add_verbose(p)
    args = p.parse_args(argv)
    configure_logging(args.verbose)
    try:
        read = UploadHistory().read(limit=args.limit or None)
    except OdnixError as exc:
        err(str(exc))
        return EXIT_FAILED
    for notice in read.notices:  # a damaged file set aside, rows skipped
        err(notice)
    rows = read.rows
    if args.json:
        for row in rows:
            sys.stdout.write(json.dumps(row.to_json(), ensure_ascii=False) + "\n")
        return EXIT_OK
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Upload history ({len(rows)} shown)", title_justify="left")
    for col in ("when (UTC)", "target", "file", "account", "status", "result"):
        table.add_column(col)
    for row in rows:
        name = Path(row.source_path or row.output_path or "").name
        status = row.status.value if row.status.value != "sending" else "sending (unfinished)"
        table.add_row(
            row.started_at.strftime("%Y-%m-%d %H:%M:%S"),
            row.target,
            escape(name),
            escape(f"{row.user} @ {row.server}"),
            status,
            escape(row.error or row.result_url or row.result_id or ""),
        )
    Console(soft_wrap=False).print(table)
    return EXIT_OK
