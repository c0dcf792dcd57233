"""``odnix-compress login | logout | upload | history``: the upload half of the command line.

Each ``*_main`` takes the arguments after the subcommand and returns the exit status:
0 everything went, 1 something failed (or nobody is logged in), 2 usage, 130 interrupted.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from odnix_desktop.cli import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    configure_logging,
    parse_quality,
)
from odnix_desktop.core.batch import SkippedFile, WorkItem, collect
from odnix_desktop.core.errors import Cancelled, OdnixError
from odnix_desktop.core.options import CompressOptions, CompressResult, Status
from odnix_desktop.core.progress import Progress
from odnix_desktop.core.upload import (
    Account,
    HttpSettings,
    LoginFailedError,
    LoginRequiredError,
    OutcomeUnknownError,
    PreflightError,
    ServerAddress,
    Session,
    StoryStyle,
    Target,
    TokenStore,
    UploadError,
    UploadHistory,
    UploadProgress,
    UploadRefusedError,
    UploadResult,
    load_account,
    login,
    logout,
    remember,
    restore,
    upload,
    verify,
)

log = logging.getLogger("odnix_desktop.cli")

PASSWORD_ENV = "ODNIX_PASSWORD"


# --------------------------------------------------------------------------- shared helpers
def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("-v", "--verbose", action="count", default=0, help="more log output on stderr")


def _err(message: str) -> None:
    sys.stderr.write(f"odnix-compress: {message}\n")
    sys.stderr.flush()


def _password(prompt: str) -> str | None:
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return from_env
    if not sys.stdin.isatty():
        return None
    return getpass.getpass(prompt)


def _address(server: str, allow_insecure: bool) -> ServerAddress:
    return ServerAddress.parse(server, allow_insecure_http=allow_insecure)


# --------------------------------------------------------------------------- login / logout
def login_main(argv: Sequence[str]) -> int:
    p = argparse.ArgumentParser(
        prog="odnix-compress login",
        description="Log in to an Odnix server. The password is read from a "
        f"prompt, or from ${PASSWORD_ENV} for scripts. The login token goes to "
        "the system keyring (never to a file).",
    )
    p.add_argument("--server", required=True, help="the Odnix server, e.g. https://odnix.example")
    p.add_argument("--user", required=True, help="your user name on that server")
    p.add_argument(
        "--allow-insecure-http",
        action="store_true",
        help="allow plain http:// to a host other than this computer",
    )
    _add_common(p)
    args = p.parse_args(argv)
    configure_logging(args.verbose)
    try:
        server = _address(args.server, args.allow_insecure_http)
    except UploadError as exc:
        _err(str(exc))
        return EXIT_USAGE
    password = _password(f"Password for {args.user} on {server.url}: ")
    if not password:
        _err(f"no password: type it at the prompt (run in a terminal) or set {PASSWORD_ENV}")
        return EXIT_USAGE
    try:
        session = login(server, args.user, password)
    except OdnixError as exc:
        _err(str(exc))
        return EXIT_FAILED
    store = TokenStore()
    persisted = remember(session, store)
    sys.stdout.write(f"Logged in to {server.url} as {session.username}.\n")
    if not persisted:
        sys.stdout.write(
            f"The login token could NOT be stored: {store.unavailable_reason}. "
            "It was kept in memory "
            "only and is gone now that this command ends. For uploads, pass --user and set "
            f"{PASSWORD_ENV}; 'upload' then logs in by itself.\n"
        )
    return EXIT_OK


def logout_main(argv: Sequence[str]) -> int:
    p = argparse.ArgumentParser(prog="odnix-compress logout", description="Forget the stored login token and account.")
    p.add_argument("--server", help="the server to log out of (default: the current account)")
    p.add_argument("--user", help="the user to log out (default: the current account)")
    _add_common(p)
    args = p.parse_args(argv)
    configure_logging(args.verbose)
    account = load_account()
    if args.server or args.user:
        try:
            url = _address(args.server, True).url if args.server else (account.server if account else "")
        except UploadError as exc:
            _err(str(exc))
            return EXIT_USAGE
        user = args.user or (account.user if account else "")
        if not url or not user:
            _err("give both --server and --user (no current account is known)")
            return EXIT_USAGE
        account = Account(url, user)
    if account is None:
        sys.stdout.write("Not logged in.\n")
        return EXIT_OK
    logout(account, TokenStore())
    sys.stdout.write(f"Logged out of {account.server} ({account.user}).\n")
    return EXIT_OK


# --------------------------------------------------------------------------- upload
class NotLoggedIn(Exception):  # noqa: N818 - a CLI outcome, not a core error
    pass


@dataclass
class SessionSource:
    """The session for an upload run: the stored token, else a login with $ODNIX_PASSWORD."""

    server: ServerAddress
    user: str
    store: TokenStore
    settings: HttpSettings
    session: Session | None = None

    def get(self) -> Session:
        if self.session is None:
            stored = restore(
                Account(self.server.url, self.user, self.server.allow_insecure_http),
                self.store,
                self.settings,
            )
            if stored is not None:
                try:
                    self.session = verify(stored)
                    return self.session
                except LoginRequiredError:
                    log.warning(
                        "the stored login for %s on %s is no longer valid",
                        self.user,
                        self.server.url,
                    )
                    self.store.forget(self.server.url, self.user)
            self.session = self._password_login()
        return self.session

    def renew(self) -> Session:
        """After a 401 mid-run: forget the token and log in with the password, if there is one."""
        self.store.forget(self.server.url, self.user)
        self.session = self._password_login()
        return self.session

    def _password_login(self) -> Session:
        password = os.environ.get(PASSWORD_ENV)
        if not password:
            raise NotLoggedIn(
                f"not logged in to {self.server.url} as {self.user}: run "
                f"'odnix-compress login --server {self.server.url} --user {self.user}', "
                f"or set {PASSWORD_ENV} (scripts, CI, no keyring)"
            )
        return login(self.server, self.user, password, settings=self.settings)


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
    p.add_argument("--quality", type=parse_quality, default=None, help="fixed JPEG/WebP quality (default: target)")
    p.add_argument(
        "--send-original",
        action="store_true",
        help="upload the original files as they are, without compressing (not recommended: "
        "stories, chat clips and profile pictures are stored exactly as sent)",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="one JSON object per item per line: the compression fields plus 'upload'",
    )
    _add_common(p)
    return p


@dataclass(frozen=True, slots=True)
class UploadOutcome:
    status: str  # done, refused, preflight-failed, failed, unknown, cancelled, not-sent
    id: str | None = None
    url: str | None = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "id": self.id, "url": self.url, "error": self.error}

    @property
    def ok(self) -> bool:
        return self.status == "done"


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

    account = load_account()
    server_text = args.server or (account.server if account else None)
    user = args.user or (account.user if account and (not args.server or _same_server(account, args.server)) else None)
    if not server_text or not user:
        _err("no account: give --server and --user, or run 'odnix-compress login' first")
        return EXIT_USAGE
    allow_insecure = args.allow_insecure_http or bool(
        account and account.allow_insecure_http and _same_server(account, server_text)
    )
    try:
        server = _address(server_text, allow_insecure)
    except UploadError as exc:
        _err(str(exc))
        return EXIT_USAGE
    sessions = SessionSource(server, user, TokenStore(), HttpSettings())
    try:
        sessions.get()
    except NotLoggedIn as exc:
        _err(str(exc))
        return EXIT_FAILED
    except OdnixError as exc:
        _err(str(exc))
        return EXIT_FAILED
    try:
        history = UploadHistory()
    except OdnixError as exc:
        _err(str(exc))
        return EXIT_FAILED

    style = StoryStyle(
        text=args.caption,
        background_color=args.background_color,
        text_color=args.text_color,
        text_position=args.text_position,
        text_size=args.text_size,
    )
    entries = collect(args.paths)
    cancel = threading.Event()
    started = time.perf_counter()
    lines: list[tuple[CompressResult, UploadOutcome]] = []
    progress = _Progress(enabled=sys.stderr.isatty() and not args.json)

    def emit(result: CompressResult, outcome: UploadOutcome) -> None:
        lines.append((result, outcome))
        if args.json:
            sys.stdout.write(json.dumps({**result.to_json(), "upload": outcome.to_json()}, ensure_ascii=False) + "\n")
            sys.stdout.flush()

    with _interruptible(cancel), _output_folder(args.output) as out_root, progress:
        options = CompressOptions(preset=target.value, quality=args.quality)
        for entry in entries:
            if cancel.is_set():
                emit(
                    CompressResult(source=entry.source, status=Status.CANCELLED),
                    UploadOutcome("cancelled"),
                )
                continue
            result = _prepare(entry, out_root, options, args.send_original, cancel, progress)
            if result.status in (Status.FAILED, Status.SKIPPED, Status.CANCELLED) or result.output is None:
                status = "cancelled" if result.status is Status.CANCELLED else "not-sent"
                emit(
                    result,
                    UploadOutcome(
                        status,
                        error=result.error or (result.warnings[0] if result.warnings else None),
                    ),
                )
                continue
            emit(result, _send(target, sessions, result, args, style, history, cancel, progress))
    if not args.json:
        _print_table(lines, time.perf_counter() - started)
    if cancel.is_set():
        return EXIT_INTERRUPTED
    failed = any(r.status is Status.FAILED or (r.status is not Status.SKIPPED and not o.ok) for r, o in lines)
    return EXIT_FAILED if failed else EXIT_OK


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
) -> UploadOutcome:
    assert result.output is not None
    progress.start(result.source.name, "uploading")
    for attempt in (1, 2):
        try:
            session = sessions.get()
            done: UploadResult = upload(
                target,
                session,
                result.output,
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
            return UploadOutcome("cancelled")
        except LoginFailedError as exc:
            return UploadOutcome("failed", error=str(exc))
        except LoginRequiredError as exc:
            # A 401 is refused before anything is stored: safe to send again after a new login.
            if attempt == 1 and os.environ.get(PASSWORD_ENV):
                try:
                    sessions.renew()
                    continue
                except (NotLoggedIn, OdnixError) as again:
                    return UploadOutcome("failed", error=str(again))
            return UploadOutcome("failed", error=f"{exc} (odnix-compress login)")
        except NotLoggedIn as exc:
            return UploadOutcome("failed", error=str(exc))
        except PreflightError as exc:
            return UploadOutcome("preflight-failed", error=str(exc))
        except UploadRefusedError as exc:
            return UploadOutcome("refused", error=str(exc))
        except OutcomeUnknownError as exc:
            return UploadOutcome("unknown", error=str(exc))
        except OdnixError as exc:
            return UploadOutcome("failed", error=str(exc))
        warning = f" ({'; '.join(done.warnings)})" if done.warnings else ""
        if warning:
            log.warning("%s: %s", result.source.name, warning.strip(" ()"))
        return UploadOutcome("done", done.id, done.url)
    return UploadOutcome("failed", error="login failed twice")


@contextmanager
def _output_folder(given: Path | None) -> Iterator[Path]:
    if given is not None:
        yield given
        return
    with tempfile.TemporaryDirectory(prefix="odnix-upload-") as tmp:
        yield Path(tmp)


@contextmanager
def _interruptible(cancel: threading.Event) -> Iterator[None]:
    """Ctrl+C cancels the current compression or upload (the request is aborted)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)

    def on_interrupt(signum: int, frame: object) -> None:
        cancel.set()
        log.warning("interrupted: cancelling…")

    signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


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
            self._bar.reset(self._task, description=f"{what} {name}", total=None)

    def update(self, p: Progress) -> None:
        if self._bar is None:
            return
        if isinstance(p, UploadProgress) and p.bytes_total:
            self._bar.update(
                self._task,
                description=f"{p.stage or self._what} {self._name}",
                completed=p.bytes_sent,
                total=p.bytes_total,
            )
        elif p.stage:
            self._bar.update(self._task, description=f"{p.stage} {self._name}")


def _print_table(lines: Sequence[tuple[CompressResult, UploadOutcome]], elapsed: float) -> None:
    from rich.console import Console
    from rich.table import Table

    from odnix_desktop.cli import _human

    table = Table(title=f"odnix-compress upload: {len(lines)} items in {elapsed:.1f} s", title_justify="left")
    for col in ("file", "compressed", "size", "upload", "result"):
        table.add_column(col)
    colours = {"done": "green", "unknown": "yellow", "cancelled": "magenta", "not-sent": "dim"}
    for result, outcome in lines:
        size = _human(result.after.bytes) if result.after else "—"
        note = outcome.url or outcome.id or ""
        if outcome.error:
            note = outcome.error
        table.add_row(
            result.source.name,
            result.status.value,
            size,
            f"[{colours.get(outcome.status, 'red')}]{outcome.status}[/]",
            note,
        )
    Console(soft_wrap=False).print(table)


# --------------------------------------------------------------------------- history
def history_main(argv: Sequence[str]) -> int:
    p = argparse.ArgumentParser(prog="odnix-compress history", description="What was uploaded, newest first.")
    p.add_argument("--json", action="store_true", help="one JSON object per upload per line")
    p.add_argument("--limit", type=int, default=50, help="how many uploads to list (default 50; 0 = all)")
    _add_common(p)
    args = p.parse_args(argv)
    configure_logging(args.verbose)
    try:
        rows = UploadHistory().rows(limit=args.limit or None)
    except OdnixError as exc:
        _err(str(exc))
        return EXIT_FAILED
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
            name,
            f"{row.user} @ {row.server}",
            status,
            row.error or row.result_url or row.result_id or "",
        )
    Console(soft_wrap=False).print(table)
    return EXIT_OK


__all__: list[str] = ["history_main", "login_main", "logout_main", "upload_main"]
