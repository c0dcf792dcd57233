"""One error vocabulary: every error carries a kind, and the kind has the words."""

from __future__ import annotations

from pathlib import Path

import pytest

from odnix_desktop.core import errors as core_errors
from odnix_desktop.core.errors import Cancelled, ErrorKind, OdnixError, kind_of
from odnix_desktop.core.upload import errors as upload_errors


def test_cancelled_is_not_a_failure():
    exc = Cancelled(path=Path("/x/clip.mp4"))
    assert not isinstance(exc, OdnixError)
    assert exc.kind is ErrorKind.CANCELLED and kind_of(exc) is ErrorKind.CANCELLED
    assert str(exc) == "clip.mp4: cancelled"
    with pytest.raises(Cancelled):  # an `except OdnixError` lets it through
        try:
            raise exc
        except OdnixError:
            pytest.fail("a Cancelled was caught as an OdnixError")


@pytest.mark.parametrize(
    ("exc", "kind", "words", "code"),
    [
        (
            upload_errors.PreflightError("too long", check="caption-length"),
            ErrorKind.CHECKS_FAILED,
            "not sent",
            "preflight-failed",
        ),
        (
            upload_errors.UploadRefusedError("no", server_message="no"),
            ErrorKind.REFUSED_BY_SERVER,
            "refused",
            "refused",
        ),
        (upload_errors.OutcomeUnknownError("no answer"), ErrorKind.MAY_HAVE_BEEN_SENT, "unknown", "unknown"),
        (upload_errors.LoginRequiredError("401"), ErrorKind.LOG_IN_AGAIN, "log in again", "log-in-again"),
        (upload_errors.LoginFailedError("wrong password"), ErrorKind.LOG_IN_AGAIN, "log in again", "log-in-again"),
        (upload_errors.InsecureServerError("http"), ErrorKind.BAD_INPUT, "cannot be used", "bad-input"),
        (upload_errors.ServerError("500", status=500), ErrorKind.FAILED, "failed", "failed"),
        (core_errors.CorruptMediaError("truncated"), ErrorKind.BAD_INPUT, "cannot be used", "bad-input"),
        (core_errors.EncoderError("x264 failed"), ErrorKind.FAILED, "failed", "failed"),
        (ValueError("a bug"), ErrorKind.FAILED, "failed", "failed"),
    ],
)
def test_each_error_has_one_kind_with_its_words(exc, kind, words, code):
    assert kind_of(exc) is kind
    assert kind.words == words and kind.code == code


def test_every_kind_has_words_and_a_distinct_code():
    codes = [k.code for k in ErrorKind]
    assert len(set(codes)) == len(codes)
    assert all(k.words for k in ErrorKind)
