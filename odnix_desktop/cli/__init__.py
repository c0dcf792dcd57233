"""``odnix-compress``: the command line. Each subcommand lives in its own module of this package;
``main`` picks one by the first argument (compressing when it names no subcommand).

Subcommand modules are imported only when chosen, so that compressing does not load the upload
client (requests, keyring) at start-up.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from odnix_desktop.cli.common import EXIT_USAGE

SUBCOMMANDS = ("login", "logout", "upload", "history", "watch")


def _subcommand(name: str) -> Callable[[Sequence[str]], int]:
    if name == "upload":
        from odnix_desktop.cli.upload import upload_main

        return upload_main
    if name == "watch":
        from odnix_desktop.cli.watch import watch_main

        return watch_main
    if name == "history":
        from odnix_desktop.cli.history import history_main

        return history_main
    from odnix_desktop.cli.account import login_main, logout_main

    return login_main if name == "login" else logout_main


def main(argv: Sequence[str] | None = None) -> int:
    from odnix_desktop.cli.compress import compress_main

    argv = list(sys.argv[1:] if argv is None else argv)
    run = _subcommand(argv[0]) if argv and argv[0] in SUBCOMMANDS else None
    try:
        return run(argv[1:]) if run is not None else compress_main(argv)
    except SystemExit as exc:  # argparse: usage errors exit 2
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE


__all__ = ["SUBCOMMANDS", "main"]
