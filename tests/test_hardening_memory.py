"""Issue 10 item 10: memory per job is bounded (peak RSS of a child running the CLI)."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image

from odnix_desktop.core import memory
from odnix_desktop.core.options import CompressOptions

GiB = 1 << 30

_MEASURE = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True, stdin=subprocess.DEVNULL)
sys.stdout.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) + "\\n")
sys.stdout.write(str(done.returncode) + "\\n" + done.stdout)
sys.stderr.write(done.stderr)
"""


def peak_rss(args: list[str]) -> tuple[int, int, list[dict], str]:
    """Run the CLI in a child of a fresh process; return (peak bytes, exit code, results, stderr)."""
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, sys.executable, "-m", "odnix_desktop", *args, "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = proc.stdout.splitlines()
    kib, code = int(lines[0]), int(lines[1])
    return kib * 1024, code, [json.loads(line) for line in lines[2:]], proc.stderr


def single_colour_png(path: Path, side: int) -> Path:
    """A ``side``×``side`` RGB PNG written row by row (the test never holds the picture)."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    row = b"\0" + bytes((40, 90, 160)) * side
    z = zlib.compressobj(1)
    with path.open("wb") as fh:
        fh.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)))
        block = row * 64
        for _ in range(side // 64):
            fh.write(chunk(b"IDAT", z.compress(block)))
        fh.write(chunk(b"IDAT", z.compress(row * (side % 64)) + z.flush()))
        fh.write(chunk(b"IEND", b""))
    return path


def long_gif(path: Path, frames: int, side: int = 300) -> Path:
    images = [Image.new("P", (side, side), i % 256) for i in range(frames)]
    for i, frame in enumerate(images):  # every frame a different colour: none is merged
        frame.putpalette([(j * 7 + i) % 256 for j in range(768)])
    images[0].save(path, save_all=True, append_images=images[1:], duration=40, loop=0)
    return path


def cmyk_tiff(path: Path, side: int, cmyk: tuple[int, int, int, int] = (40, 90, 160, 0)) -> Path:
    import pyvips

    (pyvips.Image.black(side, side, bands=4) + list(cmyk)).cast("uchar").copy(interpretation="cmyk").tiffsave(
        str(path), compression="deflate"
    )
    return path


def test_a_big_cmyk_tiff_is_streamed_and_comes_out_srgb(tmp_path: Path) -> None:
    from odnix_desktop.core.compress import run_item
    from odnix_desktop.core.options import Status

    src = cmyk_tiff(tmp_path / "red.tif", 4200, (0, 200, 200, 0))  # over the 16 MP streaming threshold
    result = run_item(src, tmp_path / "out", CompressOptions())
    assert result.status is Status.COMPRESSED, result.error
    with Image.open(result.output) as out:
        r, g, b = out.convert("RGB").getpixel((10, 10))
    assert out.mode in ("RGB", "P") and r > 200 and g < 90 and b < 90, (r, g, b)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ru_maxrss is KiB on Linux")
def test_huge_single_colour_png_and_long_gif_stay_under_1_gib(tmp_path: Path) -> None:
    png = single_colour_png(tmp_path / "big.png", 15000)
    gif = long_gif(tmp_path / "long.gif", 2000)
    cmyk = cmyk_tiff(tmp_path / "cmyk.tif", 12000)
    jobs = str(os.cpu_count() or 1)
    peak, code, results, err = peak_rss([str(png), str(gif), str(cmyk), "-o", str(tmp_path / "o"), "--jobs", jobs])
    assert "Traceback" not in err
    assert code == 1  # the GIF is refused
    by_name = {Path(r["source"]).name: r for r in results}
    assert by_name["big.png"]["status"] == "compressed", by_name
    assert (by_name["big.png"]["after"]["width"], by_name["big.png"]["after"]["height"]) == (1080, 1080)
    assert by_name["cmyk.tif"]["status"] == "compressed", by_name  # 1.7 GB through Pillow before
    assert by_name["long.gif"]["status"] == "failed"
    assert "2000 frames" in by_name["long.gif"]["error"] and "limit" in by_name["long.gif"]["error"]
    assert peak < GiB, f"peak RSS {peak / 2**20:.0f} MiB"  # 2.2 GB and 940 MB before


def test_animation_budget_and_gate(tmp_path: Path) -> None:
    small = long_gif(tmp_path / "ok.gif", 20, side=64)
    assert memory.image_estimate(small, CompressOptions()) < memory.ANIMATION_BYTES
    import threading

    light = memory.MemoryGate(100)
    with light.reserve(10**9), light.reserve(1):  # a light job never waits
        pass
    gate2 = memory.MemoryGate(memory.LIGHT_BYTES * 4)
    entered = threading.Event()
    release = threading.Event()

    def first() -> None:
        with gate2.reserve(memory.LIGHT_BYTES * 3):
            entered.set()
            release.wait(10)

    a = threading.Thread(target=first)
    a.start()
    assert entered.wait(10)
    second_in = threading.Event()

    def second() -> None:
        with gate2.reserve(memory.LIGHT_BYTES * 3):
            second_in.set()

    b = threading.Thread(target=second)
    b.start()
    assert not second_in.wait(0.3)  # does not fit beside the first
    release.set()
    assert second_in.wait(10)
    a.join()
    b.join()
