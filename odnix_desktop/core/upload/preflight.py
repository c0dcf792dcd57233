"""Checks before sending: each gives a sentence for a person, before any byte goes out.

The limits are the server's (``shared/odnix-api.md``): caption length, image pixels and bytes,
the file's real type, 5 reels per UTC day and the 3-minute duplicate-post rule. The window can
show a :class:`PreflightReport` as a list; the upload functions raise its first failure as a
:class:`PreflightError`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from odnix_desktop.core.errors import OdnixError
from odnix_desktop.core.inspect import describe
from odnix_desktop.core.media import MediaInfo, MediaKind, sniff_kind
from odnix_desktop.core.units import human_bytes
from odnix_desktop.core.upload.errors import PreflightError
from odnix_desktop.core.upload.history import UploadHistory, next_utc_day, utc_day_start


class Target(enum.Enum):
    """Where an upload goes. The value is also the compression preset's name."""

    POST = "post"
    REEL = "reel"
    STORY = "story"
    CHAT = "chat"
    PROFILE = "profile"

    @property
    def title(self) -> str:
        return {
            "post": "post",
            "reel": "reel",
            "story": "story",
            "chat": "chat message",
            "profile": "profile picture",
        }[self.value]


CAPTION_LIMIT = 280
CHAT_TEXT_LIMIT = 5000
MAX_IMAGE_SIDE = 5000
MAX_POST_BYTES = 50 * 1024 * 1024
REELS_PER_DAY = 5
DUPLICATE_COOLDOWN = timedelta(minutes=3)


@dataclass(frozen=True, slots=True)
class Rules:
    kinds: frozenset[MediaKind]
    text_limit: int
    max_side: int | None = None
    max_bytes: int | None = None


_IMAGE = frozenset({MediaKind.IMAGE})
_VIDEO = frozenset({MediaKind.VIDEO})
_BOTH = _IMAGE | _VIDEO

RULES: dict[Target, Rules] = {
    Target.POST: Rules(_IMAGE, CAPTION_LIMIT, MAX_IMAGE_SIDE, MAX_POST_BYTES),
    Target.REEL: Rules(_VIDEO, CAPTION_LIMIT),
    Target.STORY: Rules(_BOTH, CAPTION_LIMIT),
    Target.CHAT: Rules(_BOTH, CHAT_TEXT_LIMIT, MAX_IMAGE_SIDE),
    Target.PROFILE: Rules(_IMAGE, 0),
}

#: Pillow format -> (extension, MIME type). Only formats every target of the server takes.
_IMAGE_TYPES = {
    "JPEG": (".jpg", "image/jpeg"),
    "PNG": (".png", "image/png"),
    "WEBP": (".webp", "image/webp"),
    "GIF": (".gif", "image/gif"),
}


@dataclass(frozen=True, slots=True)
class MediaFacts:
    """What the file really is, and the name and type to send it under."""

    kind: MediaKind
    info: MediaInfo
    extension: str
    content_type: str


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    message: str


@dataclass(frozen=True, slots=True)
class PreflightReport:
    target: Target
    path: Path
    checks: tuple[Check, ...]
    media: MediaFacts | None

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.ok)

    def raise_for_failure(self) -> MediaFacts:
        for check in self.checks:
            if not check.ok:
                raise PreflightError(check.message, check=check.name, path=self.path)
        assert self.media is not None
        return self.media


def _a(noun: str) -> str:
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"


def _video_type(path: Path) -> tuple[str, str] | None:
    with path.open("rb") as fh:
        head = fh.read(64)
    if head[4:8] == b"ftyp":
        return (".mov", "video/quicktime") if head[8:12] == b"qt  " else (".mp4", "video/mp4")
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return (".webm", "video/webm") if b"webm" in head else (".mkv", "video/x-matroska")
    return None


def check_caption(target: Target, caption: str) -> Check:
    limit = RULES[target].text_limit
    length = len(caption.strip())  # the server strips before counting
    word = "text" if target is Target.CHAT else "caption"
    if target is Target.PROFILE:
        return Check("caption-length", not caption.strip(), "a profile picture takes no caption")
    if length > limit:
        return Check("caption-length", False, f"the {word} is {length} characters; the limit is {limit}")
    return Check("caption-length", True, f"{word}: {length} of {limit} characters")


def check_media(target: Target, path: Path) -> tuple[list[Check], MediaFacts | None]:
    """Type by content, then pixels and bytes. Reads headers only (and probes a clip)."""
    rules = RULES[target]
    wanted = " or ".join(_a(k.value) for k in sorted(rules.kinds, key=lambda k: k.value))
    try:
        kind = sniff_kind(path)
    except OdnixError as exc:
        return [Check("media-type", False, f"{exc.reason}; a {target.title} needs {wanted}")], None
    if kind not in rules.kinds:
        return [Check("media-type", False, f"this is {_a(kind.value)}; a {target.title} needs {wanted}")], None
    try:
        _, info = describe(path)
    except OdnixError as exc:
        return [Check("media-type", False, f"cannot be read as {_a(kind.value)}: {exc.reason}")], None
    if kind is MediaKind.IMAGE:
        known = _IMAGE_TYPES.get(info.format.upper())
        if known is None:
            return [
                Check(
                    "media-type",
                    False,
                    f"{info.format} images cannot be sent as a {target.title}; "
                    f"compress it first (JPEG, PNG, WebP or GIF)",
                )
            ], None
    else:
        known = _video_type(path)
        if known is None:
            return [
                Check(
                    "media-type",
                    False,
                    f"this clip's container cannot be sent as a {target.title}; compress it first (MP4)",
                )
            ], None
    facts = MediaFacts(kind, info, known[0], known[1])
    return [Check("media-type", True, f"{kind.value}, {info.format}"), *_limits(rules, kind, info)], facts


def _limits(rules: Rules, kind: MediaKind, info: MediaInfo) -> list[Check]:
    """The target's pixel and byte limits."""
    checks: list[Check] = []
    if kind is MediaKind.IMAGE and rules.max_side is not None:
        side = max(info.width, info.height)
        ok = side <= rules.max_side
        checks.append(
            Check(
                "image-pixels",
                ok,
                f"{info.width}×{info.height} px"
                if ok
                else f"the image is {info.width}×{info.height} px; the limit is {rules.max_side} px per side",
            )
        )
    if rules.max_bytes is not None:
        ok = info.bytes <= rules.max_bytes
        checks.append(
            Check(
                "file-size",
                ok,
                human_bytes(info.bytes)
                if ok
                else f"the file is {human_bytes(info.bytes)}; the limit is "
                f"{human_bytes(rules.max_bytes)} ({rules.max_bytes // (1024 * 1024)} MiB)",
            )
        )
    return checks


def check_reel_quota(history: UploadHistory, server: str, user: str, now: datetime) -> Check:
    used = history.count_since(server=server, user=user, target=Target.REEL.value, since=utc_day_start(now))
    if used >= REELS_PER_DAY:
        wait = next_utc_day(now) - now.astimezone(UTC)
        hours, rest = divmod(int(wait.total_seconds()), 3600)
        return Check(
            "reel-quota",
            False,
            f"{used} reels were already uploaded today (UTC) as {user}; the server allows "
            f"{REELS_PER_DAY} a day. The next one can go in {hours} h {rest // 60} min "
            "(after midnight UTC).",
        )
    return Check("reel-quota", True, f"{used} of {REELS_PER_DAY} reels used today (UTC)")


def check_duplicate_post(history: UploadHistory, server: str, user: str, caption: str, now: datetime) -> Check:
    since = now - DUPLICATE_COOLDOWN
    previous = history.latest_same_caption(
        server=server, user=user, target=Target.POST.value, caption=caption.strip(), since=since
    )
    if previous is not None:
        wait = previous.started_at + DUPLICATE_COOLDOWN - now
        seconds = max(1, int(wait.total_seconds()) + 1)
        what = f"the caption {caption.strip()!r}" if caption.strip() else "no caption"
        return Check(
            "duplicate-post",
            False,
            f"a post with {what} was sent {int((now - previous.started_at).total_seconds())} s "
            f"ago; the server refuses the same post within 3 minutes. Change the caption "
            f"or wait {seconds} s.",
        )
    return Check("duplicate-post", True, "no identical post in the last 3 minutes")


class SamePosts(enum.Enum):
    """How several posts sent together avoid the server's duplicate rule (same caption within
    3 minutes: refused)."""

    AS_TYPED = "as-typed"  # nothing done: a second post with the same caption is refused
    NUMBERED = "numbered"  # each post gets its own caption: "… (1/3)", "… (2/3)"
    SPACED = "spaced"  # one post after another, 3 minutes apart


def numbered_caption(caption: str, index: int, count: int) -> str:
    """The caption of post ``index`` (0-based) of ``count`` sent together, numbered."""
    mark = f"({index + 1}/{count})"
    return f"{caption.strip()} {mark}" if caption.strip() else mark


def spaced_wait(index: int) -> timedelta:
    """How long post ``index`` of a spaced batch waits before it is sent (a second of margin)."""
    return (DUPLICATE_COOLDOWN + timedelta(seconds=1)) * index


def check_batch_posts(captions: list[str], same: SamePosts) -> list[Check]:
    """The duplicate rule across one batch of posts: one check per post (in order). The server
    refuses a post whose caption equals one sent in the last 3 minutes, so a second post with
    the same caption in the same batch is refused, unless numbered or spaced."""
    if same is SamePosts.NUMBERED:
        captions = [numbered_caption(c, i, len(captions)) for i, c in enumerate(captions)]
    checks: list[Check] = []
    seen: dict[str, int] = {}
    minutes = int(spaced_wait(len(captions) - 1).total_seconds() // 60) + 1
    for i, caption in enumerate(captions):
        key = caption.strip()
        first = seen.setdefault(key, i)
        if first == i or same is SamePosts.SPACED:
            wait = spaced_wait(i) if same is SamePosts.SPACED else timedelta()
            after = f", sent {int(wait.total_seconds() // 60)} min after the first" if wait else ""
            checks.append(Check("duplicate-in-batch", True, f"no other post of this batch has this caption{after}"))
            continue
        checks.append(
            Check(
                "duplicate-in-batch",
                False,
                f"post {i + 1} of {len(captions)} has the same caption as post {first + 1}: the server refuses "
                "an identical post within 3 minutes. Give each post its own caption (number them), or "
                f"send them one after another (about {minutes} min in all).",
            )
        )
    return checks


def preflight(
    target: Target,
    path: Path,
    caption: str = "",
    *,
    history: UploadHistory | None = None,
    server: str | None = None,
    user: str | None = None,
    now: datetime | None = None,
) -> PreflightReport:
    """Every local check for one upload (the chat recipient is checked online by the upload)."""
    now = now or datetime.now(UTC)
    checks = [check_caption(target, caption)]
    media_checks, facts = check_media(target, path)
    checks += media_checks
    if history is not None and server is not None and user is not None:
        if target is Target.REEL:
            checks.append(check_reel_quota(history, server, user, now))
        if target is Target.POST:
            checks.append(check_duplicate_post(history, server, user, caption, now))
    return PreflightReport(target, path, tuple(checks), facts)
