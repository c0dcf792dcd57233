"""Image pipeline vs the seed guide's reference code, measured in the same run.

    bash packaging/dev.sh bench images            # ../shared/corpus/photos, else generated photos

Prints, against the seed (exif_transpose, thumbnail Lanczos, JPEG q80 optimize):
median CPU time per photo, total bytes at mean SSIMULACRA2 and SSIM (each output
against one common reference: the original, upright, Lanczos-resized to the
output's size), orientation check, and --jobs 2 vs --jobs 1 throughput.
Targets (goals, not tests): CPU <= 0.5x, bytes <= 0.90x at SSIMULACRA2 >= seed,
throughput with 2 jobs >= 1.7x.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import CORPUS, best_of, corpus_files, ssim  # noqa: E402
from odnix_desktop.core.image.pipeline import compress_image  # noqa: E402
from odnix_desktop.core.options import CompressOptions  # noqa: E402


def seed_compress(path: Path) -> bytes:
    """The seed guide's snippet, verbatim in substance."""
    img = Image.open(path)
    img = ImageOps.exif_transpose(img)
    if img.width > 1080 or img.height > 1080:
        img.thumbnail((1080, 1080), Image.Resampling.LANCZOS)
    if img.mode not in ("RGB", "L"):  # the seed crashes on RGBA; give it a chance
        img = img.convert("RGB")
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=80, optimize=True)
    return out.getvalue()


def ours(path: Path, out_dir: Path) -> bytes:
    result = compress_image(path, out_dir, CompressOptions(keep_original_if_smaller=False))
    assert result.output is not None
    data = result.output.read_bytes()
    result.output.unlink()
    return data


def reference(path: Path, size: tuple[int, int]) -> Image.Image:
    with Image.open(path) as img:
        up = ImageOps.exif_transpose(img).convert("RGB")
    return up.resize(size, Image.Resampling.LANCZOS)


def generated_photos(folder: Path) -> list[Path]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.media_factory import exif_bytes, photo_like, store_for_orientation

    out = []
    for i, (w, h, o) in enumerate(
        [(4000, 3000, 1), (3264, 2448, 6), (2560, 1600, 1), (1920, 1280, 8), (3000, 4000, 3), (2048, 1536, 1)]
    ):
        p = folder / f"gen_{i}.jpg"
        Image.fromarray(store_for_orientation(photo_like(w, h, seed=i), o)).save(
            p, quality=92, exif=exif_bytes(o, gps=True)
        )
        out.append(p)
    return out


def score(ref: Image.Image, data: bytes, tmp: Path) -> tuple[float, float, bool]:
    with Image.open(io.BytesIO(data)) as out:
        out = out.convert("RGB")
    if out.size != ref.size:
        return float("nan"), float("nan"), False
    from ssimulacra2 import compute_ssimulacra2

    ref_path, out_path = tmp / "ref.png", tmp / "out.png"
    ref.save(ref_path)
    out.save(out_path)
    s2 = float(compute_ssimulacra2(str(ref_path), str(out_path)))
    return s2, ssim(np.asarray(ref), np.asarray(out)), True


def throughput(paths: list[Path], jobs: int, out_dir: Path, copies: int) -> float:
    work = paths * copies
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(lambda p: ours(p, out_dir / f"j{jobs}"), work))
    return len(work) / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3, help="timing repetitions (best CPU kept)")
    parser.add_argument("--copies", type=int, default=4, help="corpus copies for the throughput run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmpname:
        tmp = Path(tmpname)
        paths = corpus_files("photos", ("*.jpg", "*.jpeg", "*.png", "*.heic", "*.webp"))
        source = f"corpus {CORPUS / 'photos'}" if paths else "generated photos (no corpus found)"
        if not paths:
            paths = generated_photos(tmp)
        print(f"# bench_images: {len(paths)} photos from {source}\n")
        rows = []
        for path in paths:
            t_seed, seed_data = best_of(args.repeat, lambda: seed_compress(path))
            t_ours, our_data = best_of(args.repeat, lambda: ours(path, tmp / "out"))
            with Image.open(io.BytesIO(our_data)) as o:
                size = o.size
            ref = reference(path, size)
            s_seed = score(ref, seed_data, tmp)
            s_ours = score(ref, our_data, tmp)
            rows.append((path, path.stat().st_size, t_seed, t_ours, len(seed_data), len(our_data), s_seed, s_ours))

        print(
            "| photo | source | seed bytes | ours bytes | ours/seed | SSIMULACRA2 seed | ours | SSIM seed | ours "
            "| CPU seed ms | ours ms | upright |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        for path, src, ts, to, bs, bo, ss, so in rows:
            print(
                f"| {path.name[:34]} | {src / 1e3:,.0f} KB | {bs / 1e3:,.1f} KB | {bo / 1e3:,.1f} KB | {bo / bs:.3f} "
                f"| {ss[0]:.2f} | {so[0]:.2f} | {ss[1]:.4f} | {so[1]:.4f} | {ts.cpu * 1e3:.0f} | {to.cpu * 1e3:.0f} "
                f"| {'yes' if so[2] else 'NO (size differs: sideways?)'} |"
            )
        seed_cpu = statistics.median(r[2].cpu for r in rows)
        our_cpu = statistics.median(r[3].cpu for r in rows)
        bytes_ratio = sum(r[5] for r in rows) / sum(r[4] for r in rows)
        s2_seed = statistics.fmean(r[6][0] for r in rows)
        s2_ours = statistics.fmean(r[7][0] for r in rows)
        ssim_seed = statistics.fmean(r[6][1] for r in rows)
        ssim_ours = statistics.fmean(r[7][1] for r in rows)
        print()
        print(
            f"median CPU per photo: seed {seed_cpu * 1e3:.1f} ms, ours {our_cpu * 1e3:.1f} ms "
            f"-> ratio {our_cpu / seed_cpu:.2f} (target <= 0.50)"
        )
        print(f"total bytes: ours/seed = {bytes_ratio:.3f} (target <= 0.90)")
        print(f"mean SSIMULACRA2: seed {s2_seed:.2f}, ours {s2_ours:.2f} (target: ours >= seed)")
        print(f"mean SSIM: seed {ssim_seed:.4f}, ours {ssim_ours:.4f}")
        print(f"upright: {sum(r[7][2] for r in rows)}/{len(rows)}")
        big = [r for r in rows if r[1] >= 2_000_000]
        for r in big:
            print(f"camera photo {r[0].name}: {r[1] / 1e6:.1f} MB -> {r[5] / 1e3:.0f} KB")
        t1 = throughput(paths, 1, tmp, args.copies)
        t2 = throughput(paths, 2, tmp, args.copies)
        print(f"throughput: --jobs 1 {t1:.1f} photos/s, --jobs 2 {t2:.1f} photos/s -> {t2 / t1:.2f}x (target >= 1.7x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
