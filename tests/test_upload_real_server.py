"""Against a real Odnix server: each target uploads one compressed file and reads it back.

Runs when ODNIX_TEST_URL, ODNIX_TEST_USER and ODNIX_TEST_PASSWORD are set (see
shared/odnix-server/README.md for running one on 127.0.0.1). Each run uses one of the user's
5 reels of the UTC day. The chat goes to ODNIX_TEST_CHAT_USER (default ``alice``).
"""

from __future__ import annotations

import hashlib
import io
import logging
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
log = logging.getLogger(__name__)

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


# --------------------------------------------------------------------------- shaped for the server (issue 14)
def _ssim(a: Image.Image, b: Image.Image) -> float:
    """Luma SSIM with 8×8 windows (numpy only): enough to rank two uploads of one photo."""
    import numpy as np

    def luma(img: Image.Image) -> np.ndarray:
        return np.asarray(img.convert("L"), dtype=np.float64)

    x, y = luma(a), luma(b)
    h, w = (x.shape[0] // 8) * 8, (x.shape[1] // 8) * 8

    def blocks(m: np.ndarray) -> np.ndarray:
        return m[:h, :w].reshape(h // 8, 8, w // 8, 8).swapaxes(1, 2).reshape(-1, 64)

    bx, by = blocks(x), blocks(y)
    mx, my = bx.mean(1), by.mean(1)
    vx, vy = bx.var(1), by.var(1)
    cov = ((bx - mx[:, None]) * (by - my[:, None])).mean(1)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    return float((((2 * mx * my + c1) * (2 * cov + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2))).mean())


def _stored_post(real: Session, path: Path, caption: str) -> tuple[Image.Image, int]:
    done = upload_post(real, path, caption, history=UploadHistory(path.parent / f"h-{tag()}.sqlite3"))
    assert done.url
    with Image.open(io.BytesIO(fetch(done.url))) as stored:
        return stored.convert("RGB"), path.stat().st_size


def test_shaped_transparent_post_reaches_viewers_on_the_chosen_background(real, tmp_path):
    from odnix_desktop.core.odnix.shaping import shape_for_upload
    from tests.test_odnix_shaping import corners, near, transparent_png

    png = transparent_png(tmp_path / "logo.png")
    shaped = shape_for_upload("post", png, png, tmp_path / "work", background="#2080ff")
    stored, _ = _stored_post(real, shaped.path, f"transparent {tag()}")
    log.info(f"transparent post: stored {stored.size}, corners {corners(stored)}")
    assert stored.size == (900, 563)
    assert all(near(c, (0x20, 0x80, 0xFF), 16) for c in corners(stored))


def test_shaped_post_is_at_least_as_good_as_a_plain_1080_q80_upload_for_fewer_bytes(real, tmp_path):
    import numpy as np

    from odnix_desktop.core.image.quality import ssim2
    from odnix_desktop.core.odnix.shaping import shape_for_upload
    from tests.media_factory import photo_like

    source = tmp_path / "photo.jpg"
    Image.fromarray(photo_like(2400, 1600, seed=7)).save(source, "JPEG", quality=95)
    plain = tmp_path / "plain" / "photo.jpg"
    plain.parent.mkdir()
    with Image.open(source) as img:
        img.thumbnail((1080, 1080), Image.Resampling.LANCZOS)
        img.save(plain, "JPEG", quality=80, optimize=True)
    shaped = shape_for_upload("post", source, source, tmp_path / "work")
    ours, ours_bytes = _stored_post(real, shaped.path, f"shaped {tag()}")
    theirs, plain_bytes = _stored_post(real, plain, f"plain {tag()}")
    assert ours.size == theirs.size == (900, 600)
    with Image.open(source) as img:
        reference = img.convert("RGB").resize(ours.size, Image.Resampling.LANCZOS)
    # The measure (SSIMULACRA2, the fast port) and plain SSIM beside it.
    metric = ssim2.Reference(np.asarray(reference))
    s2_ours, s2_plain = metric.score(np.asarray(ours)), metric.score(np.asarray(theirs))
    q_ours, q_plain = _ssim(reference, ours), _ssim(reference, theirs)
    log.info(
        f"post ({shaped.note}): ours {ours_bytes} B SSIMULACRA2 {s2_ours:.2f} SSIM {q_ours:.4f}; "
        f"plain 1080 q80 {plain_bytes} B SSIMULACRA2 {s2_plain:.2f} SSIM {q_plain:.4f}"
    )
    assert ours_bytes < plain_bytes
    assert s2_ours >= s2_plain


def test_short_portrait_reel_is_stored_as_sent_at_720_wide(real, tmp_path):
    from odnix_desktop.core.odnix.shaping import shape_for_upload
    from odnix_desktop.core.video.probe import probe
    from tests.test_odnix_shaping import _clip

    source = _clip(tmp_path / "portrait.mp4", 3.0, "1080x1920")
    normal = compressed(source, "reel", tmp_path / "out")
    shaped = shape_for_upload("reel", source, normal, tmp_path / "work")
    assert shaped.shaped_for_server is not None
    log.info(f"reel: {shaped.shaped_for_server}")
    assert shaped.path.stat().st_size < 512 * 1024
    done = upload_reel(real, shaped.path, f"portrait {tag()}", history=UploadHistory(tmp_path / "h.sqlite3"))
    assert done.url
    stored = fetch(done.url)
    assert hashlib.sha256(stored).digest() == hashlib.sha256(shaped.path.read_bytes()).digest()
    (tmp_path / "stored.mp4").write_bytes(stored)
    assert probe(tmp_path / "stored.mp4").display_size == (720, 1280)
