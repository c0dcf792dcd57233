"""How right is the CLI's time left? The ETA error once 25% of a mixed batch is done.

    .venv/bin/python benchmarks/bench_eta.py               # ../shared/corpus photos and clips, else generated
    .venv/bin/python benchmarks/bench_eta.py --copies 6 --repeat 3

The batch (photos, each copied ``--copies`` times, plus the clips) runs through the CLI's own
``Runner`` with ``--jobs 2``, feeding the CLI's own estimator (``cli.compress.batch_estimator``:
photos per second, seconds of clip per second, learned in the run). Every progress report's
estimate is sampled; once the run is over its real length ``T`` is known, and the estimate
made at the first sample after ``0.25 T`` is compared with the time that was really left:
error = (estimated - real) / real. The reference, measured in the same run, is the usual
count-based estimate (elapsed x items left / items done).
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import corpus_files  # noqa: E402
from odnix_desktop.cli.compress import Runner, batch_estimator, build_parser  # noqa: E402
from odnix_desktop.core.batch import collect  # noqa: E402
from odnix_desktop.core.options import CompressResult  # noqa: E402
from odnix_desktop.core.progress import Progress  # noqa: E402


def make_batch(folder: Path, copies: int) -> str:
    photos = corpus_files("photos", ("*.jpg", "*.png"))
    clips = corpus_files("videos", ("*.mp4",))
    folder.mkdir(parents=True)
    if photos and clips:
        source = "corpus"
    else:
        from tests import media_factory as mf
        from tests.video_fixtures import make_clip

        gen = folder.parent / "generated"
        gen.mkdir()
        photos = [mf.save_jpeg(gen / f"g{i}.jpg", mf.photo_like(3000, 2000, seed=i)) for i in range(8)]
        clips = [
            make_clip(gen / "a.mp4", size="1280x720", rate=30, seconds=10),
            make_clip(gen / "b.mp4", size="720x1280", rate=30, seconds=6),
        ]
        source = "generated"
    for k in range(copies):
        for p in photos:
            shutil.copyfile(p, folder / f"{k}-{p.name}")
    for c in clips:
        shutil.copyfile(c, folder / c.name)
    return f"{source}: {len(photos)} photos x {copies} + {len(clips)} clips"


def run_once(batch: Path, out: Path) -> tuple[float, float, float, float]:
    """(real seconds, our ETA error, count-based ETA error, fraction of the run at the sample)."""
    args = build_parser().parse_args([str(batch), "-o", str(out), "--jobs", "2", "--force"])
    entries = collect([batch])
    eta = batch_estimator(entries)
    order = {e.source: i for i, e in enumerate(entries)}
    samples: list[tuple[float, float | None, float | None]] = []
    done = [0]
    lock = threading.Lock()
    started = time.perf_counter()

    def sample() -> None:
        t = time.perf_counter() - started
        count = (t * (len(entries) - done[0]) / done[0]) if done[0] else None
        samples.append((t, eta.eta(), count))

    def on_progress(index: int, p: Progress) -> None:
        eta.update(index, p.fraction)
        with lock:
            sample()

    def on_result(result: CompressResult) -> None:
        eta.finish(order[result.source])
        with lock:
            done[0] += 1
            sample()

    Runner(args, on_result, on_progress).run(entries)
    total = time.perf_counter() - started
    t, ours, count = next(s for s in samples if s[0] >= 0.25 * total and s[1] is not None)
    real = total - t
    return total, (ours - real) / real, ((count or 0) - real) / real, t / total


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=1)
    opts = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["ODNIX_USER_DIR"] = str(Path(tmp) / "user")  # a cache of its own
        batch = Path(tmp) / "batch"
        what = make_batch(batch, opts.copies)
        print(f"mixed batch ({what}), --jobs 2")
        print(f"{'run':>3} {'real s':>7} {'sampled at':>10} {'ours':>8} {'count-based':>12}")
        ours_all, count_all = [], []
        for r in range(opts.repeat):
            total, ours, count, at = run_once(batch, Path(tmp) / f"out{r}")
            ours_all.append(abs(ours))
            count_all.append(abs(count))
            print(f"{r + 1:>3} {total:>7.1f} {at:>10.0%} {ours:>+8.1%} {count:>+12.1%}")
        mean_ours, mean_count = sum(ours_all) / len(ours_all), sum(count_all) / len(count_all)
        print(
            f"ETA error once 25% is done: ours {mean_ours:.1%}, count-based {mean_count:.1%} "
            f"(ratio {mean_ours / mean_count:.2f})"
            if mean_count
            else f"ours {mean_ours:.1%}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
