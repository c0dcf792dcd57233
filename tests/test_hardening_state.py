"""Issue 10 items 17 (cache), 18-21: state on disk, temporary files, modes, WebP chunks, warnings."""

from __future__ import annotations

import io
import logging
import os
import signal
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path, PurePath

import pytest
from PIL import Image

from odnix_desktop.core import output
from odnix_desktop.core.cache import CacheKey, ResultCache
from odnix_desktop.core.compress import run_item
from odnix_desktop.core.image.metadata import strip_webp
from odnix_desktop.core.media import MediaInfo
from odnix_desktop.core.options import CompressOptions, CompressResult, Status
from tests import media_factory as mf
from tests.video_fixtures import make_clip

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="flock/PDEATHSIG/proc are Linux")


def _filled_cache(path: Path, rows: int = 3000) -> None:
    cache = ResultCache(path)
    out = path.parent / "out.jpg"
    out.write_bytes(b"x")
    info = MediaInfo(1, 1, 1, "JPEG")
    for i in range(rows):
        key = CacheKey(f"/src/{i}.jpg", f"{i:064x}", "opts", "/out")
        cache.store(key, CompressResult(Path(f"/src/{i}.jpg"), Status.COMPRESSED, out, info, info))
    cache.close()


def test_a_cache_with_damaged_data_pages_is_rebuilt_with_a_warning(tmp_path: Path, caplog) -> None:
    db = tmp_path / "results.sqlite3"
    _filled_cache(db)
    data = bytearray(db.read_bytes())
    assert len(data) > 40 * 4096
    for page in range(3, len(data) // 4096, 2):  # damage data pages, keep the header page
        data[page * 4096 + 16 : page * 4096 + 600] = os.urandom(584)
    db.write_bytes(bytes(data))
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    with caplog.at_level(logging.WARNING, logger="odnix_desktop.core.cache"):
        cache = ResultCache(db)
        key = CacheKey("/src/1.jpg", f"{1:064x}", "opts", "/out")
        assert cache.lookup(key, Path("/src/1.jpg")) is None  # rebuilt: empty, and it works
        cache.store(
            key,
            CompressResult(
                Path("/src/1.jpg"),
                Status.COMPRESSED,
                tmp_path / "out.jpg",
                MediaInfo(1, 1, 1, "JPEG"),
                MediaInfo(1, 1, 1, "JPEG"),
            ),
        )
        assert cache.lookup(key, Path("/src/1.jpg")) is not None
        cache.close()
    assert any("damaged" in r.message and "rebuilt" in r.message for r in caplog.records)
    assert list(tmp_path.glob("results.sqlite3.damaged-*"))


def test_a_cache_with_a_damaged_header_is_rebuilt(tmp_path: Path) -> None:
    db = tmp_path / "results.sqlite3"
    _filled_cache(db, rows=10)
    db.write_bytes(b"this is not a database" * 100)
    cache = ResultCache(db)
    assert cache.lookup(CacheKey("s", "d", "o", "x"), Path("s")) is None
    cache.close()


def test_a_cache_damaged_while_open_does_not_stop_a_lookup(tmp_path: Path, caplog) -> None:
    import sqlite3

    cache = ResultCache(tmp_path / "c.sqlite3")

    class Broken:
        def execute(self, *a, **k):
            raise sqlite3.DatabaseError("database disk image is malformed")

        def close(self):
            pass

    cache._db = Broken()  # type: ignore[assignment]
    with caplog.at_level(logging.WARNING):
        assert cache.lookup(CacheKey("s", "d", "o", "x"), Path("s")) is None
    assert any("rebuilt" in r.message for r in caplog.records)
    cache.close()


@linux_only
def test_stale_part_files_are_swept_unless_new_or_locked(tmp_path: Path) -> None:
    import fcntl

    out = tmp_path / "out"
    out.mkdir()
    old = time.time() - 3600
    stale = out / ".odnix-stale.part"
    locked = out / ".odnix-locked.part"
    for p in (stale, locked):
        p.write_bytes(b"half")
        os.utime(p, (old, old))
    fresh = out / ".odnix-fresh.part"
    fresh.write_bytes(b"being written")
    holder = subprocess.Popen(  # a live process (another run) holding its lock
        [
            sys.executable,
            "-c",
            "import fcntl,sys,time;f=open(sys.argv[1],'rb');"
            "fcntl.flock(f,fcntl.LOCK_EX);print('locked',flush=True);time.sleep(60)",
            str(locked),
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"locked"
        src = mf.save_jpeg(tmp_path / "a.jpg", mf.photo_like(300, 200))
        output._swept.clear()
        result = run_item(src, out, CompressOptions())
        assert result.status is Status.COMPRESSED, result.error
        assert not stale.exists() and locked.exists() and fresh.exists()
    finally:
        holder.kill()
        holder.wait()
    # Our own temporary file is locked while it exists.
    with output.temporary_output(out / "x.jpg") as tmp:
        with open(tmp, "rb") as other, pytest.raises(BlockingIOError):
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _ffmpeg_writing_into(folder: Path) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if b"ffmpeg" in cmd and str(folder).encode() in cmd:
            pids.append(int(proc.name))
    return pids


@linux_only
def test_ffmpeg_ends_with_the_job_on_cancel_and_on_kill(tmp_path: Path) -> None:
    src = make_clip(tmp_path / "long.mp4", size="640x360", seconds=20, rate=30, audio=False)
    out = tmp_path / "out"
    cancel = threading.Event()
    result = run_item(
        src, out, CompressOptions(), report=lambda p: p.stage == "encoding" and cancel.set(), cancel=cancel
    )
    assert result.status is Status.CANCELLED
    assert _ffmpeg_writing_into(out) == [] and list(out.rglob("*.part")) == []
    # A hard kill of the process running the job: its ffmpeg must not write on.
    killed_out = tmp_path / "killed"
    script = (
        "import sys; from pathlib import Path; from odnix_desktop.core.compress import run_item;"
        "from odnix_desktop.core.options import CompressOptions;"
        "run_item(Path(sys.argv[1]), Path(sys.argv[2]), CompressOptions(),"
        " report=lambda p: p.stage == 'encoding' and print('encoding', flush=True))"
    )
    child = subprocess.Popen([sys.executable, "-c", script, str(src), str(killed_out)], stdout=subprocess.PIPE)
    assert child.stdout is not None and child.stdout.readline().strip() == b"encoding"
    assert _ffmpeg_writing_into(killed_out)
    child.send_signal(signal.SIGKILL)
    child.wait()
    deadline = time.monotonic() + 1.0  # "never writes on for a second"
    while _ffmpeg_writing_into(killed_out) and time.monotonic() < deadline:
        time.sleep(0.05)  # polling the kernel's process table, not synchronising with our code
    assert _ffmpeg_writing_into(killed_out) == []


@pytest.mark.skipif(os.name == "nt", reason="POSIX modes")
def test_outputs_get_the_umask_mode_not_0600(tmp_path: Path) -> None:
    src = mf.save_jpeg(tmp_path / "a.jpg", mf.photo_like(300, 200))
    result = run_item(src, tmp_path / "out", CompressOptions())
    assert result.output is not None
    mask = os.umask(0o022)
    os.umask(mask)
    assert result.output.stat().st_mode & 0o777 == 0o666 & ~mask
    assert result.output.stat().st_mode & 0o777 != 0o600 or mask == 0o066


def _webp_with_private_chunk(tmp_path: Path) -> Path:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 200)).save(buf, "WEBP", lossless=True, exif=mf.exif_bytes(gps=True))
    data = bytearray(buf.getvalue())
    private = b"GPS+43.1969-004.8536/"
    data += b"PRIV" + struct.pack("<I", len(private)) + private + (b"\0" if len(private) & 1 else b"")
    data[4:8] = struct.pack("<I", len(data) - 8)
    data += b"TRAILING GPS +43.19"  # after the RIFF container
    path = tmp_path / "p.webp"
    path.write_bytes(bytes(data))
    return path


def test_kept_original_webp_keeps_only_image_chunks(tmp_path: Path) -> None:
    src = _webp_with_private_chunk(tmp_path)
    out = strip_webp(src.read_bytes())
    assert b"GPS" not in out and b"PRIV" not in out and b"EXIF" not in out and b"TRAILING" not in out
    assert struct.unpack("<I", out[4:8])[0] == len(out) - 8
    with Image.open(io.BytesIO(out)) as img:
        assert img.size == (64, 48) and img.convert("RGB").getpixel((5, 5)) == (10, 120, 200)
    result = run_item(src, tmp_path / "out", CompressOptions())
    assert result.output is not None and b"GPS" not in result.output.read_bytes()
    with pytest.raises(ValueError):
        strip_webp(src.read_bytes()[:40])


def _bad_exif_jpeg(path: Path) -> Path:
    src = mf.save_jpeg(path, mf.corner_picture(120, 80))
    data = src.read_bytes()
    app1 = b"Exif\0\0" + b"MM\0*\0\0\0\x08\xff\xff" + b"\x13" * 40
    path.write_bytes(data[:2] + b"\xff\xe1" + (len(app1) + 2).to_bytes(2, "big") + app1 + data[2:])
    return path


def test_pillow_warnings_are_collected_per_job_across_threads(tmp_path: Path) -> None:
    import json

    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(20):
        _bad_exif_jpeg(folder / f"bad{i}.jpg")
        mf.save_jpeg(folder / f"good{i}.jpg", mf.corner_picture(120, 80))
    proc = subprocess.run(
        [sys.executable, "-m", "odnix_desktop", str(folder), "-o", str(tmp_path / "o"), "--jobs", "4", "--json"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(results) == 40
    for r in results:
        has_note = any("EXIF" in w for w in r["warnings"])
        assert has_note == Path(r["source"]).name.startswith("bad"), r
    assert "EXIF" not in proc.stderr  # on main one leaked to stderr in every run


def test_safe_relative_never_leaves_the_output_folder() -> None:
    assert output.safe_relative(PurePath("../../a/./b")) == PurePath("_/_/a/b")
    assert output.safe_relative(PurePath("/etc/x")) == PurePath("etc/x")
