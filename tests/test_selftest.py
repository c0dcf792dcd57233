"""``odnix-desktop --self-test`` from source (the frozen bundle runs the same code in
packaging/smoke.sh), and the frozen-build helpers in ``odnix_desktop.resources``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from odnix_desktop import resources

ROOT = Path(__file__).resolve().parents[1]


def run_self_test(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "HOME": str(tmp_path), **env}
    full.pop("QT_QPA_PLATFORM", None)  # the self-test itself must choose offscreen
    return subprocess.run(
        [sys.executable, "-m", "odnix_desktop.app", "--self-test"],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.slow
def test_self_test_passes_through_the_real_window(tmp_path: Path) -> None:
    done = run_self_test(tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "platform plugin 'offscreen'" in out
    assert "through the window's pools" in out
    assert "photo ok: 2400x1600 orientation 6 -> 720x1080 upright, no GPS" in out
    assert "clip ok: 640x360 30 fps -> H.264 640x360 24 fps" in out
    assert "HEIC" in out and "AVIF" in out
    assert out.rstrip().splitlines()[-1].startswith("self-test: passed in")
    assert "FAILED" not in done.stderr


def test_self_test_fails_with_the_reason_when_ffmpeg_is_missing(tmp_path: Path) -> None:
    missing = tmp_path / "no-ffmpeg-here"
    done = run_self_test(tmp_path, IMAGEIO_FFMPEG_EXE=str(missing))
    assert done.returncode == 1
    assert f"odnix-desktop --self-test: FAILED: ffmpeg: {missing} does not exist" in done.stderr
    assert "Traceback" not in done.stderr


def test_self_test_fails_when_ffmpeg_is_not_executable(tmp_path: Path) -> None:
    """What a bundle unpacked without the executable bit looks like."""
    from odnix_desktop.core.video.tool import ffmpeg_exe

    copy = tmp_path / "ffmpeg"
    copy.write_bytes(ffmpeg_exe().read_bytes()[:4096])
    copy.chmod(0o644)
    if os.access(copy, os.X_OK):  # root on some file systems
        pytest.skip("the executable bit is not enforced here")
    done = run_self_test(tmp_path, IMAGEIO_FFMPEG_EXE=str(copy))
    assert done.returncode == 1
    assert "is not executable" in done.stderr


def test_resources_from_source() -> None:
    assert not resources.is_frozen()
    assert resources.resources_dir() == ROOT / "resources"
    assert resources.resource_path("odnix-256.png").is_file()


def test_resources_when_frozen(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path / "_internal"), raising=False)
    assert resources.is_frozen()
    assert resources.resources_dir() == tmp_path / "_internal" / "resources"


def test_missing_std_streams_are_replaced(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A windowed build starts with sys.stdout/stderr None: logging and writes must not crash."""
    import logging

    monkeypatch.setenv("ODNIX_USER_DIR", str(tmp_path))
    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", None)
    resources.ensure_std_streams()
    try:
        assert sys.stdout is not None and sys.stderr is not None
        sys.stdout.write("written\n")
        handler = logging.StreamHandler()  # what logging.basicConfig() makes: it takes sys.stderr
        logging.getLogger("odnix-test").addHandler(handler)
        logging.getLogger("odnix-test").warning("a warning in a windowed build")
        logging.getLogger("odnix-test").removeHandler(handler)
        sys.stdout.flush()
        log = (tmp_path / "cache" / "odnix-desktop.log").read_text(encoding="utf-8")
        assert "written" in log and "a warning in a windowed build" in log
    finally:
        sys.stdout.close()


def test_streams_left_alone_when_present() -> None:
    before = (sys.stdout, sys.stderr)
    resources.ensure_std_streams()
    assert (sys.stdout, sys.stderr) == before


def test_wheel_install_finds_resources_under_the_prefix(tmp_path, monkeypatch):
    """Not frozen and not a checkout: the icons come from <prefix>/share/odnix-desktop/resources."""
    import odnix_desktop.resources as res

    site = tmp_path / "site-packages"
    site.mkdir()
    installed = tmp_path / "prefix" / "share" / "odnix-desktop" / "resources"
    installed.mkdir(parents=True)
    (installed / "odnix-256.png").write_bytes(b"png")
    monkeypatch.setattr(res, "bundle_dir", lambda: site)
    monkeypatch.setattr(res.sys, "prefix", str(tmp_path / "prefix"))
    assert res.resource_path("odnix-256.png") == installed / "odnix-256.png"
    (site / "resources").mkdir()  # a checkout or bundle wins
    assert res.resources_dir() == site / "resources"
