"""``odnix-desktop --self-test``: does this install (or frozen bundle) really work?

Starts the real main window offscreen, queues one generated photo and one generated clip
through the window's own controller and job pools (exactly what a drop does), waits for the
batch, and checks the outputs. Before that it checks what a frozen build can lose: the icons
in ``resources/``, the ffmpeg binary (present and executable), the HEIC/AVIF plugins and
the Qt platform plugin.

Exit status 0 when every check passes, 1 with the reason on stderr otherwise. Everything is
written under a temporary folder (settings, cache and outputs too), removed at the end.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

#: The generated photo: stored landscape with EXIF orientation 6 (shown portrait), with GPS.
PHOTO_STORED = (2400, 1600)
PHOTO_UPRIGHT = (1600, 2400)
#: Fitted into the post preset's 1080x1080 box.
PHOTO_EXPECTED = (720, 1080)
CLIP_SIZE = (640, 360)
CLIP_SECONDS = 2.0
TIMEOUT_S = 240.0

RED = (220, 30, 30)


class SelfTestError(Exception):
    """A check failed; the message says which and why."""


def _say(line: str) -> None:
    out = sys.stdout
    if out is not None:
        out.write(f"self-test: {line}\n")
        out.flush()


# -- generated media --------------------------------------------------------------------
def make_photo(path: Path) -> Path:
    """A photo-like JPEG (gradients + noise) whose upright top-left corner is red, stored
    turned (EXIF orientation 6, as phones write portrait shots) and carrying GPS."""
    from PIL import Image, ImageDraw

    w, h = PHOTO_UPRIGHT
    gradient = Image.linear_gradient("L").resize((w, h))
    noise = Image.effect_noise((w, h), 40)
    upright = Image.merge("RGB", (gradient, noise, gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    ImageDraw.Draw(upright).rectangle((0, 0, w // 3, h // 3), fill=RED)
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # orientation 6: shown by turning 90° clockwise
    assert stored.size == PHOTO_STORED
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "Odnix self-test"
    exif[0x8825] = {1: "N", 2: (43.0, 11.0, 49.0), 3: "W", 4: (4.0, 51.0, 13.0)}
    stored.save(path, "JPEG", quality=92, exif=exif.tobytes())
    return path


def make_clip(path: Path, ffmpeg: Path) -> Path:
    """A 2 s 640x360 30 fps H.264 + AAC clip from ffmpeg's test sources."""
    from odnix_desktop.core.errors import OdnixError
    from odnix_desktop.core.video.synthetic import make_test_clip

    try:
        return make_test_clip(path, size=CLIP_SIZE, rate=30, seconds=CLIP_SECONDS)
    except OdnixError as exc:
        raise SelfTestError(f"the bundled ffmpeg could not make a test clip: {exc}") from None


# -- environment checks -------------------------------------------------------------------
def check_ffmpeg() -> Path:
    from odnix_desktop.core.errors import OdnixError
    from odnix_desktop.core.video.tool import ffmpeg_exe

    try:
        exe = ffmpeg_exe()
    except OdnixError as exc:
        raise SelfTestError(f"ffmpeg: {exc}") from None
    if not exe.is_file():
        raise SelfTestError(f"ffmpeg: {exe} does not exist")
    if not os.access(exe, os.X_OK):
        raise SelfTestError(f"ffmpeg: {exe} is not executable (chmod +x it)")
    done = subprocess.run(
        [str(exe), "-hide_banner", "-version"],
        capture_output=True,
        check=False,
        stdin=subprocess.DEVNULL,
        timeout=30,
    )
    if done.returncode != 0:
        raise SelfTestError(f"ffmpeg: {exe} -version exited {done.returncode}")
    version = (done.stdout.decode(errors="replace").split() or ["", "", "?"])[2]
    _say(f"ffmpeg ok: {exe} (version {version})")
    return exe


def check_image_plugins(folder: Path) -> None:
    """HEIC decode through pillow-heif (its libheif/de265) of resources/selftest.heic (64x48 red,
    made once with pillow-heif), and Pillow's AVIF codec. Decode only: the app never writes HEIC,
    and the Linux bundle carries no x265 encoder (packaging/stub_libs.py)."""
    from PIL import Image, features

    from odnix_desktop.resources import resource_path

    try:
        import pillow_heif
    except ImportError as exc:
        raise SelfTestError(f"HEIC: pillow-heif is missing ({exc})") from None
    pillow_heif.register_heif_opener()
    heic = resource_path("selftest.heic")
    try:
        with Image.open(heic) as im:
            im.load()
            size, centre = im.size, im.convert("RGB").getpixel((32, 24))
    except Exception as exc:  # noqa: BLE001 - any failure here is the finding
        raise SelfTestError(f"HEIC: pillow-heif cannot read {heic} ({exc})") from None
    if size != (64, 48) or not isinstance(centre, tuple) or abs(centre[0] - RED[0]) > 24 or centre[1] > 60:
        raise SelfTestError(f"HEIC: {heic} decoded as {size} with centre {centre}, not 64x48 red")
    if not features.check("avif"):
        raise SelfTestError("AVIF: Pillow was built without AVIF support")
    _say(f"image plugins ok: HEIC (pillow-heif {pillow_heif.__version__}), AVIF (Pillow)")


def check_vips() -> None:
    try:
        import pyvips
    except Exception as exc:  # noqa: BLE001 - OSError when libvips is missing
        raise SelfTestError(f"libvips: pyvips cannot load it ({exc})") from None
    _say(
        f"libvips ok: {pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)}"
        f" ({'API' if pyvips.API_mode else 'ABI'} mode)"
    )


# -- the window ------------------------------------------------------------------------------
def _wait(app, condition: Callable[[], bool], what: str, deadline: float) -> None:
    while not condition():
        if time.monotonic() > deadline:
            raise SelfTestError(f"timed out waiting for {what}")
        app.processEvents()
        time.sleep(0.005)


def _qt_app() -> QApplication:
    """The application as ``app.main`` sets it up (name, icon, theme), checked."""
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from odnix_desktop import __version__
    from odnix_desktop.ui import theme
    from odnix_desktop.ui.main_window import app_icon

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0]])
    app.setApplicationName("Odnix Desktop")
    app.setApplicationVersion(__version__)
    icon = app_icon()
    if icon.isNull() or icon.pixmap(64, 64).isNull():
        raise SelfTestError("resources: the app icon could not be loaded (resources/ missing?)")
    app.setWindowIcon(icon)
    theme.follow_system(app)
    _say(f"Qt ok: platform plugin {QGuiApplication.platformName()!r}, style {app.style().name()!r}")
    return app


def run_window(photo: Path, clip: Path, out_dir: Path) -> None:
    from odnix_desktop.app import build_window
    from odnix_desktop.core.settings import Settings
    from odnix_desktop.ui.queue_model import ItemState, state_words

    app = _qt_app()
    deadline = time.monotonic() + TIMEOUT_S
    window = build_window(Settings(output_folder=str(out_dir)))
    window.show()
    try:
        _wait(app, window.isVisible, "the window to show", deadline)
        controller = window.queue
        window.add_paths([photo, clip])
        _wait(
            app,
            lambda: (
                window.model.rowCount() == 2
                and not controller.pending_collects()
                and not controller.pending_describes()
            ),
            "the two items to be read",
            deadline,
        )
        items = {i.source.name: i for i in window.model.items()}
        for item in items.values():
            if item.state is not ItemState.READY:
                raise SelfTestError(
                    f"{item.source.name}: not ready to compress "
                    f"({state_words(item.state)}{': ' + item.error if item.error else ''})"
                )
        started = window.start()
        if started != 2:
            raise SelfTestError(f"Start queued {started} item(s), expected 2")
        t0 = time.monotonic()
        _wait(
            app,
            lambda: (
                not controller.is_busy()
                and all(i.state not in (ItemState.QUEUED, ItemState.RUNNING) for i in window.model.items())
            ),
            "the batch to finish",
            deadline,
        )
        app.processEvents()
        _say(
            f"batch done in {time.monotonic() - t0:.1f} s through the window's pools "
            f"({', '.join(sorted(window.runner.pools))})"
        )
        check_photo(items[photo.name])
        check_clip(items[clip.name])
    finally:
        window.close()  # not busy any more: closes without asking, shuts the pools down
        window.deleteLater()
        app.processEvents()


def _done(item) -> Path:
    from odnix_desktop.core.options import Status
    from odnix_desktop.ui.queue_model import state_words

    name = item.source.name
    if item.state is not Status.COMPRESSED:
        raise SelfTestError(
            f"{name}: ended as {state_words(item.state)!r}, expected 'Done'"
            + (f" ({item.error})" if item.error else "")
        )
    if item.output is None or not Path(item.output).is_file():
        raise SelfTestError(f"{name}: no output file ({item.output})")
    if item.after is None or item.before is None:
        raise SelfTestError(f"{name}: no before/after figures in the row")
    return Path(item.output)


def check_photo(item) -> None:
    from PIL import Image

    out = _done(item)
    with Image.open(out) as im:
        im.load()
        size = im.size
        exif = im.getexif()
        corner = im.convert("RGB").getpixel((size[0] // 12, size[1] // 12))
    if size != PHOTO_EXPECTED or (item.after.width, item.after.height) != PHOTO_EXPECTED:
        raise SelfTestError(
            f"photo: output is {size[0]}x{size[1]} (row says {item.after.width}x"
            f"{item.after.height}), expected {PHOTO_EXPECTED[0]}x{PHOTO_EXPECTED[1]} upright"
        )
    if exif.get(0x0112, 1) != 1:
        raise SelfTestError(f"photo: output still has EXIF orientation {exif.get(0x0112)}")
    if 0x8825 in exif:
        raise SelfTestError("photo: output still carries GPS data")
    if not (corner[0] > 150 and corner[1] < 90 and corner[2] < 90):
        raise SelfTestError(f"photo: output is not upright (top-left is {corner}, expected red)")
    _say(
        f"photo ok: {PHOTO_STORED[0]}x{PHOTO_STORED[1]} orientation 6 -> "
        f"{size[0]}x{size[1]} upright, "
        f"no GPS, {item.before.bytes:,} -> {item.after.bytes:,} bytes ({out.name})"
    )


def check_clip(item) -> None:
    from odnix_desktop.core.presets import PRESETS
    from odnix_desktop.core.video.probe import probe

    out = _done(item)
    info = probe(out)
    limits = PRESETS["reel"].video
    assert limits is not None
    width, height = info.display_size
    fps = float(info.fps or 0)
    problems = []
    if info.video.codec != "h264":
        problems.append(f"codec {info.video.codec}, expected h264")
    if width > limits.max_width or (width, height) != CLIP_SIZE:
        problems.append(f"{width}x{height}, expected {CLIP_SIZE[0]}x{CLIP_SIZE[1]}")
    if not 0 < fps <= limits.fps + 0.01:
        problems.append(f"{fps:g} fps, expected at most {limits.fps}")
    if info.duration is None or abs(info.duration - CLIP_SECONDS) > 0.3:
        problems.append(f"duration {info.duration}, expected {CLIP_SECONDS}")
    if not info.has_audio:
        problems.append("no audio stream")
    if problems:
        raise SelfTestError(f"clip: {'; '.join(problems)}")
    _say(
        f"clip ok: {CLIP_SIZE[0]}x{CLIP_SIZE[1]} 30 fps -> H.264 {width}x{height} {fps:g} fps "
        f"{info.duration:.2f} s with audio, {item.before.bytes:,} -> {item.after.bytes:,} bytes"
    )


# -- entry point ----------------------------------------------------------------------------
def main(keep: bool = False) -> int:
    """Run every check; 0 if all pass, 1 (reason on stderr) if not."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before Qt is imported: no display needed
    tmp = Path(tempfile.mkdtemp(prefix="odnix-selftest-"))
    os.environ["ODNIX_USER_DIR"] = str(tmp / "user")  # settings, cache: never the user's own
    t0 = time.monotonic()
    try:
        from odnix_desktop import __version__
        from odnix_desktop.resources import is_frozen, resources_dir

        _say(
            f"odnix-desktop {__version__} ({'frozen bundle' if is_frozen() else 'from source'}, "
            f"Python {sys.version.split()[0]}); resources at {resources_dir()}"
        )
        if not (resources_dir() / "odnix-256.png").is_file():
            raise SelfTestError(f"resources: {resources_dir() / 'odnix-256.png'} is missing")
        ffmpeg = check_ffmpeg()
        check_image_plugins(tmp)
        check_vips()
        media = tmp / "media"
        media.mkdir()
        photo = make_photo(media / "selftest-photo.jpg")
        clip = make_clip(media / "selftest-clip.mp4", ffmpeg)
        run_window(photo, clip, tmp / "out")
    except SelfTestError as exc:
        _fail(str(exc))
        return 1
    except Exception as exc:  # noqa: BLE001 - report anything unexpected as a failure, not a traceback
        import traceback

        _fail(f"unexpected {type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        return 1
    finally:
        if keep:
            _say(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    _say(f"passed in {time.monotonic() - t0:.1f} s")
    return 0


def _fail(reason: str) -> None:
    err = sys.stderr
    if err is not None:
        err.write(f"odnix-desktop --self-test: FAILED: {reason}\n")
        err.flush()
