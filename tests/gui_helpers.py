"""Shared pieces of the GUI tests: generated media, a window fixture and the dangling-job guard.

Import the fixtures into a test module with ``from tests.gui_helpers import *``
(conftest.py is shared with other developers, so they live here).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from odnix_desktop.core.settings import Settings
from odnix_desktop.jobs.runner import live_runners

__all__ = [
    "make_photo",
    "make_photos",
    "make_clip",
    "make_truncated",
    "window",
    "make_window",
    "no_dangling_jobs",
    "assert_no_dangling_jobs",
    "require_video_pipeline",
    "wait_idle",
    "wait_added",
    "temp_files",
]


def make_photo(
    path: Path, size: tuple[int, int] = (1600, 1200), seed: int = 0, fmt: str = "JPEG", alpha: bool = False
) -> Path:
    """A photo-like picture: gradient + noise + shapes, at high quality so there is room to save."""
    from PIL import Image, ImageDraw

    w, h = size
    base = Image.linear_gradient("L").resize((w, h)).convert("RGB")
    noise = Image.effect_noise((w, h), 40 + seed * 3).convert("RGB")
    img = Image.blend(base, noise, 0.35)
    r, g, b = img.split()
    img = Image.merge("RGB", (r, b.point(lambda v: (v + 40 * seed) % 256), g))
    draw = ImageDraw.Draw(img)
    for i in range(6):
        x, y = (seed * 97 + i * 211) % w, (seed * 53 + i * 157) % h
        draw.ellipse((x, y, x + w // 6, y + h // 6), fill=(200, 60 + i * 30, 90))
    if alpha:
        img = img.convert("RGBA")
        mask = Image.new("L", (w, h), 0)
        ImageDraw.Draw(mask).ellipse((w // 8, h // 8, w * 7 // 8, h * 7 // 8), fill=255)
        img.putalpha(mask)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "JPEG":
        img.save(path, "JPEG", quality=95)
    else:
        img.save(path, fmt)
    return path


def make_photos(folder: Path, n: int, size: tuple[int, int] = (1600, 1200)) -> list[Path]:
    return [make_photo(folder / f"photo_{i:03d}.jpg", size, seed=i) for i in range(n)]


def make_truncated(path: Path) -> Path:
    """A JPEG whose header reads fine (describe works) but whose pixels stop half-way."""
    make_photo(path, (800, 600), seed=7)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    return path


def make_clip(path: Path, seconds: float = 1.0, size: str = "320x240", rate: int = 30) -> Path:
    from odnix_desktop.core.video.synthetic import make_test_clip

    width, height = (int(v) for v in size.split("x"))
    return make_test_clip(path, size=(width, height), rate=rate, seconds=seconds)


def temp_files(folder: Path) -> list[Path]:
    """Temporary outputs the core writes before the final rename."""
    return [p for p in folder.rglob("*") if p.name.startswith(".odnix-") or p.suffix == ".part"]


def assert_no_dangling_jobs() -> None:
    """Fail if any runner still has jobs; cancel and wait for them first so the next test is clean."""
    dangling = []
    for runner in live_runners():
        jobs = runner.live_jobs()
        if jobs or runner.active_threads():
            dangling.append(f"{len(jobs)} job(s): " + ", ".join(type(j).__name__ for j in jobs[:5]))
            runner.shutdown(10_000)
    if dangling:
        pytest.fail("the test left pool jobs running: " + "; ".join(dangling))


@pytest.fixture
def no_dangling_jobs():
    yield
    assert_no_dangling_jobs()


def make_window(qtbot, tmp_path: Path, window_kwargs: dict | None = None, **changes):
    """A main window writing to ``tmp_path/out``, built as the app builds it; ``window_kwargs``
    go to ``app.build`` (``token_store``, ``http_settings``, ``history``)."""
    from odnix_desktop.app import build_window

    settings = Settings(output_folder=str(tmp_path / "out"), **changes)
    win = build_window(settings, **(window_kwargs or {}))
    win.opened_urls = []
    win.open_url = win.opened_urls.append  # never launch a file manager from a test
    win.ask_to_close = lambda: True
    qtbot.addWidget(win)
    return win


@pytest.fixture
def window(qtbot, tmp_path):
    win = make_window(qtbot, tmp_path)
    yield win
    # The guard: a test must wait for its jobs (finished, failed or cancelled).
    leftover = win.runner.live_jobs()
    win.close()
    assert_no_dangling_jobs()
    if leftover:
        pytest.fail(f"the test left {len(leftover)} pool job(s) running: {leftover[:5]}")


def wait_added(qtbot, win, rows: int, timeout: int = 10_000) -> None:
    """Wait until the collect and every describe job are done and the model has ``rows`` rows."""
    c = win.queue
    qtbot.waitUntil(
        lambda: c.pending_collects() == 0 and c.pending_describes() == 0 and win.model.rowCount() == rows,
        timeout=timeout,
    )


def wait_idle(qtbot, win, timeout: int = 60_000) -> None:
    qtbot.waitUntil(lambda: not win.queue.is_busy() and not win.runner.live_jobs(), timeout=timeout)


def require_video_pipeline() -> None:
    """Skip when the video pipeline (being written in parallel) is not complete yet."""
    pytest.importorskip("odnix_desktop.core.video.pipeline")
    frames = pytest.importorskip("odnix_desktop.core.video.frames")
    if not hasattr(frames, "frame_at"):
        pytest.skip("the video pipeline has no frames.frame_at yet")
