"""The upload history: rows written before sending, completed after, versioned, without secrets."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path

import pytest
from werkzeug import Request, Response

from odnix_desktop.core.errors import Cancelled
from odnix_desktop.core.upload import (
    HistoryError,
    UploadHistory,
    UploadRefusedError,
    UploadStatus,
    upload_post,
)
from odnix_desktop.core.upload.history import HISTORY_FILE, SCHEMA_VERSION
from odnix_desktop.core.userdirs import data_dir
from tests.upload_fakes import *  # noqa: F403 - fixtures
from tests.upload_fakes import TOKEN, image_file


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    return image_file(tmp_path / "out.jpg")


def test_a_done_row_has_everything(fake, session, photo, tmp_path):
    original = tmp_path / "IMG_0001.HEIC"
    result = upload_post(session, photo, "caption here", source=original)
    (row,) = UploadHistory().rows()
    assert (data_dir() / HISTORY_FILE).is_file()
    assert row.id == result.history_id
    assert (row.server, row.user, row.target) == (fake.url, "moderator", "post")
    assert row.source_path == str(original) and row.output_path == str(photo)
    assert row.output_sha256 == hashlib.sha256(photo.read_bytes()).hexdigest()
    assert row.output_bytes == photo.stat().st_size
    assert (row.result_id, row.result_url) == (result.id, result.url)
    assert row.status is UploadStatus.DONE and row.error is None and row.caption == "caption here"
    assert row.finished_at is not None and row.finished_at >= row.started_at
    assert row.to_json()["status"] == "done"


def test_the_row_is_written_before_the_body_goes_out(fake, session, photo):
    seen = []

    def post(request: Request) -> Response:
        seen.extend(UploadHistory().rows())  # what a crash at this moment would leave
        return fake.post_scribe(request)

    fake.override["/api/post-scribe/"] = post
    upload_post(session, photo, "crash-safe")
    assert [(r.target, r.status) for r in seen] == [("post", UploadStatus.SENDING)]
    assert UploadHistory().rows()[0].status is UploadStatus.DONE


def test_refused_and_cancelled_rows_keep_the_reason(fake, session, photo):
    fake.override["/api/post-scribe/"] = lambda r: Response(
        '{"success": false, "error": "Nope."}', 200, content_type="application/json"
    )
    with pytest.raises(UploadRefusedError):
        upload_post(session, photo, "a")
    cancel = threading.Event()

    def stop(progress) -> None:
        if progress.stage == "uploading":
            cancel.set()

    with pytest.raises(Cancelled):
        upload_post(session, photo, "b", report=stop, cancel=cancel)
    cancelled, refused = UploadHistory().rows()
    assert refused.status is UploadStatus.REFUSED and "Nope." in (refused.error or "")
    assert cancelled.status is UploadStatus.CANCELLED


def test_schema_version_and_migration_from_an_empty_file(tmp_path):
    path = tmp_path / "h.sqlite3"
    sqlite3.connect(path).close()  # version 0, no tables
    UploadHistory(path)
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 1
        columns = {r[1] for r in con.execute("PRAGMA table_info(uploads)")}
    assert {
        "started_at",
        "server",
        "user",
        "target",
        "source_path",
        "output_sha256",
        "output_bytes",
        "result_id",
        "result_url",
        "status",
        "error",
    } <= columns
    assert not any("token" in c or "password" in c for c in columns)
    UploadHistory(path)  # opening again changes nothing


def test_a_history_from_a_newer_version_is_refused_not_damaged(tmp_path):
    path = tmp_path / "h.sqlite3"
    with sqlite3.connect(path) as con:
        con.execute("PRAGMA user_version = 99")
    with pytest.raises(HistoryError, match="newer version"):
        UploadHistory(path)


def test_no_token_in_the_history_file(fake, session, photo):
    upload_post(session, photo, "check file")
    assert TOKEN.encode() not in (data_dir() / HISTORY_FILE).read_bytes()
