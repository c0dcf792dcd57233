"""``odnix-compress login | logout | upload | history`` against the fake server."""

from __future__ import annotations

import json
from pathlib import Path

import keyring
import keyring.backends.fail
import numpy as np
import pytest
from PIL import Image

from odnix_desktop.cli import main
from odnix_desktop.core.upload import load_account
from odnix_desktop.core.userdirs import config_dir
from tests.upload_fakes import *  # noqa: F403 - fixtures
from tests.upload_fakes import PASSWORD, TOKEN, _json, video_file


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    """A photo-like JPEG big enough that the post preset really compresses it."""
    rng = np.random.default_rng(3)
    base = rng.integers(0, 255, (30, 40, 3), dtype=np.uint8)
    img = Image.fromarray(base).resize((2400, 1800), Image.Resampling.BICUBIC)
    path = tmp_path / "holiday.jpg"
    img.save(path, "JPEG", quality=97)
    return path


@pytest.fixture
def no_keyring():
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(previous)


def _login(fake, monkeypatch, capsys) -> None:
    monkeypatch.setenv("ODNIX_PASSWORD", PASSWORD)
    assert main(["login", "--server", fake.url, "--user", "moderator"]) == 0
    capsys.readouterr()
    monkeypatch.delenv("ODNIX_PASSWORD")


def test_login_stores_the_token_in_the_keyring_only(fake, memory_keyring, monkeypatch, capsys):
    monkeypatch.setenv("ODNIX_PASSWORD", PASSWORD)
    assert main(["login", "--server", fake.url, "--user", "moderator"]) == 0
    out = capsys.readouterr()
    assert "Logged in to" in out.out and TOKEN not in out.out + out.err
    assert list(memory_keyring.entries.values()) == [TOKEN]
    account_text = (config_dir() / "account.json").read_text()
    assert TOKEN not in account_text and PASSWORD not in account_text


def test_login_without_a_keyring_says_the_token_was_not_stored(fake, no_keyring, monkeypatch, capsys):
    monkeypatch.setenv("ODNIX_PASSWORD", PASSWORD)
    assert main(["login", "--server", fake.url, "--user", "moderator"]) == 0
    out = capsys.readouterr().out
    assert "could NOT be stored" in out and "no system keyring" in out and "ODNIX_PASSWORD" in out


def test_login_with_a_wrong_password_fails(fake, memory_keyring, monkeypatch, capsys):
    monkeypatch.setenv("ODNIX_PASSWORD", "wrong")
    assert main(["login", "--server", fake.url, "--user", "moderator"]) == 1
    assert "Invalid username or password" in capsys.readouterr().err
    assert memory_keyring.entries == {}


def test_login_refuses_plain_http_to_another_host(memory_keyring, monkeypatch, capsys):
    monkeypatch.setenv("ODNIX_PASSWORD", PASSWORD)
    assert main(["login", "--server", "http://odnix.example", "--user", "moderator"]) == 2
    assert "plain http" in capsys.readouterr().err


def test_login_needs_a_password_source(fake, memory_keyring, monkeypatch, capsys):
    monkeypatch.delenv("ODNIX_PASSWORD", raising=False)
    assert main(["login", "--server", fake.url, "--user", "moderator"]) == 2  # stdin is not a terminal


def test_upload_compresses_then_sends_the_compressed_file(fake, memory_keyring, monkeypatch, capsys, photo):
    _login(fake, monkeypatch, capsys)
    assert main(["upload", "--to", "post", "--caption", "from the CLI", "--json", str(photo)]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    item = json.loads(line)
    assert item["status"] == "compressed" and item["source"] == str(photo)
    assert item["after"]["bytes"] < item["before"]["bytes"] == photo.stat().st_size
    shaped = item["upload"].pop("shaped_for_server")
    assert item["upload"] == {
        "status": "done",
        "id": "1",
        "error": None,
        "url": f"{fake.url}/media/scribe_images/holiday_opt.webp",
    }
    # What went is the photo shaped for Odnix's own step (its 900-px box), not the original.
    assert shaped["target"] == "post" and shaped["choice"].startswith("jpeg-900x")
    assert fake.scribes[0]["bytes"] == shaped["sent_bytes"] != photo.stat().st_size
    assert fake.scribes[0]["content"] == "from the CLI"


def test_upload_a_reel_and_a_chat_clip(fake, memory_keyring, monkeypatch, capsys, tmp_path):
    _login(fake, monkeypatch, capsys)
    clip = video_file(tmp_path / "clip.mp4")
    out = tmp_path / "out"
    assert main(["upload", "--to", "reel", "--caption", "reel!", "--json", "-o", str(out), str(clip)]) == 0
    item = json.loads(capsys.readouterr().out)
    assert item["upload"]["status"] == "done" and item["upload"]["id"] == "101"
    assert Path(item["output"]).parent == out
    assert main(["upload", "--to", "chat", "--chat-user", "alice", "--json", str(clip)]) == 0
    assert json.loads(capsys.readouterr().out)["upload"]["status"] == "done"


def test_upload_reports_each_item_and_fails_on_a_refusal(fake, memory_keyring, monkeypatch, capsys, photo, tmp_path):
    _login(fake, monkeypatch, capsys)
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    code = main(["upload", "--to", "post", "--caption", "y" * 300, "--json", str(photo), str(notes)])
    assert code == 1
    items = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert items[0]["upload"]["status"] == "preflight-failed" and "the limit is 280" in items[0]["upload"]["error"]
    assert items[1]["upload"]["status"] == "not-sent"
    assert fake.scribes == []


def test_upload_without_token_or_password_says_how_to_log_in(fake, memory_keyring, monkeypatch, capsys, photo):
    monkeypatch.delenv("ODNIX_PASSWORD", raising=False)
    code = main(["upload", "--to", "post", "--server", fake.url, "--user", "moderator", str(photo)])
    assert code == 1
    assert "odnix-compress login" in capsys.readouterr().err and fake.hits == []


def test_upload_without_a_keyring_logs_in_with_the_password(fake, no_keyring, monkeypatch, capsys, photo):
    monkeypatch.setenv("ODNIX_PASSWORD", PASSWORD)
    code = main(
        [
            "upload",
            "--to",
            "profile",
            "--server",
            fake.url,
            "--user",
            "moderator",
            "--json",
            str(photo),
        ]
    )
    assert code == 0
    item = json.loads(capsys.readouterr().out)
    assert item["upload"]["status"] == "done" and "/media/profile_pics/avatar-" in item["upload"]["url"]
    assert fake.calls("/api/login/") == 1


def test_a_stale_stored_token_is_replaced_by_a_password_login(fake, memory_keyring, monkeypatch, capsys, photo):
    _login(fake, monkeypatch, capsys)
    fake.tokens.clear()  # the server forgot the token
    fake.tokens["fresh-token-0123456789"] = "moderator"
    monkeypatch.setenv("ODNIX_PASSWORD", PASSWORD)
    assert main(["upload", "--to", "story", "--caption", "hello", "--json", str(photo)]) == 0
    assert json.loads(capsys.readouterr().out)["upload"]["status"] == "done"


def test_usage_errors(fake, memory_keyring, monkeypatch, capsys, photo):
    _login(fake, monkeypatch, capsys)
    assert main(["upload", "--to", "chat", str(photo)]) == 2
    assert main(["upload", "--to", "profile", "--caption", "x", str(photo)]) == 2
    assert main(["upload", "--to", "nowhere", str(photo)]) == 2


def test_history_and_logout(fake, memory_keyring, monkeypatch, capsys, photo):
    _login(fake, monkeypatch, capsys)
    main(["upload", "--to", "post", "--caption", "for history", "--json", str(photo)])
    capsys.readouterr()
    assert main(["history", "--json"]) == 0
    (row,) = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert row["target"] == "post" and row["status"] == "done" and row["user"] == "moderator"
    assert row["source"] == str(photo) and row["output_bytes"] > 0 and row["result_id"] == "1"
    assert main(["history"]) == 0
    assert "for history" not in capsys.readouterr().err
    assert main(["logout"]) == 0
    assert "Logged out" in capsys.readouterr().out
    assert memory_keyring.entries == {} and load_account() is None
    assert main(["logout"]) == 0
    assert "Not logged in" in capsys.readouterr().out


def test_server_text_and_names_with_markup_are_printed_as_text(
    fake, memory_keyring, monkeypatch, capsys, photo, tmp_path
):
    """`[/x]` in a server's error or in a path must not crash rich (item 15)."""
    _login(fake, monkeypatch, capsys)
    monkeypatch.setenv("COLUMNS", "400")  # one line per row
    folder = tmp_path / "[" / "x]"
    folder.mkdir(parents=True)
    odd = folder / "[bold]holiday[red].jpg"
    odd.write_bytes(photo.read_bytes())
    fake.override["/api/post-scribe/"] = lambda r: _json({"success": False, "error": "Bad [/x] input [/red]"})
    assert main(["upload", "--to", "post", "--caption", "markup", str(odd)]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "[bold]holiday[red].jpg" in out and "Bad [/x] input [/red]" in out
    assert main(["history"]) == 0
    assert "Bad [/x] input [/red]" in " ".join(capsys.readouterr().out.split())


def test_the_upload_progress_line_takes_names_as_text(capsys):
    from odnix_desktop.cli.progress_line import ProgressLine
    from odnix_desktop.core.upload import UploadProgress

    with ProgressLine(enabled=True) as bar:
        bar.start("[/x].jpg", "uploading")
        bar.update(UploadProgress(0.5, "uploading [/red]", bytes_sent=5, bytes_total=10))
        bar._bar.refresh()  # renders the description now; a markup error would raise here


def test_a_batch_goes_on_after_an_answer_that_is_not_understood(
    fake, memory_keyring, monkeypatch, capsys, photo, tmp_path
):
    """Today `{"id": {}, "image_url": 12345}` gave a TypeError traceback and lost the batch (item 13)."""
    _login(fake, monkeypatch, capsys)
    second = tmp_path / "second.jpg"
    second.write_bytes(photo.read_bytes())
    odd = iter([{"success": True, "story": {"id": {}, "media_url": 12345}}])

    def once_odd(request):
        data = next(odd, None)
        return fake.create_story(request) if data is None else _json(data)

    fake.override["/api/create-story/"] = once_odd
    assert main(["upload", "--to", "story", "--caption", "two", "--json", str(photo), str(second)]) == 1
    first, then = (json.loads(x)["upload"] for x in capsys.readouterr().out.splitlines())
    assert (
        first["status"] == "unknown" and "was not understood" in first["error"] and "may have kept it" in first["error"]
    )
    assert then["status"] == "done" and then["id"] == "1"


def test_upload_with_a_damaged_history_starts_a_new_one_and_says_so(fake, memory_keyring, monkeypatch, capsys, photo):
    from odnix_desktop.core.upload.history import HISTORY_FILE
    from odnix_desktop.core.userdirs import data_dir
    from tests.test_upload_history_damage import _damage_data_pages, _filled

    _login(fake, monkeypatch, capsys)
    path = _filled(data_dir() / HISTORY_FILE)
    _damage_data_pages(path)
    assert main(["upload", "--to", "story", "--json", str(photo)]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["upload"]["status"] == "done"
    [aside] = path.parent.glob(f"{HISTORY_FILE}.damaged-*")
    assert str(aside) in " ".join(err.split())


def test_a_login_refused_mid_upload_says_log_in_again(fake, memory_keyring, monkeypatch, capsys, photo):
    _login(fake, monkeypatch, capsys)
    fake.override["/api/post-scribe/"] = lambda request: _json({"detail": "Invalid token."}, 401)
    assert main(["upload", "--to", "post", "--json", str(photo)]) == 1
    upload = json.loads(capsys.readouterr().out)["upload"]
    # The same kind as the window's "log in again", with the CLI's own hint.
    assert upload["status"] == "log-in-again" and "odnix-compress login" in upload["error"]
