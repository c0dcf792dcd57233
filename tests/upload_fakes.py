"""Test doubles for the upload client: an in-memory keyring, generated media, and a fake Odnix
server (pytest-httpserver, threaded) that speaks the contract of ``shared/odnix-api.md``.

Import the fixtures into a test module with ``from tests.upload_fakes import *``.
"""

from __future__ import annotations

import json
import re
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import keyring.errors
import pytest
from PIL import Image
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from odnix_desktop.core.upload import HttpSettings, ServerAddress, Session

PASSWORD = "correct horse battery staple"
TOKEN = "tok-5ecret-0123456789abcdef0123456789abcdef"

__all__ = [
    "PASSWORD",
    "TOKEN",
    "FakeOdnix",
    "clip",
    "photo",
    "MemoryKeyring",
    "drop_connection",
    "fake",
    "fast_settings",
    "image_file",
    "memory_keyring",
    "odnix_http_server",
    "session",
    "video_file",
]


# --------------------------------------------------------------------------- keyring
class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring backend that keeps passwords in a dict (a system keyring, minus the OS)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.entries:
            raise keyring.errors.PasswordDeleteError("not stored")
        del self.entries[(service, username)]


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


# --------------------------------------------------------------------------- media
def image_file(
    path: Path,
    size: tuple[int, int] = (64, 48),
    fmt: str = "JPEG",
    colour: tuple[int, int, int] = (200, 40, 40),
) -> Path:
    Image.new("RGB", size, colour).save(path, fmt)
    return path


def noisy_png(path: Path, size: tuple[int, int]) -> Path:
    """An incompressible PNG (random pixels, stored): a body big enough to take several sends."""
    import os

    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(path, "PNG", compress_level=0)
    return path


def video_file(path: Path, seconds: float = 1.0) -> Path:
    """A tiny H.264 MP4 from lavfi testsrc2 (bundled ffmpeg)."""
    from odnix_desktop.core.video.synthetic import make_test_clip

    return make_test_clip(path, size=(160, 120), rate=12, seconds=seconds, audio=False)


# --------------------------------------------------------------------------- the fake server
class OdnixTestServer(HTTPServer):
    """pytest-httpserver's server, with a hook that runs before the request body is read
    (its ``application`` reads every body first, so a drop "before the body" needs this)."""

    def __init__(self) -> None:
        super().__init__(host="127.0.0.1", port=0, threaded=True)
        self.before_body: Callable[[Request], Response | None] | None = None

    def application(self, request: Request) -> Response:
        hook = self.before_body
        if hook is not None:
            early = hook(request)
            if early is not None:
                self.log.append((request, early))
                return early
        return super().application(request)


def drop_connection(request: Request) -> Response:
    """Reset the TCP connection (RST) instead of answering."""
    sock: socket.socket = request.environ["werkzeug.socket"]
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    return Response("", status=500)


@dataclass
class FakeOdnix:
    """The server's state and endpoints. ``override[path]`` replaces one endpoint's handler."""

    server: OdnixTestServer
    users: dict[str, str] = field(default_factory=lambda: {"moderator": PASSWORD, "alice": PASSWORD})
    tokens: dict[str, str] = field(default_factory=lambda: {TOKEN: "moderator"})
    scribes: list[dict[str, Any]] = field(default_factory=list)
    omzos: list[dict[str, Any]] = field(default_factory=list)
    stories: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    chats: dict[tuple[str, str], int] = field(default_factory=dict)
    override: dict[str, Callable[[Request], Response]] = field(default_factory=dict)
    hits: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return self.server.url_for("").rstrip("/")

    def calls(self, path: str) -> int:
        return sum(1 for _, p in self.hits if p == path)

    # Routing ---------------------------------------------------------------------------------
    def dispatch(self, request: Request) -> Response:
        with self.lock:
            self.hits.append((request.method, request.path))
        handler = self.override.get(request.path)
        if handler is not None:
            return handler(request)
        routes: list[tuple[str, str, Callable[..., Response]]] = [
            ("POST", r"/api/login/", self.login),
            ("GET", r"/api/verify-token/", self.verify),
            ("GET", r"/api/profile/me/", self.profile_me),
            ("GET", r"/api/profile/(?P<name>[^/]+)/", self.profile_of),
            ("POST", r"/api/post-scribe/", self.post_scribe),
            ("POST", r"/api/omzo/upload/", self.omzo_upload),
            ("POST", r"/api/create-story/", self.create_story),
            ("POST", r"/api/create-chat/", self.create_chat),
            ("POST", r"/api/send-message/", self.send_message),
            ("POST", r"/api/profile/", self.profile_update),
        ]
        for method, pattern, func in routes:
            m = re.fullmatch(pattern, request.path)
            if m:
                if request.method != method:
                    return _json({"detail": f'Method "{request.method}" not allowed.'}, 405)
                return func(request, **m.groupdict())
        return _json({"detail": "Not found."}, 404)

    def _user(self, request: Request) -> str | None:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Token "):
            return None
        return self.tokens.get(header[6:])

    def _auth(self, request: Request) -> str | Response:
        user = self._user(request)
        if user is None:
            detail = (
                "Invalid token."
                if request.headers.get("Authorization")
                else "Authentication credentials were not provided."
            )
            return _json({"detail": detail}, 401)
        return user

    # Endpoints -------------------------------------------------------------------------------
    def login(self, request: Request) -> Response:
        if request.headers.get("Authorization"):
            return _json({"detail": "Invalid token."}, 401)
        try:
            body = json.loads(request.get_data())
        except ValueError:
            return _json({"success": False, "error": "Invalid JSON"}, 400)
        name, password = body.get("username"), body.get("password")
        if not name or not password:
            return _json({"success": False, "error": "Username and password are required"}, 400)
        if self.users.get(name) != password:
            return _json({"success": False, "error": "Invalid username or password"}, 401)
        token = next((t for t, u in self.tokens.items() if u == name), None) or f"tok-{name}-0123456789"
        self.tokens[token] = name
        return _json(
            {
                "success": True,
                "token": token,
                "auth_token": token,
                "user": {
                    "id": list(self.users).index(name) + 1,
                    "username": name,
                    "full_name": name,
                },
            }
        )

    def verify(self, request: Request) -> Response:
        user = self._auth(request)
        if isinstance(user, Response):
            return user
        return _json({"success": True, "user": {"id": 1, "username": user}})

    def profile_me(self, request: Request) -> Response:
        user = self._auth(request)
        if isinstance(user, Response):
            return user
        return _json(
            {
                "success": True,
                "user": {"username": user},
                "scribes": [s for s in self.scribes if s["user"] == user],
                "omzos": [o for o in self.omzos if o["user"] == user],
            }
        )

    def profile_of(self, request: Request, name: str) -> Response:
        user = self._auth(request)
        if isinstance(user, Response):
            return user
        if name not in self.users:
            return _json({"detail": "Not found."}, 404)
        return _json({"success": True, "user": {"username": name}, "scribes": [], "omzos": []})

    def post_scribe(self, request: Request) -> Response:
        user = self._auth(request)
        if isinstance(user, Response):
            return user
        content = request.form.get("content", "").strip()
        image = request.files.get("image")
        if not content and not image:
            return _json({"success": False, "error": "Scribe cannot be empty. Please add text or an image."})
        if len(content) > 280:
            return _json({"success": False, "error": "Scribe must be 280 characters or less."})
        now = datetime.now(UTC)
        for s in self.scribes:
            if (
                s["user"] == user
                and s["content"] == content
                and now - s["at"] < timedelta(minutes=3)
                and bool(s["media_url"]) == bool(image)
            ):
                return _json(
                    {
                        "success": False,
                        "error": "You already posted this scribe recently. Please wait before posting again.",
                    }
                )
        sid = len(self.scribes) + 1
        url = f"/media/scribe_images/{Path(image.filename or 'x').stem}_opt.webp" if image else None
        self.scribes.append(
            {
                "id": sid,
                "user": user,
                "content": content,
                "media_url": url,
                "at": now,
                "bytes": len(image.read()) if image else 0,
            }
        )
        return _json({"success": True, "scribe": {"id": sid, "content": content, "image_url": url}})

    def omzo_upload(self, request: Request) -> Response:
        user = self._auth(request)
        if isinstance(user, Response):
            return user
        today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        if sum(1 for o in self.omzos if o["user"] == user and o["at"] >= today) >= 5:
            return _json(
                {
                    "success": False,
                    "error": "Daily omzo limit reached. You can upload up to 5 Omzo per day. Try again tomorrow!",
                }
            )
        video = request.files.get("video")
        if not video:
            return _json({"success": False, "error": "No video provided"})
        oid = 100 + len(self.omzos) + 1
        self.omzos.append(
            {
                "id": oid,
                "user": user,
                "caption": request.form.get("caption", ""),
                "video_url": f"{self.url}/media/omzo_videos/{video.filename}",
                "timestamp": datetime.now(UTC).isoformat(),
                "at": datetime.now(UTC),
            }
        )
        return _json({"success": True, "message": "Omzo uploaded successfully"})

    def create_story(self, request: Request) -> Response:
        user = self._auth(request)
        if isinstance(user, Response):
            return user
        media = request.files.get("media")
        try:
            size = float(request.form.get("text_size", "22"))
        except ValueError as exc:
            return _json({"success": False, "error": str(exc)})
        ext = Path(media.filename or "").suffix.lower() if media else ""
        kind = (
            "image"
            if ext in (".jpg", ".jpeg", ".png", ".gif", ".webp")
            else "video"
            if ext in (".mp4", ".mov", ".avi", ".mkv", ".webm")
            else None
        )
        if media and kind is None:
            return _json(
                {
                    "success": False,
                    "error": "Invalid file type. Supported: jpg, png, gif, webp, mp4, mov, avi, mkv, webm",
                }
            )
        sid = len(self.stories) + 1
        story = {
            "id": sid,
            "user": user,
            "content": request.form.get("content", ""),
            "story_type": kind,
            "media_url": f"/media/story_media/{media.filename}" if media else None,
            "text_size": size,
            "text_position": request.form.get("text_position"),
            "background_color": request.form.get("background_color"),
            "text_color": request.form.get("text_color"),
        }
        self.stories.append(story)
        return _json({"success": True, "story": {k: v for k, v in story.items() if k != "user"}})

    def create_chat(self, request: Request) -> Response:
        user = self._auth(request)
        if isinstance(user, Response):
            return user
        name = json.loads(request.get_data() or b"{}").get("username")
        if name not in self.users:
            return _json({"success": False, "error": "Failed to create chat"})
        key = tuple(sorted((user, name)))
        exists = key in self.chats
        chat_id = self.chats.setdefault(key, len(self.chats) + 1)  # type: ignore[arg-type]
        return _json({"success": True, "chat_id": chat_id, "exists": exists})

    def send_message(self, request: Request) -> Response:
        user = self._auth(request)
        if isinstance(user, Response):
            return user
        chat_id = request.form.get("chat_id")
        if not chat_id or int(chat_id) not in self.chats.values():
            return _json({"success": False, "error": "Failed to send message"})
        media = request.files.get("media")
        mid = len(self.messages) + 1
        self.messages.append(
            {
                "id": mid,
                "user": user,
                "content": request.form.get("content", ""),
                "one_time": request.form.get("one_time"),
            }
        )
        return _json(
            {
                "success": True,
                "message": {
                    "id": mid,
                    "media_url": f"/media/chat_media/{media.filename}" if media else None,
                    "media_type": "image" if media and (media.mimetype or "").startswith("image/") else "video",
                },
            }
        )

    def profile_update(self, request: Request) -> Response:
        user = self._auth(request)
        if isinstance(user, Response):
            return user
        avatar = request.files.get("avatar")
        pic = f"/media/profile_pics/{avatar.filename}" if avatar else ""
        return _json({"success": True, "user": {"username": user, "profile_picture": pic}})


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, default=str), status=status, content_type="application/json")


@pytest.fixture(scope="session")
def odnix_http_server() -> Iterator[OdnixTestServer]:
    server = OdnixTestServer()
    server.start()
    try:
        yield server
    finally:
        server.clear()
        server.stop()


@pytest.fixture
def fake(odnix_http_server: OdnixTestServer) -> Iterator[FakeOdnix]:
    server = odnix_http_server
    server.clear()
    server.before_body = None
    state = FakeOdnix(server)
    server.expect_request(re.compile(".*")).respond_with_handler(state.dispatch)
    try:
        yield state
    finally:
        server.before_body = None
        server.clear()


@pytest.fixture
def fast_settings() -> HttpSettings:
    """Short timeouts and no backoff: the retry and timeout tests take milliseconds, not minutes."""
    return HttpSettings(connect_timeout=2.0, read_timeout=2.0, processing_timeout=2.0, retries=3, backoff=0.0)


@pytest.fixture
def session(fake: FakeOdnix, fast_settings: HttpSettings) -> Session:
    return Session(ServerAddress.parse(fake.url), "moderator", TOKEN, 1, fast_settings)


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    return image_file(tmp_path / "photo.jpg")


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return video_file(tmp_path_factory.mktemp("clip") / "clip.mp4")
