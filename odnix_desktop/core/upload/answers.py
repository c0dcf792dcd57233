"""Every answer of an Odnix server is read here, and only here, into typed frozen records.

A server's answer is data. Each field is checked for its type and its size, and a link for its
scheme and host, before the rest of the program sees it:

- a field that is missing or of the wrong type fails that item with
  :class:`AnswerNotUnderstoodError` ("the server's answer was not understood"); the caller goes
  on with the next item;
- a link that is not ``http``/``https`` on the server's own host (or its media host) is refused
  and recorded as "no link": ``file:``, ``smb:``, ``javascript:`` and custom schemes never reach
  the history or the desktop's "open link";
- a user name or token is checked for its characters and length before it is stored or put in
  a header;
- the server's messages are cut to a sensible length, their control characters removed, and the
  Python list brackets of its chat errors (``"['Invalid image.']"``) stripped by a small bounded
  parser (never ``ast.literal_eval``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn
from urllib.parse import urljoin, urlsplit

from odnix_desktop.core.upload.errors import AnswerNotUnderstoodError, LoginFailedError, UploadRefusedError
from odnix_desktop.core.upload.server import ServerAddress

log = logging.getLogger(__name__)

#: Characters of a server message kept for a person (the rest is cut with "…").
MAX_MESSAGE = 500
#: Characters of a server message looked at, at most, before anything else is done with it.
_MAX_RAW_MESSAGE = 4000
MAX_LINK = 2048
MAX_ID = 64
MAX_TOKEN = 512
#: Django's limit and default validator for user names.
MAX_USERNAME = 150
USERNAME = re.compile(r"[\w.@+-]+")
_TOKEN = re.compile(r"[A-Za-z0-9._~+/=-]+")  # safe in an HTTP header
_ID = re.compile(r"[A-Za-z0-9_-]+")
_UNSAFE_IN_LINK = re.compile(r"[\x00-\x20\x7f-\x9f\\]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")
_LIST_ITEM = re.compile(r"""\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*(?:,|$)""", re.DOTALL)


# --------------------------------------------------------------------------- records
@dataclass(frozen=True, slots=True)
class RawAnswer:
    """A decoded JSON object from the server, not yet trusted: only this module reads ``data``."""

    status: int
    data: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class Identity:
    """Who the server says the user is (checked: a positive id, a valid user name)."""

    user_id: int | None
    username: str


@dataclass(frozen=True, slots=True)
class LoginAnswer:
    token: str = field(repr=False)
    user: Identity | None


@dataclass(frozen=True, slots=True)
class Created:
    """What an upload made: its id and link where the server told them (checked)."""

    id: str | None
    url: str | None
    media_type: str = ""
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ProfileReel:
    """One reel (omzo) listed on ``GET /api/profile/me/``."""

    id: str
    caption: str
    url: str | None
    timestamp: str


@dataclass(frozen=True, slots=True)
class LinkPolicy:
    """Which links from the server are kept: http(s) on its own host or its media host."""

    server: ServerAddress
    media_host: str | None = None

    def check(self, value: str) -> str | None:
        """The absolute link, or None (logged) when it is not one to keep."""
        why = self._problem(value)
        if why is None:
            return urljoin(self.server.url + "/", value)
        log.warning("a link from %s was refused (%s): recorded as no link", self.server.url, why)
        return None

    def _problem(self, value: str) -> str | None:
        if len(value) > MAX_LINK:
            return f"longer than {MAX_LINK} characters"
        if _UNSAFE_IN_LINK.search(value):
            return "spaces, control characters or backslashes"
        parts = urlsplit(urljoin(self.server.url + "/", value))
        if parts.scheme not in ("http", "https"):
            return f"scheme {parts.scheme[:20]!r} is not http or https"
        if parts.username is not None or parts.password is not None:
            return "a user name in the link"
        try:
            parts.port  # noqa: B018 - raises on a bad port
        except ValueError:
            return "an invalid port"
        host = (parts.hostname or "").lower()
        allowed = {self.server.host.lower()} | ({self.media_host.lower()} if self.media_host else set())
        if host not in allowed:
            return f"host {host[:80]!r} is not the server's"
        return None


def is_web_link(value: str) -> bool:
    """An absolute http(s) link with a host and nothing odd in it: the least a link must be to
    be opened (links read back from the history, written by any version)."""
    if len(value) > MAX_LINK or _UNSAFE_IN_LINK.search(value):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and parts.username is None


# --------------------------------------------------------------------------- reading fields
class _Fields:
    """Typed access to one JSON object; every problem is an :class:`AnswerNotUnderstoodError`."""

    def __init__(
        self, data: object, what: str, where: str, path: Path | None, status: int | None, *, accepted: bool = False
    ) -> None:
        self.what, self.where, self.path, self.status, self.accepted = what, where, path, status, accepted
        if not isinstance(data, Mapping):
            self.fail(f"{where or 'the answer'} is {_kind(data)}, not an object")
        self.data: Mapping[str, object] = data  # type: ignore[assignment]

    def fail(self, detail: str) -> NoReturn:
        raise AnswerNotUnderstoodError(self.what, detail, status=self.status, accepted=self.accepted, path=self.path)

    def _name(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def obj(self, key: str) -> _Fields:
        if key not in self.data:
            self.fail(f"it has no {self._name(key)!r}")
        return _Fields(self.data[key], self.what, self._name(key), self.path, self.status, accepted=self.accepted)

    def text(self, key: str, *, limit: int, required: bool = False) -> str | None:
        value = self.data.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str):
            self.fail(f"{self._name(key)} is {_kind(value)}, not text")
        if len(value) > limit:
            self.fail(f"{self._name(key)} is longer than {limit} characters")
        return value  # type: ignore[return-value]

    def ident(self, key: str, *, required: bool) -> str | None:
        """An id: a non-negative integer, or a short string of letters, digits, '-' and '_'."""
        value = self.data.get(key)
        if value is None and not required:
            return None
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63:
            return str(value)
        if isinstance(value, str) and len(value) <= MAX_ID and _ID.fullmatch(value):
            return value
        self.fail(f"{self._name(key)} is {_kind(value)}, not an id")
        return None  # unreachable

    def positive_int(self, key: str) -> int:
        value = self.data.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63:
            return value
        self.fail(f"{self._name(key)} is {_kind(value)}, not a positive whole number")
        return 0  # unreachable

    def link(self, key: str, links: LinkPolicy) -> str | None:
        value = self.text(key, limit=MAX_LINK * 4)
        return links.check(value) if value else None

    def choice(self, key: str, allowed: tuple[str, ...]) -> str | None:
        """A word from ``allowed``; another word is dropped (logged): it only describes the upload."""
        value = self.text(key, limit=40)
        if value is not None and value not in allowed:
            log.warning("%s: %s %r is not one of %s; ignored", self.what, self._name(key), value, ", ".join(allowed))
            return None
        return value


def _kind(value: object) -> str:
    if value is None:
        return "missing"
    names = {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list", dict: "an object"}
    return names.get(type(value), type(value).__name__)


# --------------------------------------------------------------------------- messages and success
def clean_server_message(text: str) -> str:
    """The server's words for a person: ``"['Invalid or corrupt image file.']"`` -> ``"Invalid or
    corrupt image file."``; control characters removed; at most :data:`MAX_MESSAGE` characters."""
    raw = text[:_MAX_RAW_MESSAGE].strip()
    if raw.startswith("[") and raw.endswith("]"):
        raw = _unbracket(raw)
    clean = " ".join(_CONTROL.sub(" ", raw).split())
    return clean if len(clean) <= MAX_MESSAGE else clean[: MAX_MESSAGE - 1] + "…"


def _unbracket(text: str) -> str:
    """``['a', "b's"]`` -> ``a b's``; anything else comes back unchanged."""
    inner, pos, items = text[1:-1], 0, []
    while pos < len(inner):
        found = _LIST_ITEM.match(inner, pos)
        if found is None or found.end() == pos:
            return text
        item = found.group(1) if found.group(1) is not None else found.group(2)
        items.append(re.sub(r"\\(.)", lambda m: " " if m[1] in "nrt" else m[1], item, flags=re.DOTALL))
        pos = found.end()
    return " ".join(items) if items else text


def server_message(answer: RawAnswer) -> str:
    """The server's reason (``error``, ``detail`` or ``message``), cleaned; "" when it gives none."""
    for key in ("error", "detail", "message"):
        value = answer.data.get(key)
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value[:20]):
            value = " ".join(value[:20])  # type: ignore[arg-type]
        if isinstance(value, str) and value.strip():
            return clean_server_message(value)
    return ""


def check_success(answer: RawAnswer, what: str, path: Path | None = None) -> None:
    """Return when the server said ``success: true``; raise :class:`UploadRefusedError` when it
    refused, :class:`AnswerNotUnderstoodError` when it said neither."""
    success = answer.data.get("success")
    if 200 <= answer.status < 300 and success is True:
        return
    if 200 <= answer.status < 300 and success is not False:
        raise AnswerNotUnderstoodError(what, f"'success' is {_kind(success)}", status=answer.status, path=path)
    text = server_message(answer)
    if text:
        message = f"the server refused {what}: {text}"
    else:
        message = f"the server refused {what} (HTTP {answer.status}, no reason given)"
    raise UploadRefusedError(message, server_message=text, status=answer.status, path=path)


# --------------------------------------------------------------------------- identity
def valid_username(value: object) -> str | None:
    """``value`` if it is a user name the server could have (Django's rule), else None."""
    if isinstance(value, str) and 0 < len(value) <= MAX_USERNAME and USERNAME.fullmatch(value):
        return value
    return None


def _identity(fields: _Fields) -> Identity:
    name = valid_username(fields.data.get("username"))
    if name is None:
        fields.fail(f"{fields._name('username')} is not a user name (1 to {MAX_USERNAME} letters, digits, @.+-_)")
    user_id = fields.data.get("id")
    if user_id is not None:
        user_id = fields.positive_int("id")
    return Identity(user_id, name)  # type: ignore[arg-type]


def login_answer(answer: RawAnswer) -> LoginAnswer:
    """The token and who logged in; :class:`LoginFailedError` when the server said no."""
    what = "the login"
    if answer.status in (400, 401, 403) or (answer.status < 300 and answer.data.get("success") is False):
        raise LoginFailedError(f"login refused: {server_message(answer) or 'wrong user name or password'}")
    check_success(answer, what)
    top = _Fields(answer.data, what, "", None, answer.status)
    token = top.text("token", limit=MAX_TOKEN) or top.text("auth_token", limit=MAX_TOKEN)
    if not token:
        top.fail("it has no token")
    if not _TOKEN.fullmatch(token or ""):
        top.fail("the token has characters a token cannot have")
    user = _identity(top.obj("user")) if answer.data.get("user") is not None else None
    return LoginAnswer(token or "", user)


def verified_identity(answer: RawAnswer) -> Identity | None:
    """``GET /api/verify-token/``: success, and the user when the answer names one."""
    check_success(answer, "the login check")
    if answer.data.get("user") is None:
        return None
    return _identity(_Fields(answer.data, "the login check", "", None, answer.status).obj("user"))


# --------------------------------------------------------------------------- uploads
def _created(answer: RawAnswer, what: str, path: Path, key: str) -> _Fields:
    check_success(answer, what, path)
    return _Fields(answer.data, what, "", path, answer.status, accepted=True).obj(key)


def post_created(answer: RawAnswer, links: LinkPolicy, what: str, path: Path) -> Created:
    scribe = _created(answer, what, path, "scribe")
    scribe_id = scribe.ident("id", required=True)
    return Created(scribe_id, scribe.link("image_url", links) or scribe.link("media_url", links))


def story_created(answer: RawAnswer, links: LinkPolicy, what: str, path: Path) -> Created:
    story = _created(answer, what, path, "story")
    kind = story.choice("story_type", ("image", "video", "text")) or ""
    return Created(story.ident("id", required=True), story.link("media_url", links), kind)


def message_created(answer: RawAnswer, links: LinkPolicy, what: str, path: Path) -> Created:
    message = _created(answer, what, path, "message")
    kind = message.choice("media_type", ("image", "video", "audio", "file", "text")) or ""
    return Created(message.ident("id", required=True), message.link("media_url", links), kind)


def avatar_created(answer: RawAnswer, links: LinkPolicy, what: str, path: Path) -> Created:
    user = _created(answer, what, path, "user")
    return Created(None, user.link("profile_picture", links) or user.link("profile_picture_url", links))


def reel_accepted(answer: RawAnswer, links: LinkPolicy, what: str, path: Path) -> Created:
    """The reel's answer has no id: the caller finds the reel on the profile."""
    check_success(answer, what, path)
    return Created(None, None)


def chat_opened(answer: RawAnswer, what: str, path: Path) -> int:
    check_success(answer, what, path)
    return _Fields(answer.data, what, "", path, answer.status).positive_int("chat_id")


def profile_reels(answer: RawAnswer, links: LinkPolicy, path: Path) -> tuple[ProfileReel, ...]:
    what = "the profile"
    check_success(answer, what, path)
    top = _Fields(answer.data, what, "", path, answer.status)
    omzos = answer.data.get("omzos")
    if not isinstance(omzos, list):
        top.fail(f"'omzos' is {_kind(omzos)}, not a list")
    reels = []
    for number, entry in enumerate(omzos):  # type: ignore[arg-type]
        reel = _Fields(entry, what, f"omzos[{number}]", path, answer.status)
        reels.append(
            ProfileReel(
                id=reel.ident("id", required=True) or "",
                caption=reel.text("caption", limit=10_000) or "",
                url=reel.link("video_url", links),
                timestamp=reel.text("timestamp", limit=100) or "",
            )
        )
    return tuple(reels)
