"""Upload targets as data: :data:`ENDPOINTS` says, for each target, its endpoint, its fields, its
checks and how its answer is read; :func:`upload` sends any of them, in the same steps:

1. the target's own checks and the local pre-flight checks (:mod:`.preflight`), which raise
   :class:`PreflightError` before any request;
2. online checks that send no media (the chat recipient exists; the reels already on the
   profile, to find the new one afterwards);
3. a history row with status ``sending``, committed before the body goes out;
4. the upload, its answer read by :mod:`.answers` (typed, links checked), then the row completed
   with the outcome (done, refused, failed, unknown, cancelled), whatever happens.

They send the file they are given: the callers (the CLI, the window) hand them the compressed
output of the matching preset.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from odnix_desktop.core.errors import Cancelled, OdnixError
from odnix_desktop.core.media import MediaKind
from odnix_desktop.core.progress import CancelToken, Report, check_cancel, no_report
from odnix_desktop.core.upload import answers
from odnix_desktop.core.upload.answers import Created, LinkPolicy, RawAnswer
from odnix_desktop.core.upload.errors import (
    AnswerNotUnderstoodError,
    OutcomeUnknownError,
    PreflightError,
    UploadRefusedError,
)
from odnix_desktop.core.upload.history import UploadHistory, UploadStatus
from odnix_desktop.core.upload.preflight import MediaFacts, Target, preflight
from odnix_desktop.core.upload.session import Session
from odnix_desktop.core.upload.transport import PROCESSING_STAGE, FilePart, OdnixHttp, Request, UploadProgress

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- what is asked, what came back
@dataclass(frozen=True, slots=True)
class StoryStyle:
    """Text over a story and how it looks (the server's fields and defaults)."""

    text: str = ""
    background_color: str = "#667eea"
    text_color: str = "#ffffff"
    text_position: str = "center"  # top, center, bottom
    text_size: float = 22.0

    def problems(self) -> list[str]:
        found = []
        for name, value in (("background colour", self.background_color), ("text colour", self.text_color)):
            if not _COLOUR.fullmatch(value):
                found.append(f"the {name} {value!r} is not a colour like #667eea")
        if self.text_position not in ("top", "center", "bottom"):
            found.append(f"the text position {self.text_position!r} is not top, center or bottom")
        if not (math.isfinite(self.text_size) and 4 <= self.text_size <= 200):
            found.append(f"the text size {self.text_size!r} is not a number from 4 to 200")
        return found


_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


@dataclass(frozen=True, slots=True)
class Order:
    """What the user asked for one file: the target and what goes with it."""

    target: Target
    caption: str = ""
    recipient: str = ""
    style: StoryStyle = field(default_factory=StoryStyle)
    one_time: bool = False

    @property
    def text(self) -> str:
        """The text sent with the file (the caption; a story's text; none for an avatar)."""
        if self.target is Target.STORY:
            return self.caption or self.style.text
        return "" if self.target is Target.PROFILE else self.caption


@dataclass(frozen=True, slots=True)
class UploadResult:
    """What was created: its id and URL where the server told them (the URL checked: http or
    https on the server's host, else None)."""

    target: Target
    id: str | None
    url: str | None
    history_id: int | None = None
    warnings: tuple[str, ...] = ()
    media_type: str = ""
    chat_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"status": "done", "id": self.id, "url": self.url, "error": None}


# --------------------------------------------------------------------------- the table
Fields = tuple[tuple[str, str], ...]
#: (the connection, the order, the session, cancel, the file) -> what the online checks found.
Before = Callable[[OdnixHttp, Order, Session, CancelToken | None, Path], Any]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One target of the API: where it goes, what it sends, what it checks, how its answer reads."""

    path: str
    what: str
    file_field: str
    fields: Callable[[Order, MediaFacts, Any], Fields]
    parse: Callable[[RawAnswer, LinkPolicy, str, Path], Created]
    #: Local checks of the order (no request), beyond the pre-flight's.
    checks: Callable[[Order, Session, Path], None] = lambda order, session, path: None
    #: Online checks that send no media; their result goes to ``fields`` and ``find``.
    before: Before | None = None
    #: The server works on the file before answering (a long wait, a "processing" stage).
    processes: Callable[[MediaFacts], bool] = lambda facts: False
    #: Safe to send again even if the server may have acted on it.
    idempotent: bool = False
    #: Sent under a unique name (the server stores it under the name it is given).
    unique_name: bool = False
    #: Finds what was created when the answer has no id (or was lost).
    find: Callable[[OdnixHttp, LinkPolicy, Any, Order, CancelToken | None, Path], Created | None] | None = None


def _story_checks(order: Order, session: Session, path: Path) -> None:
    problems = order.style.problems()
    if problems:
        raise PreflightError("; ".join(problems), check="story-style", path=path)


def _chat_checks(order: Order, session: Session, path: Path) -> None:
    if not order.recipient:
        raise PreflightError("no recipient was given for the chat message", check="chat-recipient", path=path)
    if order.recipient.lower() == session.username.lower():
        raise PreflightError("you cannot send a chat message to yourself", check="chat-recipient", path=path)


def _story_fields(order: Order, facts: MediaFacts, _: Any) -> Fields:
    style = order.style
    return (
        ("content", order.text),
        ("story_type", facts.kind.value),
        ("background_color", style.background_color),
        ("text_color", style.text_color),
        ("text_position", style.text_position),
        ("text_size", f"{style.text_size:g}"),
    )


def _chat_fields(order: Order, facts: MediaFacts, chat_id: Any) -> Fields:
    return (("chat_id", str(chat_id)), ("content", order.text)) + ((("one_time", "true"),) if order.one_time else ())


def _open_chat(http: OdnixHttp, order: Order, session: Session, cancel: CancelToken | None, path: Path) -> int:
    """The recipient exists (else a pre-flight failure), and the chat with them: its id."""
    profile = http.send(
        Request("GET", f"/api/profile/{quote(order.recipient, safe='')}/", "the recipient check", idempotent=True),
        cancel=cancel,
        path=path,
    )
    if profile.status == 404:
        raise PreflightError(
            f"there is no user named {order.recipient!r} on {session.server.url}", check="chat-recipient", path=path
        )
    answers.check_success(profile, "the recipient check", path)
    what = f"a chat with {order.recipient}"
    chat = http.send(
        Request("POST", "/api/create-chat/", what, json_body={"username": order.recipient}, idempotent=True),
        cancel=cancel,
        path=path,
    )
    return answers.chat_opened(chat, what, path)


def _reels(
    http: OdnixHttp, links: LinkPolicy, cancel: CancelToken | None, path: Path
) -> tuple[answers.ProfileReel, ...]:
    answer = http.send(Request("GET", "/api/profile/me/", "the profile", idempotent=True), cancel=cancel, path=path)
    return answers.profile_reels(answer, links, path)


def _known_reels(http: OdnixHttp, order: Order, session: Session, cancel: CancelToken | None, path: Path) -> set[str]:
    return {reel.id for reel in _reels(http, session.links, cancel, path)}


def _find_new_reel(
    http: OdnixHttp, links: LinkPolicy, known: Any, order: Order, cancel: CancelToken | None, path: Path
) -> Created | None:
    try:
        new = [reel for reel in _reels(http, links, cancel, path) if reel.id not in known]
    except OdnixError as exc:
        log.warning("could not look up the new reel on the profile: %s", exc)
        return None
    same = [reel for reel in new if reel.caption.strip() == order.caption.strip()] or new
    if not same:
        return None
    newest = max(same, key=lambda reel: (reel.timestamp, int(reel.id) if reel.id.isdigit() else 0))
    return Created(newest.id, newest.url)


def _caption(name: str) -> Callable[[Order, MediaFacts, Any], Fields]:
    return lambda order, facts, _: ((name, order.text),)


ENDPOINTS: Mapping[Target, Endpoint] = {
    Target.POST: Endpoint("/api/post-scribe/", "the post", "image", _caption("content"), answers.post_created),
    Target.REEL: Endpoint(
        "/api/omzo/upload/",
        "the reel",
        "video",
        _caption("caption"),
        answers.reel_accepted,
        before=_known_reels,
        processes=lambda facts: True,
        find=_find_new_reel,
    ),
    Target.STORY: Endpoint(
        "/api/create-story/",
        "the story",
        "media",
        _story_fields,
        answers.story_created,
        checks=_story_checks,
        processes=lambda facts: facts.kind is MediaKind.VIDEO,
    ),
    Target.CHAT: Endpoint(
        "/api/send-message/",
        "the chat message",
        "media",
        _chat_fields,
        answers.message_created,
        checks=_chat_checks,
        before=_open_chat,
    ),
    Target.PROFILE: Endpoint(
        "/api/profile/",
        "the profile picture",
        "avatar",
        lambda order, facts, _: (),
        answers.avatar_created,
        idempotent=True,
        unique_name=True,
    ),
}


# --------------------------------------------------------------------------- the one function
def upload(
    target: Target,
    session: Session,
    media: Path,
    *,
    caption: str = "",
    recipient: str | None = None,
    style: StoryStyle | None = None,
    one_time: bool = False,
    source: Path | None = None,
    history: UploadHistory | None = None,
    report: Report = no_report,
    cancel: CancelToken | None = None,
    now: datetime | None = None,
) -> UploadResult:
    """Send ``media`` to ``target``. Raises :class:`PreflightError` before any request when a
    check fails, the upload errors of :mod:`.errors` after, or :class:`Cancelled`."""
    order = Order(target, caption, (recipient or "").strip().lstrip("@"), style or StoryStyle(), one_time)
    spec = ENDPOINTS[target]
    spec.checks(order, session, media)
    check_cancel(cancel, media)
    history = history if history is not None else UploadHistory()
    report(UploadProgress(0.0, "checking"))
    facts = preflight(
        target,
        media,
        order.text,
        history=history,
        server=session.server.url,
        user=session.username,
        now=now or datetime.now(UTC),
    ).raise_for_failure()
    session.server.check_secrets_allowed()
    http = session.http()
    prepared = spec.before(http, order, session, cancel, media) if spec.before is not None else None
    check_cancel(cancel, media)
    row, size = _begin(history, session, order, media, source, now)
    with _recorded(history, row):
        created = _deliver(spec, http, session, order, facts, media, prepared, report, cancel)
    history.finish(row, UploadStatus.DONE, result_id=created.id, result_url=created.url)
    report(UploadProgress(1.0, "done", bytes_sent=size, bytes_total=size))
    log.info("%s uploaded to %s: id %s %s", target.value, session.server.url, created.id, created.url or "")
    return UploadResult(
        target,
        created.id,
        created.url,
        history_id=row,
        warnings=created.warnings,
        media_type=created.media_type or facts.kind.value,
        chat_id=prepared if target is Target.CHAT else None,
    )


def _deliver(
    spec: Endpoint,
    http: OdnixHttp,
    session: Session,
    order: Order,
    facts: MediaFacts,
    media: Path,
    prepared: Any,
    report: Report,
    cancel: CancelToken | None,
) -> Created:
    """The request of ``spec``, its answer read; what it created, or the error."""
    processes = spec.processes(facts)
    name = f"avatar-{uuid.uuid4().hex}{facts.extension}" if spec.unique_name else _upload_name(media, facts)
    request = Request(
        "POST",
        spec.path,
        spec.what,
        fields=spec.fields(order, facts, prepared),
        file=FilePart(spec.file_field, media, name, facts.content_type),
        idempotent=spec.idempotent,
        after_body_stage=PROCESSING_STAGE if processes else None,
        read_timeout=session.settings.processing_timeout if processes else None,
    )
    try:
        answer = http.send(request, report=report, cancel=cancel, path=media)
    except OutcomeUnknownError:
        found = spec.find(http, session.links, prepared, order, cancel, media) if spec.find else None
        if found is None:
            raise
        return replace(found, warnings=(f"the connection was lost after sending, but {spec.what} is on the profile",))
    created = spec.parse(answer, session.links, spec.what, media)
    if spec.find is None:
        return created
    found = spec.find(http, session.links, prepared, order, cancel, media)
    if found is None:
        missing = f"the server accepted {spec.what} but it is not on the profile yet; no id is known"
        return replace(created, warnings=(missing,))
    return found


@contextmanager
def _recorded(history: UploadHistory, row: int) -> Iterator[None]:
    """Completes the history row with the outcome of an upload that did not succeed."""
    try:
        yield
    except BaseException as exc:
        if isinstance(exc, Cancelled):
            status, error = UploadStatus.CANCELLED, "cancelled before the server answered"
        elif isinstance(exc, OutcomeUnknownError) or (isinstance(exc, AnswerNotUnderstoodError) and exc.accepted):
            status, error = UploadStatus.UNKNOWN, str(exc)
        elif isinstance(exc, UploadRefusedError):
            status, error = UploadStatus.REFUSED, str(exc)
        elif isinstance(exc, OdnixError):
            status, error = UploadStatus.FAILED, str(exc)
        else:
            status, error = UploadStatus.FAILED, f"{type(exc).__name__}: {exc}"
        history.finish(row, status, error=error)
        raise


def _begin(
    history: UploadHistory, session: Session, order: Order, media: Path, source: Path | None, now: datetime | None
) -> tuple[int, int]:
    """The history row, committed before the body goes out: (its id, the file's size)."""
    digest, size = _sha256(media)
    row = history.begin(
        server=session.server.url,
        user=session.username,
        target=order.target.value,
        source=source,
        output=media,
        output_sha256=digest,
        output_bytes=size,
        caption=order.text.strip(),
        started_at=now,
    )
    return row, size


def _sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _upload_name(media: Path, facts: MediaFacts) -> str:
    """The file's own name with the extension of what it really is (the server checks it)."""
    stem = re.sub(r"[^\w.-]+", "_", media.stem, flags=re.ASCII).strip("._") or "upload"
    return f"{stem[:80]}{facts.extension}"


# --------------------------------------------------------------------------- one name per target
def upload_post(session: Session, media: Path, caption: str = "", **options: Any) -> UploadResult:
    """A feed post (scribe) with one image and a caption."""
    return upload(Target.POST, session, media, caption=caption, **options)


def upload_reel(session: Session, media: Path, caption: str = "", **options: Any) -> UploadResult:
    """A reel (omzo). Never sent again automatically once its whole body went out."""
    return upload(Target.REEL, session, media, caption=caption, **options)


def upload_story(session: Session, media: Path, style: StoryStyle | None = None, **options: Any) -> UploadResult:
    """A story (image or clip) with optional text and its style."""
    return upload(Target.STORY, session, media, style=style, **options)


def send_chat_media(session: Session, recipient: str, media: Path, text: str = "", **options: Any) -> UploadResult:
    """A photo or clip in the private chat with ``recipient`` (created if needed)."""
    return upload(Target.CHAT, session, media, caption=text, recipient=recipient, **options)


def upload_profile_picture(session: Session, media: Path, **options: Any) -> UploadResult:
    """The avatar, sent under a unique name."""
    return upload(Target.PROFILE, session, media, **options)
