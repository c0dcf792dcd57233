"""Network reads are bounded in time and size, and a gateway error after the body is "unknown"
(issue 10, items 11 and 14)."""

from __future__ import annotations

import socket
import threading
import time
import tracemalloc
from collections.abc import Iterator

import pytest
from werkzeug import Request, Response

from odnix_desktop.core.upload import (
    AnswerTooLargeError,
    ConnectionLostError,
    HttpSettings,
    LoginFailedError,
    OutcomeUnknownError,
    ServerAddress,
    ServerError,
    Session,
    UploadHistory,
    UploadStatus,
    login,
    upload_post,
    upload_profile_picture,
    verify,
)
from tests.upload_fakes import *  # noqa: F403 - fixtures
from tests.upload_fakes import PASSWORD, TOKEN


# --------------------------------------------------------------------------- a server that trickles
class DripServer:
    """A raw socket server: reads the request (headers and ``Content-Length`` bytes of body), then
    sends ``answer`` one byte every ``interval`` seconds, well inside any per-read timeout."""

    def __init__(self, answer: bytes, interval: float) -> None:
        self.answer, self.interval = answer, interval
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.requests = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = next(
                (
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                ),
                0,
            )
            while len(body) < length:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                body += chunk
            self.requests += 1
            for byte in self.answer:
                if self.stop.wait(self.interval):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return

    def close(self) -> None:
        self.stop.set()
        self.sock.close()
        self.thread.join(5)


@pytest.fixture
def drip() -> Iterator[DripServer]:
    body = b'{"success": true, "scribe": {"id": 1, "image_url": "/media/x.webp"}}'
    answer = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )
    server = DripServer(answer, interval=0.2)
    yield server
    server.close()


def _dripping_session(drip: DripServer, retries: int = 0) -> Session:
    # Each read may wait 2 s and a byte comes every 0.2 s: only the overall deadline can stop it.
    settings = HttpSettings(
        connect_timeout=2, read_timeout=2, processing_timeout=2, retries=retries, backoff=0, deadline=1.0
    )
    return Session(ServerAddress.parse(f"http://127.0.0.1:{drip.port}"), "moderator", TOKEN, 1, settings)


def test_a_post_whose_answer_trickles_ends_at_the_deadline_as_unknown(drip, photo):
    started = time.monotonic()
    with pytest.raises(OutcomeUnknownError, match=r"did not finish within 1\.\d* s after the post was sent"):
        upload_post(_dripping_session(drip), photo, "slow drip")
    elapsed = time.monotonic() - started
    assert elapsed < 4, elapsed  # the whole answer would take about 25 s
    assert drip.requests == 1
    assert UploadHistory().rows()[0].status is UploadStatus.UNKNOWN


def test_a_safe_call_that_trickles_is_retried_then_fails_at_the_deadline(drip):
    started = time.monotonic()
    with pytest.raises(ConnectionLostError, match="did not finish within"):
        verify(_dripping_session(drip, retries=1))
    assert time.monotonic() - started < 5
    assert drip.requests == 2


def test_the_deadline_allows_for_the_bodys_size(fake, session, tmp_path):
    """A big body at a slow but real speed is not cut off: the deadline grows with its size."""
    from tests.upload_fakes import noisy_png

    big = noisy_png(tmp_path / "big.png", (1200, 1200))  # ~4 MB
    settings = HttpSettings(
        connect_timeout=2, read_timeout=2, retries=0, backoff=0, deadline=0.5, min_send_rate=1024 * 1024
    )
    slow = Session(session.server, session.username, TOKEN, 1, settings)
    original = fake.post_scribe

    def slow_reader(request: Request) -> Response:
        stream = request.stream
        while stream.read(256 * 1024):
            time.sleep(0.05)  # ~5 MB/s
        return original(request)

    fake.override["/api/post-scribe/"] = slow_reader
    assert upload_post(slow, big, "big and slow").id == "1"


# --------------------------------------------------------------------------- size cap
def test_a_huge_login_answer_is_refused_without_taking_its_size_in_memory(fake, fast_settings):
    """Today a 300 MB login answer took 652 MB of RAM. Here: 64 MB streamed, capped at 1 MB."""
    chunk = b" " * (64 * 1024)

    def huge(request: Request) -> Response:
        def body() -> Iterator[bytes]:
            yield b'{"success": true, "token": "'
            for _ in range(1024):
                yield chunk
            yield b'"}'

        return Response(body(), 200, content_type="application/json")  # chunked, no Content-Length

    fake.override["/api/login/"] = huge
    settings = HttpSettings(connect_timeout=2, read_timeout=2, retries=0, max_answer_bytes=1024 * 1024)
    tracemalloc.start()
    try:
        with pytest.raises(AnswerTooLargeError, match="larger than 1 MB"):
            login(ServerAddress.parse(fake.url), "moderator", PASSWORD, settings=settings)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024, peak  # the client and the in-process server together


def test_a_declared_huge_answer_is_refused_before_reading():
    answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 314572800\r\n\r\n{}"
    server = DripServer(answer, interval=0.0)
    try:
        with pytest.raises(AnswerTooLargeError, match="larger than 8 MB"):
            verify(_dripping_session(server))
    finally:
        server.close()


def test_a_normal_answer_is_under_the_default_cap(fake, fast_settings):
    assert HttpSettings().max_answer_bytes >= 1024 * 1024
    assert login(ServerAddress.parse(fake.url), "moderator", PASSWORD, settings=fast_settings).token


def test_a_wrong_password_still_reads_as_a_login_failure(fake, fast_settings):
    with pytest.raises(LoginFailedError):
        login(ServerAddress.parse(fake.url), "moderator", "nope", settings=fast_settings)


# --------------------------------------------------------------------------- item 14: gateway errors
@pytest.mark.parametrize("status", [502, 504])
def test_a_gateway_error_after_the_whole_body_means_check_before_retrying(fake, session, photo, status):
    def gateway(request: Request) -> Response:
        request.get_data()  # the whole body arrived; the "upstream" may have stored it
        fake.post_scribe(request)
        return Response("<html>Bad Gateway</html>", status, content_type="text/html")

    fake.override["/api/post-scribe/"] = gateway
    with pytest.raises(OutcomeUnknownError, match=f"HTTP {status} after the post was sent") as info:
        upload_post(session, photo, "via gateway")
    assert "check your profile before trying again" in str(info.value)
    assert fake.calls("/api/post-scribe/") == 1 and len(fake.scribes) == 1  # not posted twice
    assert UploadHistory().rows()[0].status is UploadStatus.UNKNOWN


def test_a_500_after_the_body_is_still_a_failure(fake, session, photo):
    fake.override["/api/post-scribe/"] = lambda r: Response('{"error": "boom"}', 500, content_type="application/json")
    with pytest.raises(ServerError) as info:
        upload_post(session, photo, "x")
    assert not isinstance(info.value, OutcomeUnknownError)
    assert UploadHistory().rows()[0].status is UploadStatus.FAILED


def test_a_gateway_error_on_a_safe_call_is_retried(fake, session, photo):
    answers = iter([502, 504])

    def flaky(request: Request) -> Response:
        status = next(answers, None)
        request.get_data()
        return fake.profile_update(request) if status is None else Response("gw", status)

    fake.override["/api/profile/"] = flaky
    assert upload_profile_picture(session, photo).url
    assert fake.calls("/api/profile/") == 3
