"""Window benchmarks: start-to-shown time, event-loop latency while 200 photos compress,
peak memory for a 500-photo queue.

    QT_QPA_PLATFORM=offscreen python -m benchmarks.bench_gui [--photos 200] [--queue 500]

Latency: a 5 ms QTimer records how late each tick fires while the batch runs; p99 must stay
under 50 ms (the window never freezes). Memory: peak RSS (ru_maxrss) of a child process that
queues 500 photos, reads them all (describe + thumbnails) and shows the table.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]


def make_photos(folder: Path, n: int, size=(1600, 1200)) -> list[Path]:
    sys.path.insert(0, str(ROOT))
    from tests.gui_helpers import make_photo

    # Generate a few distinct pictures and copy them: generating 500 would dominate the run.
    seeds = [make_photo(folder / f"seed_{i}.jpg", size, seed=i) for i in range(min(n, 8))]
    out = []
    for i in range(n):
        p = folder / f"photo_{i:04d}.jpg"
        p.write_bytes(seeds[i % len(seeds)].read_bytes())
        out.append(p)
    for s in seeds:
        s.unlink()
    return out


def bench_start(runs: int = 5) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "odnix_desktop.app", "--quit-after-show"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "ODNIX_USER_DIR": tempfile.mkdtemp()},
        ).stdout
        shown_line = next(line for line in out.splitlines() if line.startswith("shown"))
        assert shown_line
        times.append(time.perf_counter() - t0)
    return times


def bench_latency(n: int) -> dict:
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from odnix_desktop.app import build_window
    from odnix_desktop.core.settings import Settings

    app = QApplication.instance() or QApplication([])
    tmp = Path(tempfile.mkdtemp())
    os.environ["ODNIX_USER_DIR"] = str(tmp / "user")
    photos = make_photos(tmp / "in", n)
    win = build_window(Settings(output_folder=str(tmp / "out")))
    win.show()
    lat: list[float] = []
    interval = 5
    clock = QElapsedTimer()
    timer = QTimer()
    timer.setInterval(interval)
    last = [0]

    def tick() -> None:  # GUI thread only
        now = clock.elapsed()
        lat.append(max(0, now - last[0] - interval))
        last[0] = now

    timer.timeout.connect(tick)
    done = []
    win.queue.batchFinished.connect(lambda: done.append(time.perf_counter()))
    win.queue.describedAll.connect(lambda: None)
    win.add_paths(photos)
    while win.queue.pending_collects() or win.queue.pending_describes() or win.model.rowCount() < n:
        app.processEvents()
    from PySide6.QtCore import QEventLoop

    loop = QEventLoop()
    win.queue.batchFinished.connect(loop.quit)
    t0 = time.perf_counter()
    win.start()  # queues 200 jobs: measured on its own
    start_call = time.perf_counter() - t0
    clock.start()
    last[0] = 0
    timer.start()
    loop.exec()
    timer.stop()
    seconds = done[0] - t0
    ok = sum(1 for i in win.model.items() if i.finished)
    win.close()
    lat.sort()
    return {
        "photos": n,
        "finished": ok,
        "seconds": seconds,
        "ticks": len(lat),
        "p50_ms": statistics.median(lat),
        "p99_ms": lat[int(len(lat) * 0.99) - 1],
        "max_ms": lat[-1],
        "start_call_ms": start_call * 1000,
    }


def bench_memory_child(folder: str) -> None:
    from PySide6.QtWidgets import QApplication

    from odnix_desktop.app import build_window
    from odnix_desktop.core.settings import Settings

    app = QApplication.instance() or QApplication([])
    tmp = Path(tempfile.mkdtemp())
    os.environ["ODNIX_USER_DIR"] = str(tmp / "user")
    photos = sorted(Path(folder).glob("*.jpg"))
    n = len(photos)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    win = build_window(Settings(output_folder=str(tmp / "out")))
    win.show()
    win.add_paths(photos)
    while win.queue.pending_collects() or win.queue.pending_describes() or win.model.rowCount() < n:
        app.processEvents()
    win.table.viewport().repaint()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"MEM {base / 1024:.1f} {peak / 1024:.1f}")
    win.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--queue", type=int, default=500)
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        bench_memory_child(args.memory_child)
        return
    import PySide6

    print(f"PySide6 {PySide6.__version__}, {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    starts = bench_start()
    print(
        f"start → window shown: median {statistics.median(starts) * 1000:.0f} ms "
        f"(min {min(starts) * 1000:.0f}, {len(starts)} runs, process spawn included)"
    )
    folder = Path(tempfile.mkdtemp()) / "queue"
    make_photos(folder, args.queue)
    mem = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_gui", "--memory-child", str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    base, peak = (float(x) for x in next(line for line in mem.splitlines() if line.startswith("MEM")).split()[1:])
    print(f"peak memory, {args.queue}-photo queue read and shown: {peak:.0f} MB (before the window: {base:.0f} MB)")
    r = bench_latency(args.photos)
    verdict = "OK" if r["p99_ms"] < 50 else "OVER TARGET"
    print(
        f"event-loop latency while {r['photos']} photos compress ({r['finished']} finished in {r['seconds']:.1f} s, "
        f"{r['ticks']} ticks): p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, max {r['max_ms']:.0f} ms "
        f"— target p99 < 50 ms: {verdict}; Start itself took {r['start_call_ms']:.0f} ms"
    )


if __name__ == "__main__":
    main()
