"""``odnix-compress upload``: compress with the target's preset, then send to an Odnix server.

``upload_main`` takes the arguments after the subcommand and returns the exit status:
0 everything went, 1 something failed (or nobody is logged in), 2 usage, 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from odnix_desktop.cli.account import PASSWORD_ENV, NotLoggedIn, SessionSource, address
from odnix_desktop.cli.common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    add_verbose,
    configure_logging,
    err,
    escape,
    human,
    interruptible,
    parse_quality,
)
from odnix_desktop.core.batch import SkippedFile, WorkItem, collect
from odnix_desktop.core.errors import Cancelled, ErrorKind, OdnixError
from odnix_desktop.core.odnix.posts import parse_background
from odnix_desktop.core.odnix.shaping import ShapedUpload, shape_for_upload
from odnix_desktop.core.options import CompressOptions, CompressResult, Status
from odnix_desktop.core.progress import Progress
from odnix_desktop.core.upload import (
    Account,
    HttpSettings,
    LoginFailedError,
    LoginRequiredError,
    ServerAddress,
    StoryStyle,
    Target,
    TokenStore,
    UploadError,
    UploadHistory,
    UploadProgress,
    UploadResult,
    load_account,
    upload,
)

log = logging.getLogger("odnix_desktop.cli")


# --------------------------------------------------------------------------- upload
def _upload_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="odnix-compress upload",
        description="Compress each file with the preset of the target, then upload the compressed "
        "output to Odnix. Uses the stored login; without one, logs in with --user and "
        f"${PASSWORD_ENV}.",
    )
    p.add_argument("paths", nargs="+", type=Path, metavar="FILES", help="photos or clips (folders are walked)")
    p.add_argument("--to", required=True, choices=[t.value for t in Target], help="where the files go")
    p.add_argument("--caption", default="", help="caption (post, reel), story text or chat text")
    p.add_argument("--chat-user", help="recipient of a chat upload")
    p.add_argument("--one-time", action="store_true", help="chat: the recipient can view it once")
    p.add_argument(
        "--text-position",
        choices=("top", "center", "bottom"),
        default="center",
        help="story text position",
    )
    p.add_argument("--text-color", default="#ffffff", help="story text colour (#rrggbb)")
    p.add_argument("--background-color", default="#667eea", help="story background colour (#rrggbb)")
    p.add_argument("--text-size", type=float, default=22.0, help="story text size")
    p.add_argument("--server", help="the Odnix server (default: the account of the last login)")
    p.add_argument("--user", help="your user name (default: the account of the last login)")
    p.add_argument(
        "--allow-insecure-http",
        action="store_true",
        help="allow plain http:// to a host other than this computer",
    )
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        help="keep the compressed files in this folder (default: a temporary folder, deleted afterwards)",
    )
    p.add_argument(
        "--quality", type=parse_quality, default=None, help="fixed JPEG/WebP quality (default: the per-photo target)"
    )
    p.add_argument(
        "--send-original",
        action="store_true",
        help="upload the original files as they are, without compressing (not recommended: "
        "stories, chat clips and profile pictures are stored exactly as sent)",
    )
    p.add_argument(
        "--background",
        default="#ffffff",
        metavar="COLOUR",
        help="posts: the colour transparent areas are flattened onto before sending (default white; "
        "Odnix itself would turn them black)",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="one JSON object per item per line: the compression fields plus 'upload'",
    )
    add_verbose(p)
    return p


@dataclass(frozen=True, slots=True)
class UploadOutcome:
    """One item's upload: ``failure`` is None when it went; its kind's ``code`` is the JSON status."""

    failure: ErrorKind | None = None
    id: str | None = None
    url: str | None = None
    error: str | None = None
    shaped_for_server: dict[str, Any] | None = None  # core.odnix.shaping: what was sent and why

    @property
    def status(self) -> str:
        return "done" if self.failure is None else self.failure.code

    @property
    def words(self) -> str:
        return "done" if self.failure is None else self.failure.words

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "id": self.id,
            "url": self.url,
            "error": self.error,
            "shaped_for_server": self.shaped_for_server,
        }

    @property
    def ok(self) -> bool:
        return self.failure is None


def upload_main(argv: Sequence[str]) -> int:
    p = _upload_parser()
    args = p.parse_args(argv)
    configure_logging(args.verbose)
    target = Target(args.to)
    if target is Target.CHAT and not args.chat_user:
        p.error("--to chat needs --chat-user NAME")
    if target is Target.PROFILE and args.caption:
        p.error("a profile picture takes no --caption")
    if args.chat_user and target is not Target.CHAT:
        p.error("--chat-user is only for --to chat")
    try:
        parse_background(args.background)
    except ValueError as exc:
        p.error(f"--background: {exc}")
    opened = _open_account(args)
    if isinstance(opened, int):
        return opened
    sessions, history = opened
    cancel = threading.Event()
    started = time.perf_counter()
    lines = _upload_all(collect(args.paths), target, sessions, history, args, cancel)
    if not args.json:
        _print_table(lines, time.perf_counter() - started)
    if cancel.is_set():
        return EXIT_INTERRUPTED
    failed = any(r.status is Status.FAILED or (r.status is not Status.SKIPPED and not o.ok) for r, o in lines)
    return EXIT_FAILED if failed else EXIT_OK


def _open_account(args: argparse.Namespace) -> tuple[SessionSource, UploadHistory] | int:
    """The session source (logged in, or an exit status saying why not) and the history."""
    account = load_account()
    server_text = args.server or (account.server if account else None)
    user = args.user or (account.user if account and (not args.server or _same_server(account, args.server)) else None)
    if not server_text or not user:
        err("no account: give --server and --user, or run 'odnix-compress login' first")
        return EXIT_USAGE
    allow_insecure = args.allow_insecure_http or bool(
        account and account.allow_insecure_http and _same_server(account, server_text)
    )
    try:
        server = address(server_text, allow_insecure)
    except UploadError as exc:
        err(str(exc))
        return EXIT_USAGE
    sessions = SessionSource(server, user, TokenStore(), HttpSettings())
    try:
        sessions.get()
        history = UploadHistory()
    except (NotLoggedIn, OdnixError) as exc:
        err(str(exc))
        return EXIT_FAILED
    for notice in history.notices:  # a damaged history was set aside
        err(notice)
    return sessions, history


def _upload_all(
    entries: Sequence[WorkItem | SkippedFile],
    target: Target,
    sessions: SessionSource,
    history: UploadHistory,
    args: argparse.Namespace,
    cancel: threading.Event,
) -> list[tuple[CompressResult, UploadOutcome]]:
    """Compress (or take as is) and send each entry in turn; one line per entry."""
    style = StoryStyle(
        text=args.caption,
        background_color=args.background_color,
        text_color=args.text_color,
        text_position=args.text_position,
        text_size=args.text_size,
    )
    lines: list[tuple[CompressResult, UploadOutcome]] = []

    def emit(result: CompressResult, outcome: UploadOutcome) -> None:
        lines.append((result, outcome))
        if args.json:
            sys.stdout.write(json.dumps({**result.to_json(), "upload": outcome.to_json()}, ensure_ascii=False) + "\n")
            sys.stdout.flush()

    progress = _Progress(enabled=sys.stderr.isatty() and not args.json)
    with interruptible(cancel), _output_folder(args.output) as out_root, progress:
        options = CompressOptions(preset=target.value, quality=args.quality)
        for entry in entries:
            if cancel.is_set():
                emit(CompressResult(source=entry.source, status=Status.CANCELLED), UploadOutcome(ErrorKind.CANCELLED))
                continue
            result = _prepare(entry, out_root, options, args.send_original, cancel, progress)
            if result.status in (Status.FAILED, Status.SKIPPED, Status.CANCELLED) or result.output is None:
                failure = ErrorKind.CANCELLED if result.status is Status.CANCELLED else ErrorKind.NOT_SENT
                error = result.error or (result.warnings[0] if result.warnings else None)
                emit(result, UploadOutcome(failure, error=error))
                continue
            shaped = None
            if not args.send_original:
                try:
                    shaped = _shape(target, entry.source, result.output, out_root, args.background, cancel, progress)
                except Cancelled:
                    emit(result, UploadOutcome(ErrorKind.CANCELLED))
                    continue
            outcome = _send(target, sessions, result, args, style, history, cancel, progress, shaped)
            if shaped is not None:
                outcome = replace(outcome, shaped_for_server=shaped.shaped_for_server)
            emit(result, outcome)
    return lines


def _shape(
    target: Target,
    source: Path,
    output: Path,
    out_root: Path,
    background: str,
    cancel: threading.Event,
    progress: _Progress,
) -> ShapedUpload:
    """core.odnix's shaping for the server's own step (what viewers will see, for the fewest bytes)."""
    progress.start(source.name, "shaping for Odnix")
    shaped = shape_for_upload(target.value, source, output, out_root, background=background, cancel=cancel)
    if shaped.note:
        log.info("%s: %s", source.name, shaped.note)
    return shaped


def _same_server(account: Account, server: str) -> bool:
    try:
        return ServerAddress.parse(server, allow_insecure_http=True).url == account.server
    except UploadError:
        return False


def _prepare(
    entry: WorkItem | SkippedFile,
    out_root: Path,
    options: CompressOptions,
    send_original: bool,
    cancel: threading.Event,
    progress: _Progress,
) -> CompressResult:
    from odnix_desktop.core.compress import run_item
    from odnix_desktop.core.inspect import describe

    if isinstance(entry, SkippedFile):
        return CompressResult(
            source=entry.source,
            status=Status.SKIPPED,
            warnings=(f"not a photo or video: {entry.reason}",),
        )
    if send_original:
        try:
            kind, info = describe(entry.source)
        except OdnixError as exc:
            return CompressResult(source=entry.source, status=Status.FAILED, error=str(exc))
        return CompressResult(
            source=entry.source,
            status=Status.KEPT_ORIGINAL,
            output=entry.source,
            before=info,
            after=info,
            kind=kind,
            warnings=("sent as is (--send-original)",),
        )
    progress.start(entry.source.name, "compressing")
    return run_item(
        entry.source,
        out_root,
        options,
        rel_dir=entry.rel_dir,
        report=progress.update,
        cancel=cancel,
    )


def _send(
    target: Target,
    sessions: SessionSource,
    result: CompressResult,
    args: argparse.Namespace,
    style: StoryStyle,
    history: UploadHistory,
    cancel: threading.Event,
    progress: _Progress,
    shaped: ShapedUpload | None = None,
) -> UploadOutcome:
    assert result.output is not None
    media = shaped.path if shaped is not None else result.output
    progress.start(result.source.name, "uploading")
    for attempt in (1, 2):
        try:
            session = sessions.get()
            done: UploadResult = upload(
                target,
                session,
                media,
                caption=args.caption,
                recipient=args.chat_user,
                style=style,
                one_time=args.one_time,
                source=result.source,
                history=history,
                report=progress.update,
                cancel=cancel,
            )
        except Cancelled:
            return UploadOutcome(ErrorKind.CANCELLED)
        except LoginRequiredError as exc:
            # A 401 is refused before anything is stored: safe to send again after a new login
            # (not after a wrong password: that one would only fail again).
            if attempt == 1 and os.environ.get(PASSWORD_ENV) and not isinstance(exc, LoginFailedError):
                try:
                    sessions.renew()
                    continue
                except NotLoggedIn as again:
                    return UploadOutcome(ErrorKind.LOG_IN_AGAIN, error=str(again))
                except OdnixError as again:
                    return UploadOutcome(again.kind, error=str(again))
            hint = "" if isinstance(exc, LoginFailedError) else " (odnix-compress login)"
            return UploadOutcome(exc.kind, error=f"{exc}{hint}")
        except NotLoggedIn as exc:
            return UploadOutcome(ErrorKind.LOG_IN_AGAIN, error=str(exc))
        except OdnixError as exc:
            return UploadOutcome(exc.kind, error=str(exc))
        warning = f" ({'; '.join(done.warnings)})" if done.warnings else ""
        if warning:
            log.warning("%s: %s", result.source.name, warning.strip(" ()"))
        return UploadOutcome(None, done.id, done.url)
    return UploadOutcome(ErrorKind.LOG_IN_AGAIN, error="login failed twice")


@contextmanager
def _output_folder(given: Path | None) -> Iterator[Path]:
    if given is not None:
        yield given
        return
    with tempfile.TemporaryDirectory(prefix="odnix-upload-") as tmp:
        yield Path(tmp)


class _Progress:
    """A rich progress line on a terminal; nothing otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bar: Any = None
        self._task: Any = None
        self._name = ""
        self._what = ""

    def __enter__(self) -> _Progress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, DownloadColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as Bar

            self._bar = Bar(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._bar.__enter__()
            self._task = self._bar.add_task("", total=None)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)

    def start(self, name: str, what: str) -> None:
        self._name, self._what = name, what
        if self._bar is not None:
            self._bar.reset(self._task, description=escape(f"{what} {name}"), total=None)

    def update(self, p: Progress) -> None:
        if self._bar is None:
            return
        if isinstance(p, UploadProgress) and p.bytes_total:
            self._bar.update(
                self._task,
                description=escape(f"{p.stage or self._what} {self._name}"),
                completed=p.bytes_sent,
                total=p.bytes_total,
            )
        elif p.stage:
            self._bar.update(self._task, description=escape(f"{p.stage} {self._name}"))


def _print_table(lines: Sequence[tuple[CompressResult, UploadOutcome]], elapsed: float) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"odnix-compress upload: {len(lines)} items in {elapsed:.1f} s", title_justify="left")
    for col in ("file", "compressed", "size", "upload", "result"):
        table.add_column(col)
    colours = {ErrorKind.MAY_HAVE_BEEN_SENT: "yellow", ErrorKind.CANCELLED: "magenta", ErrorKind.NOT_SENT: "dim"}
    for result, outcome in lines:
        size = human(result.after.bytes) if result.after else "—"
        note = outcome.url or outcome.id or ""
        if outcome.error:
            note = outcome.error
        table.add_row(
            escape(result.source.name),
            result.status.value,
            size,
            f"[{'green' if outcome.failure is None else colours.get(outcome.failure, 'red')}]{outcome.words}[/]",
            escape(note),
        )
    Console(soft_wrap=False).print(table)


__all__: list[str] = ["upload_main"]
