"""Server answers are data: every field checked, links checked, messages bounded (issue 10,
items 12, 13 and 16), against the fake Odnix server of ``tests/upload_fakes.py``."""

from __future__ import annotations

import json
import time

import pytest
from werkzeug import Request, Response

from odnix_desktop.core.upload import (
    AnswerNotUnderstoodError,
    LinkPolicy,
    LoginFailedError,
    ServerAddress,
    UploadHistory,
    UploadRefusedError,
    UploadStatus,
    load_account,
    login,
    send_chat_media,
    upload_post,
    upload_profile_picture,
    upload_reel,
    upload_story,
    verify,
)
from odnix_desktop.core.upload.answers import MAX_MESSAGE, clean_server_message
from odnix_desktop.core.userdirs import config_dir
from tests.upload_fakes import *  # noqa: F403 - fixtures
from tests.upload_fakes import PASSWORD, TOKEN, _json, image_file


def _answer(data: object, status: int = 200):
    return lambda request: Response(json.dumps(data), status, content_type="application/json")


# --------------------------------------------------------------------------- item 13: every field checked
def test_a_wrong_typed_answer_fails_that_item_and_the_next_is_still_sent(fake, session, photo, tmp_path):
    """Today: `{"id": {}, "image_url": 12345}` gave a TypeError traceback and lost the batch."""
    second = image_file(tmp_path / "second.jpg", colour=(10, 200, 10))
    answers = iter([{"success": True, "scribe": {"id": {}, "image_url": 12345}}])

    def once_odd(request: Request) -> Response:
        odd = next(answers, None)
        return fake.post_scribe(request) if odd is None else _json(odd)

    fake.override["/api/post-scribe/"] = once_odd
    outcomes = []
    for i, media in enumerate((photo, second)):
        try:
            outcomes.append(upload_post(session, media, f"item {i}").id)
        except AnswerNotUnderstoodError as exc:
            outcomes.append(str(exc))
    assert "the server's answer to the post was not understood" in outcomes[0]
    assert "scribe.id" in outcomes[0] and "TypeError" not in outcomes[0]
    assert "may have kept it" in outcomes[0]  # it said success: true
    assert outcomes[1] == "1"  # the fake's first stored scribe: the second item went through
    rows = UploadHistory().rows()
    # "unknown": the server said it succeeded, so the cooldowns and quotas count it.
    assert [r.status for r in rows] == [UploadStatus.DONE, UploadStatus.UNKNOWN]
    assert "not understood" in (rows[1].error or "")


BAD_UPLOAD_ANSWERS = [
    ("/api/post-scribe/", {"success": True, "scribe": {"id": {}, "image_url": 12345}}, "scribe.id"),
    ("/api/post-scribe/", {"success": True, "scribe": {"id": 1, "image_url": 12345}}, "scribe.image_url"),
    ("/api/post-scribe/", {"success": True, "scribe": [1, 2]}, "scribe is a list"),
    ("/api/post-scribe/", {"success": True}, "no 'scribe'"),
    ("/api/post-scribe/", {"success": "yes", "scribe": {"id": 1}}, "'success' is text"),
    ("/api/post-scribe/", {"success": True, "scribe": {"id": "1; DROP", "image_url": "/m/x"}}, "not an id"),
    ("/api/post-scribe/", {"success": True, "scribe": {"id": True}}, "not an id"),
    ("/api/post-scribe/", {"success": True, "scribe": {"id": 1, "image_url": "/" + "a" * 10_000}}, "longer than"),
    ("/api/create-story/", {"success": True, "story": {"id": [1], "media_url": "/m/x"}}, "story.id"),
    ("/api/create-story/", {"success": True, "story": {"id": 1, "story_type": ["image"]}}, "story.story_type"),
    ("/api/profile/", {"success": True, "user": "me"}, "user is text"),
    ("/api/profile/", {"success": True, "user": {"profile_picture": {"url": "/x"}}}, "user.profile_picture"),
]


@pytest.mark.parametrize(("endpoint", "data", "detail"), BAD_UPLOAD_ANSWERS)
def test_each_upload_answer_is_type_checked(fake, session, photo, endpoint, data, detail):
    fake.override[endpoint] = _answer(data)
    send = {
        "/api/post-scribe/": lambda: upload_post(session, photo, "x"),
        "/api/create-story/": lambda: upload_story(session, photo),
        "/api/profile/": lambda: upload_profile_picture(session, photo),
    }[endpoint]
    with pytest.raises(AnswerNotUnderstoodError, match="was not understood") as info:
        send()
    assert detail in str(info.value)
    expected = UploadStatus.UNKNOWN if data.get("success") is True else UploadStatus.FAILED
    assert UploadHistory().rows()[0].status is expected


@pytest.mark.parametrize(
    ("endpoint", "data", "detail"),
    [
        ("/api/create-chat/", {"success": True, "chat_id": "1"}, "chat_id is text"),
        ("/api/create-chat/", {"success": True, "chat_id": True}, "chat_id is true/false"),
        ("/api/create-chat/", {"success": True, "chat_id": 0}, "chat_id"),
        ("/api/send-message/", {"success": True, "message": {"id": 1, "media_type": 7}}, "message.media_type"),
        ("/api/send-message/", {"success": True, "message": None}, "message is missing"),
    ],
)
def test_chat_answers_are_type_checked(fake, session, photo, endpoint, data, detail):
    fake.override[endpoint] = _answer(data)
    with pytest.raises(AnswerNotUnderstoodError, match="was not understood") as info:
        send_chat_media(session, "alice", photo)
    assert detail in str(info.value)


def test_a_profile_listing_of_the_wrong_shape_fails_the_reel_before_it_is_sent(fake, session, clip):
    fake.override["/api/profile/me/"] = _answer({"success": True, "omzos": {"id": 1}})
    with pytest.raises(AnswerNotUnderstoodError, match="'omzos' is an object"):
        upload_reel(session, clip, "r")
    assert fake.calls("/api/omzo/upload/") == 0


def test_a_reel_listed_with_odd_entries_is_sent_and_reported_without_an_id(fake, session, clip):
    """The upload went through; only the look-up afterwards could not be read."""
    real = fake.profile_me
    calls = []

    def odd_after_upload(request: Request) -> Response:
        calls.append(1)
        if len(calls) == 1:
            return real(request)
        return _json({"success": True, "omzos": [{"id": {"x": 1}}]})

    fake.override["/api/profile/me/"] = odd_after_upload
    result = upload_reel(session, clip, "odd listing")
    assert result.id is None and result.url is None and result.warnings
    assert len(fake.omzos) == 1


def test_an_answer_that_is_not_json_or_not_an_object_is_not_understood(fake, session, photo):
    for body in ("<html>hello</html>", "[1, 2, 3]", "[" * 100_000):
        fake.override["/api/post-scribe/"] = lambda r, body=body: Response(body, 200, content_type="application/json")
        with pytest.raises(AnswerNotUnderstoodError, match="instead of the Odnix API's JSON"):
            upload_post(session, photo, f"not json {len(body)}")


# --------------------------------------------------------------------------- item 12: links
REFUSED_LINKS = [
    "file:///etc/passwd",
    "smb://fileserver/share/x.webp",
    "javascript:alert(document.cookie)",
    "odnix-custom://open?x=1",
    "https://evil.example/media/x.webp",
    "//evil.example/media/x.webp",
    "https://moderator@evil.example/x",
    "http://127.0.0.1@evil.example/x",
    "/media/x\\..\\y.webp",
    "/media/x.webp\nSet-Cookie: a",
    "http://127.0.0.1:99999999/x",
    " javascript:alert(1)",
]


@pytest.mark.parametrize("link", REFUSED_LINKS)
def test_links_that_are_not_http_on_the_servers_host_are_recorded_as_no_link(fake, session, photo, link):
    """Today every one of these went to the result, the history and the window's openUrl."""
    fake.override["/api/post-scribe/"] = _answer({"success": True, "scribe": {"id": 7, "image_url": link}})
    result = upload_post(session, photo, "link")
    assert result.id == "7" and result.url is None
    row = UploadHistory().rows()[0]
    assert row.status is UploadStatus.DONE and row.result_url is None


@pytest.mark.parametrize("endpoint", ["/api/create-story/", "/api/send-message/", "/api/profile/"])
def test_every_target_refuses_a_file_link(fake, session, photo, endpoint):
    key = {"/api/create-story/": "story", "/api/send-message/": "message", "/api/profile/": "user"}[endpoint]
    field = "profile_picture" if key == "user" else "media_url"
    fake.override[endpoint] = _answer({"success": True, key: {"id": 3, field: "file:///home/me/.ssh/id_rsa"}})
    if endpoint == "/api/send-message/":
        result = send_chat_media(session, "alice", photo)
    elif endpoint == "/api/profile/":
        result = upload_profile_picture(session, photo)
    else:
        result = upload_story(session, photo)
    assert result.url is None and UploadHistory().rows()[0].result_url is None


def test_a_reel_link_on_the_profile_is_checked_too(fake, session, clip):
    def upload_then_odd_link(request: Request) -> Response:
        answer = fake.omzo_upload(request)
        fake.omzos[-1]["video_url"] = "javascript:alert(1)"
        return answer

    fake.override["/api/omzo/upload/"] = upload_then_odd_link
    result = upload_reel(session, clip, "js link")
    assert result.id is not None and result.url is None


def test_links_on_the_server_or_its_media_host_are_kept(fake, session, photo):
    fake.override["/api/post-scribe/"] = _answer(
        {"success": True, "scribe": {"id": 1, "image_url": "/media/scribe_images/a.webp"}}
    )
    assert upload_post(session, photo, "a").url == f"{fake.url}/media/scribe_images/a.webp"
    policy = LinkPolicy(ServerAddress.parse("https://odnix.example"), media_host="cdn.odnix.example")
    assert policy.check("https://cdn.odnix.example/m/a.webp") == "https://cdn.odnix.example/m/a.webp"
    assert policy.check("http://ODNIX.example/m/a.webp") == "http://ODNIX.example/m/a.webp"
    assert policy.check("https://cdn.evil.example/m/a.webp") is None
    assert LinkPolicy(ServerAddress.parse("https://odnix.example")).check("https://cdn.odnix.example/a") is None


# --------------------------------------------------------------------------- server messages
def test_chat_error_brackets_are_stripped_without_evaluating_them():
    assert clean_server_message("['Invalid or corrupt image file.']") == "Invalid or corrupt image file."
    assert clean_server_message("[\"It's too large.\", 'Max 5000px.']") == "It's too large. Max 5000px."
    assert clean_server_message("[__import__('os').system('x')]") == "[__import__('os').system('x')]"
    assert clean_server_message("Post errors have no brackets") == "Post errors have no brackets"
    assert clean_server_message("a\x1b[31mred\x1b[0m\r\nline\u202e") == "a [31mred [0m line"


def test_a_huge_bracketed_error_is_bounded(fake, session, photo):
    """Today ast.literal_eval on a huge "['...']" raised MemoryError."""
    huge = "[" + ", ".join(["'x'"] * 1_000_000) + "]"
    fake.override["/api/send-message/"] = _answer({"success": False, "error": huge})
    started = time.monotonic()
    with pytest.raises(UploadRefusedError) as info:
        send_chat_media(session, "alice", photo)
    assert time.monotonic() - started < 10
    assert len(info.value.server_message) <= MAX_MESSAGE


def test_an_error_that_is_not_text_is_ignored_not_crashed_on(fake, session, photo):
    fake.override["/api/post-scribe/"] = _answer({"success": False, "error": {"nested": ["x"]}})
    with pytest.raises(UploadRefusedError, match="no reason given"):
        upload_post(session, photo, "x")


# --------------------------------------------------------------------------- item 16: identity
@pytest.mark.parametrize(
    ("user", "detail"),
    [
        ({"id": 1, "username": "../../etc"}, "user.username is not a user name"),
        ({"id": 1, "username": "x" * 151}, "user.username is not a user name"),
        ({"id": 1, "username": 42}, "user.username is not a user name"),
        ({"id": 1, "username": "mod\nerator"}, "user.username is not a user name"),
        ({"id": -3, "username": "moderator"}, "user.id"),
        ({"id": True, "username": "moderator"}, "user.id"),
        ({"id": "1", "username": "moderator"}, "user.id"),
        ("moderator", "user is text"),
    ],
)
def test_identity_fields_are_checked_before_anything_is_stored(fake, fast_settings, memory_keyring, user, detail):
    fake.override["/api/login/"] = _answer({"success": True, "token": TOKEN, "user": user})
    with pytest.raises(AnswerNotUnderstoodError, match="the login was not understood") as info:
        login(ServerAddress.parse(fake.url), "moderator", PASSWORD, settings=fast_settings)
    assert detail in str(info.value)
    assert memory_keyring.entries == {} and load_account() is None


@pytest.mark.parametrize("token", [12345, "", "tok\r\nX-Evil: 1", "t" * 600, "tök"])
def test_a_token_that_cannot_be_a_token_is_refused(fake, fast_settings, token):
    fake.override["/api/login/"] = _answer({"success": True, "token": token, "user": {"id": 1, "username": "m"}})
    with pytest.raises(AnswerNotUnderstoodError, match="token"):
        login(ServerAddress.parse(fake.url), "moderator", PASSWORD, settings=fast_settings)


def test_the_servers_valid_user_name_is_the_one_kept(fake, fast_settings):
    fake.override["/api/login/"] = _answer(
        {"success": True, "token": TOKEN, "user": {"id": 9, "username": "Zoë.o+1@x-y_z"}}
    )
    session = login(ServerAddress.parse(fake.url), "zoe@example.test", PASSWORD, settings=fast_settings)
    assert session.username == "Zoë.o+1@x-y_z" and session.user_id == 9


def test_a_login_refusal_with_an_odd_body_is_still_a_login_failure(fake, fast_settings):
    fake.override["/api/login/"] = _answer({"success": False, "error": ["Invalid", {"x": 1}]}, 401)
    with pytest.raises(LoginFailedError, match="wrong user name or password"):
        login(ServerAddress.parse(fake.url), "moderator", PASSWORD, settings=fast_settings)


def test_verify_checks_the_user_it_is_told(fake, session):
    fake.override["/api/verify-token/"] = _answer({"success": True, "user": {"id": 1, "username": "<script>"}})
    with pytest.raises(AnswerNotUnderstoodError, match="user.username"):
        verify(session)


@pytest.mark.parametrize(
    "stored",
    [
        {"server": "http://127.0.0.1:1", "user": "a/../b"},
        {"server": "http://127.0.0.1:1", "user": 5},
        {"server": ["x"], "user": "alice"},
        {"server": "http://127.0.0.1:1", "user": "alice", "allow_insecure_http": "yes"},
    ],
)
def test_an_edited_account_file_with_a_bad_identity_is_ignored(stored):
    path = config_dir() / "account.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(stored), encoding="utf-8")
    assert load_account() is None


def test_a_session_with_a_media_host_keeps_links_to_it(fake, session, photo):
    from dataclasses import replace

    cdn = replace(session, media_host="media.odnix.example")
    fake.override["/api/post-scribe/"] = _answer(
        {"success": True, "scribe": {"id": 2, "image_url": "https://media.odnix.example/s/a.webp"}}
    )
    assert upload_post(cdn, photo, "cdn").url == "https://media.odnix.example/s/a.webp"
    assert upload_post(session, photo, "no cdn").url is None
