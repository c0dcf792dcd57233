"""The frozen bundle's size and start time, against the source install's.

    bash packaging/dev.sh build && bash packaging/dev.sh bench bundle [--runs 7]

Size: dist/odnix-desktop/ unpacked (sum of file sizes, symlinks not counted twice) and as the
tar.gz that packaging/build.sh writes, with the 15 largest files and the largest parts.
Start: median wall time over --runs runs (after one warm-up) of
  odnix-compress --version, odnix-compress on one 1600x1200 photo, odnix-desktop
  --quit-after-show (offscreen), for the frozen bundle and for .venv/bin (the source install).
Targets (issue 7): unpacked <= 300 MB, frozen start <= 1.5x the source start.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MB = 1_000_000
TARGET_UNPACKED_MB = 300
TARGET_START_RATIO = 1.5


def say(line: str = "") -> None:
    sys.stdout.write(line + "\n")


def sizes(bundle: Path) -> tuple[int, list[tuple[int, str]]]:
    files = []
    for dirpath, _dirs, names in os.walk(bundle):
        for name in names:
            path = Path(dirpath) / name
            if not path.is_symlink() and path.is_file():
                files.append((path.stat().st_size, str(path.relative_to(bundle))))
    files.sort(reverse=True)
    return sum(s for s, _ in files), files


def parts(files: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Sizes grouped by package (the folder under _internal/, or the file itself)."""
    groups: dict[str, int] = {}
    for size, rel in files:
        p = Path(rel).parts
        key = "/".join(p[:2]) if p[0] == "_internal" and len(p) > 2 else rel
        if key.startswith("_internal/lib") and len(p) == 2:
            key = "_internal/*.so (system and Python libraries)"
        groups[key] = groups.get(key, 0) + size
    return sorted(((s, k) for k, s in groups.items()), reverse=True)


def tarball_size(bundle: Path) -> tuple[int, str]:
    """The tar.gz from packaging/build.sh if newer than the bundle, else one made here."""
    made = sorted(bundle.parent.glob("odnix-desktop-*.tar.gz"))
    exe = bundle / "odnix-compress"
    if made and made[-1].stat().st_mtime >= exe.stat().st_mtime:
        return made[-1].stat().st_size, made[-1].name
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bundle.tar.gz"
        with tarfile.open(out, "w:gz", compresslevel=6) as tar:
            tar.add(bundle, arcname=bundle.name)
        return out.stat().st_size, "(made by this benchmark, gzip -6)"


def make_photo(path: Path) -> Path:
    from PIL import Image

    w, h = 1600, 1200
    g = Image.linear_gradient("L").resize((w, h))
    Image.merge("RGB", (g, Image.effect_noise((w, h), 40), g.rotate(90).resize((w, h)))).save(path, quality=90)
    return path


def timed_runs(
    cmd: list[str],
    runs: int,
    env: dict[str, str],
    expect: str | None = None,
    fresh_out: Path | None = None,
) -> list[float]:
    times = []
    for i in range(runs + 1):  # the first is a warm-up (page cache), not counted
        run_env = dict(env)
        run_env["ODNIX_USER_DIR"] = tempfile.mkdtemp(prefix="odnix-bench-user-")
        args = list(cmd)
        if fresh_out is not None:
            args += ["-o", str(fresh_out / f"run{i}")]
        t0 = time.perf_counter()
        done = subprocess.run(args, env=run_env, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - t0
        if done.returncode != 0 or (expect and expect not in done.stdout):
            raise SystemExit(f"bench_bundle: {' '.join(args)} failed ({done.returncode}): {done.stderr[-500:]}")
        if i:
            times.append(elapsed)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "odnix-desktop")
    parser.add_argument("--venv", type=Path, default=ROOT / ".venv")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    bundle = args.bundle.resolve()
    if not (bundle / "odnix-compress").exists():
        sys.stderr.write(f"bench_bundle: no bundle at {bundle}: run `bash packaging/dev.sh build` first\n")
        return 2

    figures: dict = {}
    total, files = sizes(bundle)
    tgz, tgz_name = tarball_size(bundle)
    figures["unpacked_bytes"] = total
    figures["tar_gz_bytes"] = tgz
    say(f"bundle {bundle}")
    say(
        f"  unpacked: {total / MB:.1f} MB ({total / 2**20:.1f} MiB) in {len(files)} files"
        f"   target <= {TARGET_UNPACKED_MB} MB: {'met' if total <= TARGET_UNPACKED_MB * MB else 'NOT met'}"  # noqa: E501
    )
    say(f"  tar.gz:   {tgz / MB:.1f} MB {tgz_name}")
    say("  largest 15 files:")
    for size, rel in files[:15]:
        say(f"    {size / MB:7.1f} MB  {rel}")
    figures["largest"] = [{"path": rel, "bytes": size} for size, rel in files[:15]]
    say("  largest parts:")
    for size, key in parts(files)[:10]:
        say(f"    {size / MB:7.1f} MB  {key}")

    base_env = {
        "PATH": "/usr/bin:/bin",
        "HOME": tempfile.mkdtemp(prefix="odnix-bench-home-"),
        "LANG": "C.UTF-8",
        "QT_QPA_PLATFORM": "offscreen",
    }
    work = Path(tempfile.mkdtemp(prefix="odnix-bench-"))
    photo = make_photo(work / "photo.jpg")
    frozen, source = bundle, args.venv.resolve() / "bin"
    cases = [
        ("odnix-compress --version", "odnix-compress", ["--version"], "odnix-compress", False),
        (
            "odnix-compress, 1 photo",
            "odnix-compress",
            ["--json", str(photo)],
            '"status": "compressed"',
            True,
        ),
        ("odnix-desktop --quit-after-show", "odnix-desktop", ["--quit-after-show"], "shown", False),
    ]
    say(f"\nstart time, median of {args.runs} runs (after a warm-up), wall clock:")
    say(f"  {'command':34s} {'frozen':>9s} {'source':>9s} {'ratio':>6s}")
    figures["start"] = []
    for title, exe, extra, expect, out in cases:
        row = {}
        for label, where in (("frozen", frozen), ("source", source)):
            t = timed_runs(
                [str(where / exe), *extra],
                args.runs,
                base_env,
                expect,
                fresh_out=(work / f"out-{label}-{exe}") if out else None,
            )
            row[label] = statistics.median(t)
        ratio = row["frozen"] / row["source"]
        verdict = "met" if ratio <= TARGET_START_RATIO else "NOT met"
        say(
            f"  {title:34s} {row['frozen'] * 1000:7.0f}ms {row['source'] * 1000:7.0f}ms"
            f" {ratio:5.2f}x"
            f"  (<= {TARGET_START_RATIO}x: {verdict})"
        )
        figures["start"].append(
            {"command": title, "frozen_s": row["frozen"], "source_s": row["source"], "ratio": ratio}
        )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
