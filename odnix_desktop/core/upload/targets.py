"""One function per upload target, each returning a typed result.

Every function follows the core contract (``report`` gets :class:`UploadProgress`, ``cancel``
is a :class:`threading.Event`) and the same steps:

1. the local pre-flight checks (:mod:`.preflight`), which raise :class:`PreflightError` before
   any request;
2. online checks that send no media (the chat recipient exists; the reels already on the
   profile, to find the new one afterwards);
3. a history row with status ``sending``, committed before the body goes out;
4. the upload, then the row completed with the outcome (done, refused, failed, unknown,
   cancelled), whatever happens.

They send the file they are given: the callers (the CLI, the window) hand them the compressed
output of the matching preset.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from odnix_desktop.core.errors import Cancelled, OdnixError
from odnix_desktop.core.progress import CancelToken, Report, check_cancel, no_report
from odnix_desktop.core.upload.errors import (
    OutcomeUnknownError,
    PreflightError,
    ServerError,
    UploadRefusedError,
)
from odnix_desktop.core.upload.history import UploadHistory, UploadStatus
from odnix_desktop.core.upload.preflight import MediaFacts, Target, preflight
from odnix_desktop.core.upload.session import Session
from odnix_desktop.core.upload.transport import (
    PROCESSING_STAGE,
    Answer,
    FilePart,
    OdnixHttp,
    Request,
    UploadProgress,
)

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- results
@dataclass(frozen=True, slots=True)
class UploadResult:
    """What was created: its id and URL where the server tells them."""

    target: Target
    id: str | None
    url: str | None
    history_id: int | None = None
    warnings: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {"status": "done", "id": self.id, "url": self.url, "error": None}


@dataclass(frozen=True, slots=True)
class PostResult(UploadResult):
    """A scribe: ``id`` and the URL of its (server re-encoded) image."""


@dataclass(frozen=True, slots=True)
class ReelResult(UploadResult):
    """An omzo; its id comes from ``GET /api/profile/me/`` (the upload answer has none)."""


@dataclass(frozen=True, slots=True)
class StoryResult(UploadResult):
    media_type: str = ""


@dataclass(frozen=True, slots=True)
class ChatResult(UploadResult):
    chat_id: int = 0
    media_type: str = ""


@dataclass(frozen=True, slots=True)
class ProfilePictureResult(UploadResult):
    """The new avatar's URL (the server keeps no id for it)."""


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
        for name, value in (
            ("background colour", self.background_color),
            ("text colour", self.text_color),
        ):
            if not _COLOUR.fullmatch(value):
                found.append(f"the {name} {value!r} is not a colour like #667eea")
        if self.text_position not in ("top", "center", "bottom"):
            found.append(f"the text position {self.text_position!r} is not top, center or bottom")
        if not (math.isfinite(self.text_size) and 4 <= self.text_size <= 200):
            found.append(f"the text size {self.text_size!r} is not a number from 4 to 200")
        return found


_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")

R = TypeVar("R", bound=UploadResult)


# --------------------------------------------------------------------------- targets
def upload_post(
    session: Session,
    media: Path,
    caption: str = "",
    *,
    source: Path | None = None,
    history: UploadHistory | None = None,
    report: Report = no_report,
    cancel: CancelToken | None = None,
    now: datetime | None = None,
) -> PostResult:
    """A feed post (scribe) with one image and a caption."""

    def send(http: OdnixHttp, facts: MediaFacts, _: Any) -> PostResult:
        answer = http.send(
            Request(
                "POST",
                "/api/post-scribe/",
                "the post",
                fields=(("content", caption),),
                file=FilePart("image", media, _upload_name(media, facts), facts.content_type),
            ),
            report=report,
            cancel=cancel,
            path=media,
        )
        answer.raise_for_failure("the post", media)
        scribe = _object(answer.data, "scribe", "the post", media)
        return PostResult(
            Target.POST,
            _text(scribe.get("id")),
            session.server.absolute(scribe.get("image_url") or scribe.get("media_url")),
        )

    return _run(
        Target.POST,
        session,
        media,
        caption,
        send,
        source=source,
        history=history,
        report=report,
        cancel=cancel,
        now=now,
    )


def upload_reel(
    session: Session,
    media: Path,
    caption: str = "",
    *,
    source: Path | None = None,
    history: UploadHistory | None = None,
    report: Report = no_report,
    cancel: CancelToken | None = None,
    now: datetime | None = None,
) -> ReelResult:
    """A reel (omzo). Never re-sent automatically once its whole body went out."""

    def before(http: OdnixHttp) -> set[str]:
        return set(_omzos(http, cancel, media))

    def send(http: OdnixHttp, facts: MediaFacts, known: set[str]) -> ReelResult:
        request = Request(
            "POST",
            "/api/omzo/upload/",
            "the reel",
            fields=(("caption", caption),),
            file=FilePart("video", media, _upload_name(media, facts), facts.content_type),
            after_body_stage=PROCESSING_STAGE,
            read_timeout=session.settings.processing_timeout,
        )
        try:
            answer = http.send(request, report=report, cancel=cancel, path=media)
        except OutcomeUnknownError:
            found = _find_new_reel(http, known, caption, cancel, media)
            if found is None:
                raise
            return replace(
                found,
                warnings=("the connection was lost after sending, but the reel is on the profile",),
            )
        answer.raise_for_failure("the reel", media)
        found = _find_new_reel(http, known, caption, cancel, media)
        if found is None:
            return ReelResult(
                Target.REEL,
                None,
                None,
                warnings=("the server accepted the reel but it is not on the profile yet; no id is known",),
            )
        return found

    return _run(
        Target.REEL,
        session,
        media,
        caption,
        send,
        before=before,
        source=source,
        history=history,
        report=report,
        cancel=cancel,
        now=now,
    )


def upload_story(
    session: Session,
    media: Path,
    style: StoryStyle | None = None,
    *,
    source: Path | None = None,
    history: UploadHistory | None = None,
    report: Report = no_report,
    cancel: CancelToken | None = None,
    now: datetime | None = None,
) -> StoryResult:
    """A story (image or clip) with optional text and its style."""
    style = style or StoryStyle()
    problems = style.problems()
    if problems:
        raise PreflightError("; ".join(problems), check="story-style", path=media)

    def send(http: OdnixHttp, facts: MediaFacts, _: Any) -> StoryResult:
        answer = http.send(
            Request(
                "POST",
                "/api/create-story/",
                "the story",
                fields=(
                    ("content", style.text),
                    ("story_type", facts.kind.value),
                    ("background_color", style.background_color),
                    ("text_color", style.text_color),
                    ("text_position", style.text_position),
                    ("text_size", f"{style.text_size:g}"),
                ),
                file=FilePart("media", media, _upload_name(media, facts), facts.content_type),
                after_body_stage=PROCESSING_STAGE if facts.kind.value == "video" else None,
                read_timeout=session.settings.processing_timeout if facts.kind.value == "video" else None,
            ),
            report=report,
            cancel=cancel,
            path=media,
        )
        answer.raise_for_failure("the story", media)
        story = _object(answer.data, "story", "the story", media)
        return StoryResult(
            Target.STORY,
            _text(story.get("id")),
            session.server.absolute(story.get("media_url")),
            media_type=str(story.get("story_type") or facts.kind.value),
        )

    return _run(
        Target.STORY,
        session,
        media,
        style.text,
        send,
        source=source,
        history=history,
        report=report,
        cancel=cancel,
        now=now,
    )


def send_chat_media(
    session: Session,
    recipient: str,
    media: Path,
    text: str = "",
    *,
    one_time: bool = False,
    source: Path | None = None,
    history: UploadHistory | None = None,
    report: Report = no_report,
    cancel: CancelToken | None = None,
    now: datetime | None = None,
) -> ChatResult:
    """A photo or clip in the private chat with ``recipient`` (created if needed)."""
    recipient = recipient.strip().lstrip("@")
    if not recipient:
        raise PreflightError("no recipient was given for the chat message", check="chat-recipient", path=media)
    if recipient.lower() == session.username.lower():
        raise PreflightError("you cannot send a chat message to yourself", check="chat-recipient", path=media)

    def before(http: OdnixHttp) -> int:
        found = _profile(http, recipient, cancel, media)
        if found.status == 404:
            raise PreflightError(
                f"there is no user named {recipient!r} on {session.server.url}",
                check="chat-recipient",
                path=media,
            )
        found.raise_for_failure("the recipient check", media)
        chat = http.send(
            Request(
                "POST",
                "/api/create-chat/",
                "the chat",
                json_body={"username": recipient},
                idempotent=True,
            ),
            cancel=cancel,
            path=media,
        )
        chat.raise_for_failure(f"a chat with {recipient}", media)
        chat_id = chat.data.get("chat_id")
        if not isinstance(chat_id, int):
            raise ServerError("the server created the chat but sent no chat id", path=media)
        return chat_id

    def send(http: OdnixHttp, facts: MediaFacts, chat_id: int) -> ChatResult:
        fields = [("chat_id", str(chat_id)), ("content", text)]
        if one_time:
            fields.append(("one_time", "true"))
        answer = http.send(
            Request(
                "POST",
                "/api/send-message/",
                "the chat message",
                fields=tuple(fields),
                file=FilePart("media", media, _upload_name(media, facts), facts.content_type),
            ),
            report=report,
            cancel=cancel,
            path=media,
        )
        answer.raise_for_failure("the chat message", media)
        message = _object(answer.data, "message", "the chat message", media)
        return ChatResult(
            Target.CHAT,
            _text(message.get("id")),
            session.server.absolute(message.get("media_url")),
            chat_id=chat_id,
            media_type=str(message.get("media_type") or facts.kind.value),
        )

    return _run(
        Target.CHAT,
        session,
        media,
        text,
        send,
        before=before,
        source=source,
        history=history,
        report=report,
        cancel=cancel,
        now=now,
    )


def upload_profile_picture(
    session: Session,
    media: Path,
    *,
    source: Path | None = None,
    history: UploadHistory | None = None,
    report: Report = no_report,
    cancel: CancelToken | None = None,
    now: datetime | None = None,
) -> ProfilePictureResult:
    """The avatar. Sent under a unique name: the server stores it under the name it is given."""

    def send(http: OdnixHttp, facts: MediaFacts, _: Any) -> ProfilePictureResult:
        name = f"avatar-{uuid.uuid4().hex}{facts.extension}"
        answer = http.send(
            Request(
                "POST",
                "/api/profile/",
                "the profile picture",
                file=FilePart("avatar", media, name, facts.content_type),
                idempotent=True,
            ),
            report=report,
            cancel=cancel,
            path=media,
        )
        answer.raise_for_failure("the profile picture", media)
        user = _object(answer.data, "user", "the profile picture", media)
        url = user.get("profile_picture") or user.get("profile_picture_url")
        return ProfilePictureResult(Target.PROFILE, None, session.server.absolute(str(url) if url else None))

    return _run(
        Target.PROFILE,
        session,
        media,
        "",
        send,
        source=source,
        history=history,
        report=report,
        cancel=cancel,
        now=now,
    )


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
) -> UploadResult:
    """Dispatch to the function of ``target`` (for the CLI and the window)."""
    common: dict[str, Any] = {
        "source": source,
        "history": history,
        "report": report,
        "cancel": cancel,
    }
    if target is Target.POST:
        return upload_post(session, media, caption, **common)
    if target is Target.REEL:
        return upload_reel(session, media, caption, **common)
    if target is Target.STORY:
        story_style = replace(style, text=caption or style.text) if style else StoryStyle(text=caption)
        return upload_story(session, media, story_style, **common)
    if target is Target.CHAT:
        return send_chat_media(session, recipient or "", media, caption, one_time=one_time, **common)
    return upload_profile_picture(session, media, **common)


# --------------------------------------------------------------------------- shared steps
def _run(
    target: Target,
    session: Session,
    media: Path,
    caption: str,
    send: Callable[[OdnixHttp, MediaFacts, Any], R],
    *,
    before: Callable[[OdnixHttp], Any] | None = None,
    source: Path | None,
    history: UploadHistory | None,
    report: Report,
    cancel: CancelToken | None,
    now: datetime | None,
) -> R:
    check_cancel(cancel, media)
    history = history if history is not None else UploadHistory()
    report(UploadProgress(0.0, "checking"))
    facts = preflight(
        target,
        media,
        caption,
        history=history,
        server=session.server.url,
        user=session.username,
        now=now or datetime.now(UTC),
    ).raise_for_failure()
    session.server.check_secrets_allowed()
    http = session.http()
    prepared = before(http) if before is not None else None
    check_cancel(cancel, media)
    digest, size = _sha256(media)
    row = history.begin(
        server=session.server.url,
        user=session.username,
        target=target.value,
        source=source,
        output=media,
        output_sha256=digest,
        output_bytes=size,
        caption=caption.strip(),
        started_at=now,
    )
    try:
        result = send(http, facts, prepared)
    except Cancelled:
        history.finish(row, UploadStatus.CANCELLED, error="cancelled before the server answered")
        raise
    except OutcomeUnknownError as exc:
        history.finish(row, UploadStatus.UNKNOWN, error=str(exc))
        raise
    except UploadRefusedError as exc:
        history.finish(row, UploadStatus.REFUSED, error=str(exc))
        raise
    except OdnixError as exc:
        history.finish(row, UploadStatus.FAILED, error=str(exc))
        raise
    except BaseException as exc:
        history.finish(row, UploadStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
        raise
    history.finish(row, UploadStatus.DONE, result_id=result.id, result_url=result.url)
    report(UploadProgress(1.0, "done", bytes_sent=size, bytes_total=size))
    log.info("%s uploaded to %s: id %s %s", target.value, session.server.url, result.id, result.url or "")
    return replace(result, history_id=row)


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


def _object(data: Mapping[str, Any], key: str, what: str, path: Path) -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise ServerError(f"the server accepted {what} but its answer has no {key!r}", path=path)
    return value


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _profile(http: OdnixHttp, username: str, cancel: CancelToken | None, path: Path) -> Answer:
    return http.send(
        Request(
            "GET",
            f"/api/profile/{quote(username, safe='')}/",
            "the recipient check",
            idempotent=True,
        ),
        cancel=cancel,
        path=path,
    )


def _omzos(http: OdnixHttp, cancel: CancelToken | None, path: Path) -> dict[str, Mapping[str, Any]]:
    answer = http.send(Request("GET", "/api/profile/me/", "the profile", idempotent=True), cancel=cancel, path=path)
    if answer.status >= 400:
        answer.raise_for_failure("the profile", path)
    omzos = answer.data.get("omzos")
    if not isinstance(omzos, list):
        raise ServerError("the profile answer has no list of reels ('omzos')", path=path)
    return {str(o["id"]): o for o in omzos if isinstance(o, dict) and "id" in o}


def _find_new_reel(
    http: OdnixHttp, known: set[str], caption: str, cancel: CancelToken | None, path: Path
) -> ReelResult | None:
    try:
        current = _omzos(http, cancel, path)
    except Cancelled:
        raise
    except OdnixError as exc:
        log.warning("could not look up the new reel on the profile: %s", exc)
        return None
    new = [o for key, o in current.items() if key not in known]
    if not new:
        return None
    same = [o for o in new if str(o.get("caption") or "").strip() == caption.strip()] or new
    newest = max(same, key=lambda o: (str(o.get("timestamp") or ""), _int(o.get("id"))))
    return ReelResult(Target.REEL, _text(newest.get("id")), http.server.absolute(newest.get("video_url")))


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
