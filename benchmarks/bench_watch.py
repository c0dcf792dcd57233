"""Watch mode's latency: from a file's last write to its line on stdout (target: within 5 s).

    .venv/bin/python benchmarks/bench_watch.py          # corpus photos and a clip, else generated

Starts ``odnix-compress watch IN -o IN/out --json`` (default settle time, 2 s), copies each
file in, one at a time, and times its line. The reference, measured in the same run, is the
settle time plus the item's own compression time (``seconds`` in its JSON line): the
difference is what noticing and polling the file cost.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import corpus_files  # noqa: E402

SETTLE = 2.0


def sources(tmp: Path) -> list[Path]:
    files = corpus_files("photos", ("*.jpg",))[:4] + corpus_files("videos", ("*.mp4",))[:1]
    if files:
        return files
    from tests import media_factory as mf
    from tests.video_fixtures import make_clip

    return [mf.save_jpeg(tmp / f"g{i}.jpg", mf.photo_like(3000, 2000, seed=i)) for i in range(4)] + [
        make_clip(tmp / "clip.mp4", size="1280x720", rate=30, seconds=10)
    ]


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        root = tmp / "in"
        root.mkdir()
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "ODNIX_USER_DIR": str(tmp / "user")}
        cmd = [sys.executable, "-c", "import sys; from odnix_desktop.cli import main; sys.exit(main())"]
        proc = subprocess.Popen(
            [*cmd, "watch", str(root), "-o", str(root / "out"), "--json", "--settle", str(SETTLE)],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert proc.stdout is not None
        print(f"{'file':<44} {'latency':>8} {'settle+work':>12} {'overhead':>9}")
        worst = 0.0
        try:
            for src in sources(tmp):
                dest = root / src.name
                shutil.copyfile(src, dest)
                written = time.monotonic()
                item = json.loads(proc.stdout.readline())
                latency = time.monotonic() - written
                reference = SETTLE + item["seconds"]
                worst = max(worst, latency)
                print(f"{src.name[:44]:<44} {latency:>7.2f}s {reference:>11.2f}s {latency - reference:>+8.2f}s")
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=30)
        print(f"worst latency {worst:.2f} s (target <= 5 s); exit status on Ctrl+C: {proc.returncode}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
