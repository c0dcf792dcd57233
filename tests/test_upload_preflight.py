"""Each pre-flight check refuses with a sentence for a person, before any request is made."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from odnix_desktop.core.upload import (
    PreflightError,
    StoryStyle,
    Target,
    UploadHistory,
    UploadStatus,
    preflight,
    send_chat_media,
    upload_post,
    upload_reel,
    upload_story,
)
from tests.upload_fakes import *  # noqa: F403 - fixtures
from tests.upload_fakes import image_file


def refused(fake, check: str, call) -> PreflightError:
    with pytest.raises(PreflightError) as info:
        call()
    assert info.value.check == check
    assert fake.hits == [] and fake.server.log == [], "a request went out before the check refused"
    assert UploadHistory().rows() == []
    return info.value


def test_caption_longer_than_280_characters(fake, session, photo):
    err = refused(fake, "caption-length", lambda: upload_post(session, photo, "é" * 281))
    assert "281 characters; the limit is 280" in str(err) and str(err).startswith("photo.jpg: ")


def test_caption_limit_counts_like_the_server(fake, session, photo):
    upload_post(session, photo, "  " + "x" * 280 + "\n")  # the server strips before counting
    assert fake.calls("/api/post-scribe/") == 1


def test_image_over_5000_pixels_per_side(fake, session, tmp_path):
    wide = image_file(tmp_path / "wide.png", size=(5001, 10), fmt="PNG")
    err = refused(fake, "image-pixels", lambda: upload_post(session, wide, "wide"))
    assert "5001×10 px; the limit is 5000 px per side" in str(err)


def test_chat_image_over_5000_pixels(fake, session, tmp_path):
    tall = image_file(tmp_path / "tall.png", size=(10, 5001), fmt="PNG")
    refused(fake, "image-pixels", lambda: send_chat_media(session, "alice", tall))


def test_post_image_over_50_mb(fake, session, tmp_path):
    heavy = image_file(tmp_path / "heavy.jpg")
    with heavy.open("r+b") as fh:  # trailing bytes after the JPEG: sparse, instant
        fh.truncate(50 * 1024 * 1024 + 1)
    err = refused(fake, "file-size", lambda: upload_post(session, heavy, "heavy"))
    assert "the limit is 52.4 MB (50 MiB)" in str(err)


def test_type_is_judged_by_content_not_by_name(fake, session, tmp_path, clip):
    text = tmp_path / "notes.jpg"
    text.write_text("not a photo at all\n")
    err = refused(fake, "media-type", lambda: upload_post(session, text, "x"))
    assert "text file" in str(err)
    refused(fake, "media-type", lambda: upload_post(session, clip, "a clip is not a post"))
    jpeg_as_mp4 = image_file(tmp_path / "fake.mp4")
    err = refused(fake, "media-type", lambda: upload_reel(session, jpeg_as_mp4, "x"))
    assert "this is an image; a reel needs a video" in str(err)
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(clip.read_bytes()[:200])
    refused(fake, "media-type", lambda: upload_reel(session, broken, "x"))


def _reel_rows(history: UploadHistory, server: str, n: int, at: datetime, status=UploadStatus.DONE) -> None:
    for i in range(n):
        row = history.begin(
            server=server,
            user="moderator",
            target="reel",
            source=None,
            output=Path(f"r{i}.mp4"),
            output_sha256="0" * 64,
            output_bytes=1,
            started_at=at,
        )
        history.finish(row, status, result_id=str(i))


def test_five_reels_per_utc_day_counted_from_the_history(fake, session, clip):
    history = UploadHistory()
    now = datetime.now(UTC)
    _reel_rows(history, session.server.url, 4, now)
    _reel_rows(history, session.server.url, 1, now, UploadStatus.UNKNOWN)  # may have been counted
    _reel_rows(history, session.server.url, 3, now, UploadStatus.REFUSED)  # was not
    before = len(history.rows())
    with pytest.raises(PreflightError, match="5 reels were already uploaded today") as info:
        upload_reel(session, clip, "sixth", history=history)
    assert info.value.check == "reel-quota" and "after midnight UTC" in str(info.value)
    assert fake.hits == [] and len(history.rows()) == before


def test_yesterdays_reels_do_not_count(fake, session, clip):
    history = UploadHistory()
    now = datetime.now(UTC)
    _reel_rows(history, session.server.url, 5, now - timedelta(days=1))
    _reel_rows(history, "https://other.example", 5, now)  # another server
    assert upload_reel(session, clip, "today's first", history=history).id is not None


def test_same_post_within_3_minutes_is_refused(fake, session, photo):
    now = datetime.now(UTC)
    upload_post(session, photo, "same words", now=now - timedelta(seconds=60))
    fake.hits.clear()
    fake.server.clear_log()
    before = UploadHistory().rows()
    with pytest.raises(PreflightError, match="wait 1[12][0-9] s") as info:
        upload_post(session, photo, " same words ", now=now)
    assert info.value.check == "duplicate-post" and fake.hits == []
    assert UploadHistory().rows() == before
    upload_post(session, photo, "other words", now=now)  # a different caption is fine


def test_same_post_after_3_minutes_is_allowed(fake, session, photo):
    now = datetime.now(UTC)
    history = UploadHistory()
    row = history.begin(
        server=session.server.url,
        user="moderator",
        target="post",
        source=None,
        output=photo,
        output_sha256=None,
        output_bytes=1,
        caption="again",
        started_at=now - timedelta(minutes=4),
    )
    history.finish(row, UploadStatus.DONE)
    upload_post(session, photo, "again", now=now)
    assert fake.calls("/api/post-scribe/") == 1


def test_chat_recipient_must_exist(fake, session, photo):
    with pytest.raises(PreflightError, match="no user named 'nobody'") as info:
        send_chat_media(session, "nobody", photo, "hi")
    assert info.value.check == "chat-recipient"
    assert [p for _, p in fake.hits] == ["/api/profile/nobody/"]  # no media went out
    assert UploadHistory().rows() == []


def test_story_style_is_checked_before_sending(fake, session, photo):
    refused(
        fake,
        "story-style",
        lambda: upload_story(session, photo, StoryStyle(text_size=float("nan"))),
    )
    refused(fake, "story-style", lambda: upload_story(session, photo, StoryStyle(text_color="red")))


def test_the_report_lists_every_check_for_the_window(tmp_path):
    wide = image_file(tmp_path / "wide.png", size=(6000, 10), fmt="PNG")
    report = preflight(Target.POST, wide, "x" * 300, history=UploadHistory(), server="https://s", user="u")
    assert [c.name for c in report.checks] == [
        "caption-length",
        "media-type",
        "image-pixels",
        "file-size",
        "duplicate-post",
    ]
    assert [c.name for c in report.failures] == ["caption-length", "image-pixels"]
    assert not report.ok
