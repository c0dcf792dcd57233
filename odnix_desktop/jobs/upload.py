"""Jobs of the Odnix account and uploads. Each calls the upload core (lazily imported) off the
GUI thread: logging in and out touch the network and the system keyring, checks probe files,
uploads stream bodies. No widgets here.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from odnix_desktop.core.errors import Cancelled, ErrorKind, OdnixError
from odnix_desktop.core.options import CompressOptions, Status
from odnix_desktop.core.progress import Progress
from odnix_desktop.jobs.base import Job

if TYPE_CHECKING:  # the upload client is imported lazily, inside the jobs (requests, keyring)
    from odnix_desktop.core.odnix.shaping import ShapedUpload
    from odnix_desktop.core.upload import (
        HttpSettings,
        Session,
        StoryStyle,
        Target,
        TokenStore,
        UploadHistory,
        UploadResult,
    )
    from odnix_desktop.core.upload.history import HistoryRead
    from odnix_desktop.core.upload.preflight import Check

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- the account
@dataclass(frozen=True, slots=True)
class AccountState:
    """Who is logged in where, and whether the token outlives the app.

    ``session`` is None when nobody is logged in. ``keyring_problem`` is the reason the token
    is kept in memory only (None when the system keyring keeps it).
    """

    session: Session | None
    store: TokenStore
    keyring_problem: str | None
    server: str = ""
    user: str = ""
    note: str = ""  # e.g. "could not reach the server to check the login"


class RestoreJob(Job):
    """At start: the last account (``load_account``) and its token from the keyring, checked
    online with ``verify``. A token the server refuses is forgotten."""

    def __init__(self, key: int, store: TokenStore | None = None, settings: HttpSettings | None = None) -> None:
        super().__init__(key)
        self.store = store
        self.settings = settings

    def work(self) -> AccountState:
        from odnix_desktop.core.upload import TokenStore, UploadError, load_account
        from odnix_desktop.core.upload.resume import resume

        store = self.store if self.store is not None else TokenStore()
        account = load_account()
        if account is None:
            return AccountState(None, store, store.unavailable_reason)
        try:
            resumed = resume(account, store, self.settings, cancel=self.cancel_event)
        except UploadError as exc:  # e.g. the stored address is no longer acceptable
            return AccountState(None, store, store.unavailable_reason, account.server, account.user, str(exc))
        return AccountState(
            resumed.session, store, store.unavailable_reason, account.server, account.user, resumed.note
        )


class LoginJob(Job):
    """``login`` then ``remember``: the token goes to the keyring (or memory only).

    The password lives only in this object until the request is built, then it is dropped.
    """

    def __init__(
        self,
        key: int,
        store: TokenStore,
        server: str,
        user: str,
        password: str,
        *,
        allow_insecure_http: bool = False,
        settings: HttpSettings | None = None,
    ) -> None:
        super().__init__(key)
        self.store = store
        self.server = server
        self.user = user
        self._password = password
        self.allow_insecure_http = allow_insecure_http
        self.settings = settings

    def work(self) -> AccountState:
        from odnix_desktop.core.upload import ServerAddress, login, remember

        password, self._password = self._password, ""
        address = ServerAddress.parse(self.server, allow_insecure_http=self.allow_insecure_http)
        session = login(address, self.user.strip(), password, settings=self.settings, cancel=self.cancel_event)
        del password
        remember(session, self.store)
        return AccountState(session, self.store, self.store.unavailable_reason, session.server.url, session.username)


class LogoutJob(Job):
    """``logout``: forget the token (keyring) and the account."""

    def __init__(self, key: int, store: TokenStore, server: str, user: str) -> None:
        super().__init__(key)
        self.store = store
        self.server = server
        self.user = user

    def work(self) -> AccountState:
        from odnix_desktop.core.upload import Account, logout

        logout(Account(self.server, self.user), self.store)
        return AccountState(None, self.store, self.store.unavailable_reason, self.server, self.user)


# --------------------------------------------------------------------------- checks and history
@dataclass(frozen=True, slots=True)
class PlannedUpload:
    """One item to send: the file (or the source to recompress first) and what goes with it."""

    item_id: int
    source: Path
    media: Path | None  # the compressed output to send as is; None: recompress first
    recompress: CompressOptions | None = None  # the target preset's options when media is None
    why_recompress: str = ""


class PreflightJob(Job):
    """``preflight`` for each planned upload whose file exists (headers only, a probe for clips),
    and for a story the ``StoryStyle``'s own ``problems()``."""

    def __init__(
        self,
        key: int,
        target: Target,
        plans: list[PlannedUpload],
        caption: str,
        history: UploadHistory | None,
        server: str | None,
        user: str | None,
        *,
        style: StoryStyle | None = None,
        background: str = "#ffffff",
        same_posts: str = "as-typed",
    ) -> None:
        super().__init__(key)
        self.background = background  # posts: what transparency is flattened onto
        self.same_posts = same_posts  # several posts with one caption: as typed, numbered or spaced
        self.target = target
        self.plans = plans
        self.caption = caption
        self.history = history
        self.server = server
        self.user = user
        self.style = style  # core.upload.StoryStyle, for a story

    def work(self) -> dict[int, tuple[Check, ...]]:
        """item id -> checks: the PreflightReport's, or the caption's only for a recompression;
        then the story style's."""
        from odnix_desktop.core.upload import preflight
        from odnix_desktop.core.upload.preflight import SamePosts, Target, check_batch_posts, check_caption

        style_checks = self._style_checks()
        out: dict[int, tuple[Check, ...]] = {}
        batch: list[Check] = []
        if self.target is Target.POST and len(self.plans) > 1:  # the duplicate rule across the batch
            batch = check_batch_posts([self.caption] * len(self.plans), SamePosts(self.same_posts))
        for n, plan in enumerate(self.plans):
            if self.cancel_event.is_set():
                return None  # type: ignore[return-value]
            if plan.media is None:
                checks: tuple[Check, ...] = (check_caption(self.target, self.caption),)
            else:
                checks = preflight(
                    self.target,
                    plan.media,
                    self.caption,
                    history=self.history,
                    server=self.server,
                    user=self.user,
                ).checks
            checks += tuple(batch[n : n + 1])
            out[plan.item_id] = checks + style_checks + self._server_notes(plan)
        return out

    def _server_notes(self, plan: PlannedUpload) -> tuple[Check, ...]:
        """What Odnix will do to this upload (core.odnix.notes), as checks that pass: a name
        starting with ``odnix-warning`` says it will shrink, blacken or re-encode it."""
        from odnix_desktop.core.odnix.notes import server_notes
        from odnix_desktop.core.upload import Target
        from odnix_desktop.core.upload.preflight import Check

        # A post is made again from its source (core.odnix.shaping); other targets send the file.
        # The original sent as it is (the user asked for it) is not shaped.
        original = plan.media is not None and plan.media == plan.source
        path = plan.source if plan.media is None or self.target is Target.POST else plan.media
        try:
            found = server_notes(self.target.value, path, background=self.background, shaped=not original)
        except (OdnixError, OSError, ValueError):
            return ()  # the checks above already say what is wrong with the file
        return tuple(Check(f"odnix-{'warning' if n.warning else 'note'}-{n.kind}", True, n.message) for n in found)

    def _style_checks(self) -> tuple[Check, ...]:
        from odnix_desktop.core.upload.preflight import Check

        style = self.style
        if style is None:
            return ()
        problems = style.problems()
        if problems:
            return tuple(Check("story-style", False, problem) for problem in problems)
        return (
            Check(
                "story-style",
                True,
                f"story look: {style.text_color} text on "
                f"{style.background_color}, {style.text_position}, size {style.text_size:g}",
            ),
        )


class HistoryJob(Job):
    """``UploadHistory.read()``: the rows newest first, and the history's notices."""

    def __init__(self, key: int, history: UploadHistory | None = None, limit: int | None = 500) -> None:
        super().__init__(key)
        self.history = history
        self.limit = limit

    def work(self) -> HistoryRead:
        from odnix_desktop.core.upload import UploadHistory

        history = self.history if self.history is not None else UploadHistory()
        return history.read(limit=self.limit)


# --------------------------------------------------------------------------- the upload
@dataclass
class UploadRequest:
    """What the upload dialog asks for (the same for every selected item)."""

    target: Target
    caption: str = ""
    recipient: str = ""
    send_original: bool = False
    story_style: StoryStyle | None = None
    one_time: bool = False
    plans: list[PlannedUpload] = field(default_factory=list)
    background: str = "#ffffff"  # posts: transparency is flattened onto it (core.odnix)
    same_posts: str = "as-typed"  # core.upload.preflight.SamePosts value: several posts numbered, or spaced

    def index_of(self, item_id: int) -> int:
        ids = [p.item_id for p in self.plans]
        return ids.index(item_id) if item_id in ids else 0

    def caption_for(self, item_id: int) -> str:
        """The caption this item is sent with (numbered when several posts go together)."""
        from odnix_desktop.core.upload.preflight import SamePosts, Target, numbered_caption

        if self.target is Target.POST and self.same_posts == SamePosts.NUMBERED.value and len(self.plans) > 1:
            return numbered_caption(self.caption, self.index_of(item_id), len(self.plans))
        return self.caption

    def wait_before(self, item_id: int) -> float:
        """Seconds this item waits before it is sent (spaced posts), from the batch's start."""
        from odnix_desktop.core.upload.preflight import SamePosts, Target, spaced_wait

        if self.target is Target.POST and self.same_posts == SamePosts.SPACED.value:
            return spaced_wait(self.index_of(item_id)).total_seconds()
        return 0.0


class UploadJob(Job):
    """Recompress with the target's preset when needed (``core.compress.run_item``), then
    ``core.upload.upload``. Progress: the compression's, then the bytes sent.

    A failed job leaves ``failure`` set (the error's :class:`ErrorKind`) before its ``failed``
    signal goes out.
    """

    pool_name = "uploads"
    PROGRESS_HZ = 15.0

    def __init__(
        self,
        key: int,
        request: UploadRequest,
        plan: PlannedUpload,
        session: Session,
        history: UploadHistory,
        out_root: Path,
    ) -> None:
        super().__init__(key)
        self.request = request
        self.plan = plan
        self.session = session
        self.history = history
        self.out_root = out_root
        self.failure: ErrorKind | None = None
        self.reason = ""  # the failure without the file name (the row already names the file)
        self.sent_file: Path | None = None
        self._last = 0.0
        self._stage = ""
        self._shaping_dir: Path | None = None
        self.queued_at = time.monotonic()  # spaced posts count their wait from here

    def _report(self, progress: Progress) -> None:
        now = time.monotonic()
        if progress.stage == self._stage and progress.fraction < 1.0 and now - self._last < 1.0 / self.PROGRESS_HZ:
            return
        self._last, self._stage = now, progress.stage
        self.signals.progress.emit(self.key, progress)

    def _compress_report(self, progress: Progress) -> None:
        self._report(Progress(progress.fraction, f"compressing for {self.request.target.title}"))

    def _wait_turn(self) -> None:
        """Spaced posts: wait until this one's turn, the time left shown in the row."""
        until = self.queued_at + self.request.wait_before(self.plan.item_id)
        while (left := until - time.monotonic()) > 0:
            minutes, seconds = divmod(int(left) + 1, 60)
            self.signals.progress.emit(self.key, Progress(0.0, f"waiting {minutes}:{seconds:02d} (3-minute rule)"))
            if self.cancel_event.wait(min(1.0, left)):
                raise Cancelled("cancelled while waiting its turn")

    def work(self) -> UploadResult:
        from odnix_desktop.core.upload import UploadRefusedError, upload

        try:
            self._wait_turn()
            media = self.plan.media
            if media is None:
                media = self._recompress()
            self.sent_file = media
            shaped = self._shape(media)
            result = upload(
                self.request.target,
                self.session,
                shaped.path if shaped is not None else media,
                caption=self.request.caption_for(self.plan.item_id),
                recipient=self.request.recipient,
                style=self.request.story_style,
                one_time=self.request.one_time,
                source=self.plan.source,
                history=self.history,
                report=self._report,
                cancel=self.cancel_event,
            )
            if shaped is not None and shaped.note:  # the row shows what was chosen and why
                result = replace(result, warnings=(*result.warnings, shaped.note))
            return result
        except OdnixError as exc:
            self.failure = exc.kind
            # The server's own words when it refused; else the reason without the file name.
            refused = exc.server_message if isinstance(exc, UploadRefusedError) else ""
            self.reason = refused or exc.reason
            raise
        finally:
            # A copy compressed only for this upload is not kept (the history has its hash).
            if self.plan.media is None and self.sent_file is not None:
                self.sent_file.unlink(missing_ok=True)
            if self._shaping_dir is not None:
                shutil.rmtree(self._shaping_dir, ignore_errors=True)

    def _shape(self, media: Path) -> ShapedUpload | None:
        """core.odnix's shaping for the server's own step (posts and reels), unless the original
        was asked for; the shaped file lives in a folder of its own, deleted afterwards."""
        if self.request.send_original:
            return None
        from odnix_desktop.core.odnix.shaping import shape_for_upload

        self._report(Progress(0.0, "shaping for Odnix"))
        self._shaping_dir = Path(tempfile.mkdtemp(prefix="odnix-shaping-"))
        return shape_for_upload(
            self.request.target.value,
            self.plan.source,
            media,
            self._shaping_dir,
            background=self.request.background,
            cancel=self.cancel_event,
        )

    def _recompress(self) -> Path:
        from odnix_desktop.core.compress import run_item

        assert self.plan.recompress is not None
        self._compress_report(Progress(0.0))
        result = run_item(
            self.plan.source,
            self.out_root,
            self.plan.recompress,
            report=self._compress_report,
            cancel=self.cancel_event,
        )
        if result.status is Status.CANCELLED:
            raise Cancelled(path=self.plan.source)
        if result.status is Status.FAILED or result.output is None:
            raise OdnixError(
                result.error or f"{self.plan.source.name}: could not be compressed for a {self.request.target.title}"
            )
        return result.output
