"""The upload client against a fake Odnix server: login, tokens, answers, drops, retries, cancel."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest
from werkzeug import Request, Response

from odnix_desktop.core.errors import Cancelled
from odnix_desktop.core.upload import (
    ConnectionLostError,
    HttpSettings,
    InsecureServerError,
    LoginFailedError,
    LoginRequiredError,
    OutcomeUnknownError,
    ServerAddress,
    ServerError,
    Session,
    StoryStyle,
    TokenStore,
    UploadHistory,
    UploadProgress,
    UploadRefusedError,
    UploadStatus,
    load_account,
    login,
    logout,
    remember,
    restore,
    send_chat_media,
    upload_post,
    upload_profile_picture,
    upload_reel,
    upload_story,
    verify,
)
from odnix_desktop.core.upload.transport import OdnixHttp
from odnix_desktop.core.upload.transport import Request as ApiRequest
from odnix_desktop.core.userdirs import data_dir
from tests.upload_fakes import *  # noqa: F403 - fixtures
from tests.upload_fakes import (
    PASSWORD,
    TOKEN,
    FakeOdnix,
    drop_connection,
    image_file,
    noisy_png,
    video_file,
)


@pytest.fixture(scope="module")
def big_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """~27 MB that cannot be compressed: more than the loopback socket buffers hold."""
    return noisy_png(tmp_path_factory.mktemp("big") / "noise.png", (3000, 3000))


# --------------------------------------------------------------------------- session
def test_login_sends_json_without_token_and_keeps_the_token_in_the_keyring(fake, memory_keyring, fast_settings):
    server = ServerAddress.parse(fake.url)
    s = login(server, "moderator", PASSWORD, settings=fast_settings)
    assert s.token == TOKEN and s.username == "moderator" and s.user_id == 1
    assert TOKEN not in repr(s)
    req = fake.server.log[0][0]
    assert req.path == "/api/login/" and req.is_json and "Authorization" not in req.headers
    store = TokenStore()
    assert remember(s, store) is True
    assert memory_keyring.entries == {(f"odnix-desktop:{server.url}", "moderator"): TOKEN}
    account = load_account()
    assert account is not None and account.server == server.url and account.user == "moderator"
    restored = restore(account, TokenStore(), fast_settings)
    assert restored is not None and verify(restored).token == TOKEN
    assert fake.server.log[-1][0].headers["Authorization"] == f"Token {TOKEN}"


def test_wrong_password_is_a_login_failure(fake, fast_settings):
    with pytest.raises(LoginFailedError, match="Invalid username or password"):
        login(ServerAddress.parse(fake.url), "moderator", "nope", settings=fast_settings)
    assert fake.calls("/api/login/") == 1  # not retried


def test_without_a_keyring_the_token_stays_in_memory_and_says_so(fake, fast_settings, caplog):
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        s = login(ServerAddress.parse(fake.url), "moderator", PASSWORD, settings=fast_settings)
        store = TokenStore()
        assert not store.persistent and "no system keyring" in (store.unavailable_reason or "")
        with caplog.at_level(logging.WARNING):
            assert remember(s, store) is False
        assert "memory only" in caplog.text
        assert store.load(s.server.url, "moderator") == TOKEN  # this process still has it
        assert TokenStore().load(s.server.url, "moderator") is None  # nothing persisted
    finally:
        keyring.set_keyring(previous)


def test_a_plaintext_file_keyring_is_refused():
    plaintext = type("PlaintextKeyring", (MemoryKeyring,), {"__module__": "keyrings.alt.file"})  # noqa: F405
    store = TokenStore(plaintext())
    assert not store.persistent and "plain-text" in (store.unavailable_reason or "")
    assert store.save("https://x", "u", TOKEN) is False


def test_logout_forgets_token_and_account(fake, memory_keyring, fast_settings):
    s = login(ServerAddress.parse(fake.url), "moderator", PASSWORD, settings=fast_settings)
    remember(s, TokenStore())
    logout(s.account, TokenStore())
    assert memory_keyring.entries == {}
    assert load_account() is None
    assert restore(s.account, TokenStore()) is None


def test_401_means_log_in_again_whatever_the_call(fake, photo, fast_settings):
    stale = Session(ServerAddress.parse(fake.url), "moderator", "stale-token", None, fast_settings)
    with pytest.raises(LoginRequiredError, match="log in again"):
        verify(stale)
    with pytest.raises(LoginRequiredError):
        upload_post(stale, photo, "hello")
    with pytest.raises(LoginRequiredError):
        upload_reel(stale, video_file(photo.with_name("c.mp4")), "hi")  # the profile lookup gets the 401
    assert fake.calls("/api/post-scribe/") == 1 and fake.calls("/api/omzo/upload/") == 0
    rows = UploadHistory().rows()
    assert [(r.target, r.status) for r in rows] == [("post", UploadStatus.FAILED)]


@pytest.mark.parametrize("url", ["http://odnix.example", "http://10.0.0.7:8000"])
def test_plain_http_to_another_host_is_refused_unless_allowed(url):
    with pytest.raises(InsecureServerError, match="plain http"):
        ServerAddress.parse(url)
    assert ServerAddress.parse(url, allow_insecure_http=True).url == url


@pytest.mark.parametrize(
    "url", ["http://localhost:8765", "http://127.0.0.1", "http://[::1]:9", "https://odnix.example"]
)
def test_https_and_this_computer_are_allowed(url):
    assert ServerAddress.parse(url).url == url


def test_token_never_sent_over_plain_http_even_if_the_address_was_built_by_hand(fake):
    remote = ServerAddress("http://192.0.2.10")  # bypasses parse()
    with pytest.raises(InsecureServerError):
        OdnixHttp(remote, TOKEN).send(ApiRequest("GET", "/api/verify-token/", "the check"))


def test_a_redirect_is_not_followed(fake, session):
    fake.override["/api/verify-token/"] = lambda r: Response("", 302, {"Location": "http://elsewhere.example/"})
    with pytest.raises(ServerError, match="redirected"):
        verify(session)
    assert fake.calls("/api/verify-token/") == 1


def test_tls_is_verified(tmp_path, fast_settings):
    """A server with a self-signed certificate is refused; nothing is sent to it."""
    import shutil
    import ssl
    import subprocess

    from pytest_httpserver import HTTPServer

    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a self-signed certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with HTTPServer(host="localhost", port=0, ssl_context=context) as server:
        server.expect_request("/api/verify-token/").respond_with_json({"success": True})
        s = Session(ServerAddress.parse(f"https://localhost:{server.port}"), "u", TOKEN, None, fast_settings)
        from odnix_desktop.core.upload import TLSError

        with pytest.raises(TLSError, match="certificate"):
            verify(s)
        assert server.log == []


# --------------------------------------------------------------------------- targets
def test_each_target_returns_its_ids_and_urls(fake, session, photo, clip):
    post = upload_post(session, photo, "first post")
    assert post.id == "1" and post.url == f"{fake.url}/media/scribe_images/photo_opt.webp"
    reel = upload_reel(session, clip, "a reel")
    assert reel.id == "101" and reel.url == f"{fake.url}/media/omzo_videos/clip.mp4"
    story = upload_story(session, photo, StoryStyle(text="hi", text_position="top", text_size=30))
    assert story.id == "1" and story.url == f"{fake.url}/media/story_media/photo.jpg"
    assert fake.stories[0]["story_type"] == "image" and fake.stories[0]["text_position"] == "top"
    chat = send_chat_media(session, "alice", photo, "look")
    assert chat.id == "1" and chat.chat_id == 1 and chat.media_type == "image"
    avatar = upload_profile_picture(session, photo)
    assert avatar.url is not None and avatar.url.startswith(f"{fake.url}/media/profile_pics/avatar-")
    assert avatar.url.endswith(".jpg")
    assert [r.status for r in UploadHistory().rows()] == [UploadStatus.DONE] * 5


def test_upload_name_follows_the_content_not_the_extension(fake, session, tmp_path):
    misnamed = image_file(tmp_path / "holiday.bin", fmt="PNG")
    upload_story(session, misnamed)
    assert fake.stories[0]["media_url"] == "/media/story_media/holiday.png"


def test_success_false_at_http_200_is_a_refusal_with_the_servers_words(fake, session, photo):
    fake.override["/api/send-message/"] = lambda r: Response(
        '{"success": false, "error": "[\'Invalid or corrupt image file.\']"}',
        200,
        content_type="application/json",
    )
    with pytest.raises(UploadRefusedError) as info:
        send_chat_media(session, "alice", photo)
    assert info.value.server_message == "Invalid or corrupt image file."
    assert "[" not in str(info.value)
    assert fake.calls("/api/send-message/") == 1
    assert UploadHistory().rows()[0].status is UploadStatus.REFUSED


def test_5xx_is_not_retried_for_a_post(fake, session, photo):
    fake.override["/api/post-scribe/"] = lambda r: Response(
        '{"success": false, "error": "boom"}', 500, content_type="application/json"
    )
    with pytest.raises(ServerError, match="HTTP 500.*boom"):
        upload_post(session, photo, "x")
    assert fake.calls("/api/post-scribe/") == 1


def test_5xx_is_retried_with_backoff_for_a_safe_call(fake, session):
    answers = iter([503, 502])

    def flaky(request: Request) -> Response:
        status = next(answers, None)
        return fake.verify(request) if status is None else Response("busy", status)

    fake.override["/api/verify-token/"] = flaky
    verify(session)
    assert fake.calls("/api/verify-token/") == 3


def test_5xx_retries_stop_after_three(fake, session):
    fake.override["/api/verify-token/"] = lambda r: Response("down", 503)
    with pytest.raises(ServerError, match="HTTP 503"):
        verify(session)
    assert fake.calls("/api/verify-token/") == 4  # the first try and 3 retries


def test_connection_refused_is_retried_and_reported_as_not_sent(fast_settings, photo):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    closed = Session(ServerAddress.parse(f"http://127.0.0.1:{port}"), "u", TOKEN, None, fast_settings)
    with pytest.raises(ConnectionLostError, match="nothing was sent") as info:
        upload_post(closed, photo, "x")
    assert info.value.reached_server is False
    assert UploadHistory().rows()[0].status is UploadStatus.FAILED


def test_connection_dropped_before_the_body_was_sent_is_retried(fake, session, big_png):
    drops = []

    def hook(request: Request) -> Response | None:
        if request.path == "/api/post-scribe/" and not drops:
            drops.append(request.path)
            return drop_connection(request)  # the body was not read
        return None

    fake.server.before_body = hook
    result = upload_post(session, big_png, "big one")
    assert result.id == "1" and drops and fake.calls("/api/post-scribe/") == 1
    assert fake.scribes[0]["bytes"] == big_png.stat().st_size


def _drop_after_body(fake: FakeOdnix, path: str, then=None):
    attempts: list[int] = []

    def hook(request: Request) -> Response | None:
        if request.path != path:
            return None
        request.get_data()  # the whole body arrived
        attempts.append(1)
        if then is not None:
            then(request)
        return drop_connection(request)

    fake.server.before_body = hook
    return attempts


def test_a_post_dropped_after_its_body_was_sent_is_not_repeated(fake, session, photo):
    attempts = _drop_after_body(fake, "/api/post-scribe/")
    with pytest.raises(OutcomeUnknownError, match="may have received it"):
        upload_post(session, photo, "x")
    assert len(attempts) == 1
    assert UploadHistory().rows()[0].status is UploadStatus.UNKNOWN


def test_a_reel_fully_sent_is_never_retried(fake, session, clip):
    attempts = _drop_after_body(fake, "/api/omzo/upload/")
    with pytest.raises(OutcomeUnknownError, match="not sent again"):
        upload_reel(session, clip, "my reel")
    assert len(attempts) == 1
    row = UploadHistory().rows()[0]
    assert row.target == "reel" and row.status is UploadStatus.UNKNOWN


def test_a_reel_whose_answer_was_lost_is_found_on_the_profile(fake, session, clip):
    def arrives(request: Request) -> None:
        fake.omzos.append(
            {
                "id": 555,
                "user": "moderator",
                "caption": "lost answer",
                "video_url": f"{fake.url}/media/omzo_videos/x.mp4",
                "timestamp": "t",
            }
        )

    attempts = _drop_after_body(fake, "/api/omzo/upload/", then=arrives)
    result = upload_reel(session, clip, "lost answer")
    assert len(attempts) == 1 and result.id == "555" and result.warnings


def test_a_safe_call_dropped_after_its_body_is_repeated(fake, session, photo):
    attempts = []

    def hook(request: Request) -> Response | None:
        if request.path == "/api/profile/" and not attempts:
            request.get_data()
            attempts.append(1)
            return drop_connection(request)
        return None

    fake.server.before_body = hook
    result = upload_profile_picture(session, photo)
    assert result.url and attempts == [1] and fake.calls("/api/profile/") == 1


def test_a_slow_answer_times_out(fake, photo):
    release = threading.Event()

    def slow(request: Request) -> Response:
        release.wait(10)
        return fake.post_scribe(request)

    fake.override["/api/post-scribe/"] = slow
    settings = HttpSettings(connect_timeout=2, read_timeout=0.5, processing_timeout=0.5, retries=3, backoff=0)
    s = Session(ServerAddress.parse(fake.url), "moderator", TOKEN, None, settings)
    started = time.monotonic()
    try:
        with pytest.raises(OutcomeUnknownError, match="did not answer within 0.5 s"):
            upload_post(s, photo, "slow")
    finally:
        release.set()
    assert time.monotonic() - started < 5
    assert fake.calls("/api/post-scribe/") == 1


# --------------------------------------------------------------------------- progress and cancel
def test_progress_reports_bytes_and_never_goes_back(fake, session, big_png):
    seen: list[UploadProgress] = []
    upload_post(session, big_png, "progress", report=seen.append)
    fractions = [p.fraction for p in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    body = [p for p in seen if p.stage == "uploading" and p.bytes_total]
    assert len(body) > 10 and body[-1].bytes_sent == body[-1].bytes_total > big_png.stat().st_size


def test_cancel_while_the_server_processes_a_reel_aborts_the_request(fake, session, clip):
    release = threading.Event()
    reached = threading.Event()

    def transcoding(request: Request) -> Response:
        reached.set()
        release.wait(10)
        return fake.omzo_upload(request)

    fake.override["/api/omzo/upload/"] = transcoding
    cancel = threading.Event()
    stages: list[str] = []

    def report(p) -> None:
        stages.append(p.stage)
        if p.stage == "processing on server":
            cancel.set()

    started = time.monotonic()
    try:
        with pytest.raises(Cancelled):
            upload_reel(session, clip, "cancel me", report=report, cancel=cancel)
    finally:
        release.set()
    assert time.monotonic() - started < 3
    assert "uploading" in stages and "processing on server" in stages
    assert UploadHistory().rows()[0].status is UploadStatus.CANCELLED


def test_cancel_while_sending_stops_the_body(fake, session, big_png):
    cancel = threading.Event()

    def report(p) -> None:
        if isinstance(p, UploadProgress) and p.bytes_sent > 1_000_000:
            cancel.set()

    with pytest.raises(Cancelled):
        upload_post(session, big_png, "stop", report=report, cancel=cancel)
    assert fake.scribes == []


def test_cancel_before_start_sends_nothing(fake, session, photo):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        upload_post(session, photo, "never", cancel=cancel)
    assert fake.hits == [] and UploadHistory().rows() == []


# --------------------------------------------------------------------------- secrets
def test_the_token_and_password_never_reach_disk_or_logs(fake, memory_keyring, fast_settings, photo, clip, caplog):
    caplog.set_level(logging.DEBUG)
    s = login(ServerAddress.parse(fake.url), "moderator", PASSWORD, settings=fast_settings)
    remember(s, TokenStore())
    upload_post(s, photo, "secret test")
    upload_reel(s, clip, "secret reel")
    send_chat_media(s, "alice", photo, "hi")
    stale = Session(s.server, "moderator", TOKEN + "x", None, fast_settings)
    with pytest.raises(LoginRequiredError) as info:
        upload_post(stale, photo, "other caption")
    fake.override["/api/post-scribe/"] = lambda r: Response("<html>oops</html>", 500)
    with pytest.raises(ServerError) as info2:
        upload_post(s, photo, "third")
    # Not in logs, messages, reprs...
    texts = [caplog.text, str(info.value), str(info2.value), repr(s), repr(s.http())]
    for text in texts:
        assert TOKEN not in text and PASSWORD not in text
    # ...nor in any file of the user folders (history, account, cache).
    root = data_dir().parent
    files = [p for p in root.rglob("*") if p.is_file()]
    assert any(p.name.startswith("upload-history") for p in files)
    for p in files:
        data = p.read_bytes()
        assert TOKEN.encode() not in data and PASSWORD.encode() not in data, p
