"""The files the fuzzer mutates: one small, valid file per format, generated here."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

from PIL import Image

from odnix_desktop.core.image.decode import register_plugins
from odnix_desktop.core.video.tool import ffmpeg_exe
from tests import media_factory as mf

FORMATS = ("jpeg", "png", "gif", "webp", "heic", "mp4", "mov", "mkv", "apng")
EXT = {"jpeg": ".jpg", "png": ".png", "gif": ".gif", "webp": ".webp", "heic": ".heic", "mp4": ".mp4",
       "mov": ".mov", "mkv": ".mkv", "apng": ".png"}  # fmt: skip


def _image(fmt: str) -> bytes:
    register_plugins()
    picture = Image.fromarray(mf.photo_like(96, 64))
    buf = io.BytesIO()
    if fmt == "jpeg":
        picture.save(buf, "JPEG", quality=80, exif=mf.exif_bytes(6, gps=True))
    elif fmt == "png":
        picture.save(buf, "PNG")
    elif fmt == "heic":
        picture.save(buf, "HEIF", quality=50)
    else:  # animated GIF / WebP / APNG: frame counts and frame headers to mangle
        frames = mf.animated_frames(4, (48, 32), alpha=fmt != "gif")
        kind = "PNG" if fmt == "apng" else fmt.upper()
        frames[0].save(buf, kind, save_all=True, append_images=frames[1:], duration=80, loop=0)
    return buf.getvalue()


def _clip(fmt: str, folder: Path) -> bytes:
    dest = folder / f"seed{EXT[fmt]}"
    cmd = [str(ffmpeg_exe()), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
           "-f", "lavfi", "-i", "testsrc2=s=64x48:r=10:d=0.4", "-f", "lavfi", "-i", "sine=d=0.4:sample_rate=8000",
           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "16k",
           "-shortest", str(dest)]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True)
    return dest.read_bytes()


def make_seeds(folder: Path) -> dict[str, bytes]:
    folder.mkdir(parents=True, exist_ok=True)
    return {fmt: _clip(fmt, folder) if fmt in ("mp4", "mov", "mkv") else _image(fmt) for fmt in FORMATS}
