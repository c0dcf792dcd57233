"""Against a real Odnix server: each target uploads one compressed file and reads it back.

Runs when ODNIX_TEST_URL, ODNIX_TEST_USER and ODNIX_TEST_PASSWORD are set (see
shared/odnix-server/README.md for running one on 127.0.0.1). Each run uses one of the user's
5 reels of the UTC day. The chat goes to ODNIX_TEST_CHAT_USER (default ``alice``).
"""

from __future__ import annotations

import hashlib
import io
import os
import uuid
from pathlib import Path

import pytest
import requests
from PIL import Image

from odnix_desktop.core.compress import run_item
from odnix_desktop.core.options import CompressOptions, Status
from odnix_desktop.core.upload import (
    LoginFailedError,
    LoginRequiredError,
    PreflightError,
    ServerAddress,
    Session,
    StoryStyle,
    UploadHistory,
    UploadProgress,
    UploadRefusedError,
    login,
    send_chat_media,
    upload_post,
    upload_profile_picture,
    upload_reel,
    upload_story,
    verify,
)
from tests.upload_fakes import video_file

URL = os.environ.get("ODNIX_TEST_URL", "")
USER = os.environ.get("ODNIX_TEST_USER", "")
PASSWORD = os.environ.get("ODNIX_TEST_PASSWORD", "")
CHAT_USER = os.environ.get("ODNIX_TEST_CHAT_USER", "alice")

pytestmark = pytest.mark.skipif(
    not (URL and USER and PASSWORD),
    reason="no real Odnix server: set ODNIX_TEST_URL, ODNIX_TEST_USER and ODNIX_TEST_PASSWORD "
    "(shared/odnix-server/README.md runs one locally)",
)


@pytest.fixture(scope="module")
def real() -> Session:
    return login(ServerAddress.parse(URL), USER, PASSWORD)


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("real-media")
    rng_bytes = os.urandom(48 * 32 * 3)
    photo = Image.frombytes("RGB", (48, 32), rng_bytes).resize((2400, 1600), Image.Resampling.BICUBIC)
    photo.save(folder / "photo.jpg", "JPEG", quality=95)
    video_file(folder / "clip.mp4", seconds=1.0)
    return {"photo": folder / "photo.jpg", "clip": folder / "clip.mp4"}


def compressed(source: Path, preset: str, out: Path) -> Path:
    result = run_item(source, out, CompressOptions(preset=preset))
    assert result.status in (Status.COMPRESSED, Status.KEPT_ORIGINAL), result.error
    assert result.output is not None
    return result.output


def fetch(url: str) -> bytes:
    answer = requests.get(url, timeout=30)
    assert answer.status_code == 200, f"GET {url} -> {answer.status_code}"
    return answer.content


def profile_me(session: Session) -> dict:
    answer = requests.get(
        session.server.endpoint("/api/profile/me/"),
        headers={"Authorization": f"Token {session.token}"},
        timeout=30,
    )
    assert answer.status_code == 200
    return answer.json()


def tag() -> str:
    return uuid.uuid4().hex[:8]


def test_login_and_a_wrong_password():
    with pytest.raises(LoginFailedError):
        login(ServerAddress.parse(URL), USER, PASSWORD + "-wrong")
    with pytest.raises(LoginRequiredError):
        verify(Session(ServerAddress.parse(URL), USER, "0" * 40))


def test_post(real, media, tmp_path):
    out = compressed(media["photo"], "post", tmp_path)
    stages: list[UploadProgress] = []
    result = upload_post(real, out, f"post {tag()}", source=media["photo"], report=stages.append)
    print(f"\npost: id={result.id} url={result.url}")  # noqa: T201 - shown in the integration report
    assert result.id and result.url
    (row,) = UploadHistory().rows()
    assert (row.status.value, row.result_id, row.source_path) == (
        "done",
        result.id,
        str(media["photo"]),
    )
    assert any(p.bytes_total and p.bytes_sent == p.bytes_total for p in stages)
    scribes = {str(s["id"]): s for s in profile_me(real)["scribes"]}
    assert result.id in scribes
    image = Image.open(io.BytesIO(fetch(result.url)))
    assert image.format == "WEBP" and max(image.size) <= 900  # the server's re-encode


def test_post_duplicate_is_refused_by_the_server_too(real, media, tmp_path):
    out = compressed(media["photo"], "post", tmp_path)
    caption = f"twice {tag()}"
    upload_post(real, out, caption)
    with pytest.raises(PreflightError, match="3 minutes"):  # our check, from the history
        upload_post(real, out, caption)
    fresh = UploadHistory(tmp_path / "other-history.sqlite3")  # no memory of the first: the server says no
    with pytest.raises(UploadRefusedError) as info:
        upload_post(real, out, caption, history=fresh)
    print(f"\nserver refusal: {info.value.server_message}")  # noqa: T201 - shown in the integration report
    assert "already posted" in info.value.server_message or "Please wait" in info.value.server_message


def test_reel(real, media, tmp_path):
    out = compressed(media["clip"], "reel", tmp_path)
    stages: list[str] = []
    result = upload_reel(real, out, f"reel {tag()}", source=media["clip"], report=lambda p: stages.append(p.stage))
    print(f"\nreel: id={result.id} url={result.url}")  # noqa: T201 - shown in the integration report
    assert "processing on server" in stages
    assert result.id and result.url
    omzos = {str(o["id"]): o for o in profile_me(real)["omzos"]}
    assert result.id in omzos
    assert fetch(result.url)[4:8] == b"ftyp"


def test_story(real, media, tmp_path):
    out = compressed(media["photo"], "story", tmp_path)
    result = upload_story(real, out, StoryStyle(text=f"story {tag()}", text_position="bottom", text_size=28))
    print(f"\nstory: id={result.id} url={result.url} type={result.media_type}")  # noqa: T201 - shown in the integration report
    assert result.id and result.url and result.media_type == "image"
    assert hashlib.sha256(fetch(result.url)).digest() == hashlib.sha256(out.read_bytes()).digest()


def test_chat(real, media, tmp_path):
    out = compressed(media["photo"], "chat", tmp_path)
    result = send_chat_media(real, CHAT_USER, out, f"chat {tag()}")
    print(f"\nchat: chat={result.chat_id} message={result.id} url={result.url}")  # noqa: T201 - shown in the integration report
    assert result.id and result.url and result.media_type == "image"
    assert Image.open(io.BytesIO(fetch(result.url))).size == Image.open(out).size
    with pytest.raises(PreflightError, match="no user named"):
        send_chat_media(real, f"nobody-{tag()}", out)


def test_profile_picture(real, media, tmp_path):
    out = compressed(media["photo"], "profile", tmp_path)
    result = upload_profile_picture(real, out)
    print(f"\nprofile picture: url={result.url}")  # noqa: T201 - shown in the integration report
    assert result.url
    assert fetch(result.url) == out.read_bytes()  # stored exactly as sent
    width, height = Image.open(out).size
    assert width == height  # the profile preset's square crop
