"""Uploads shaped for Odnix vs a plain upload like the seed's, through the real server.

    ODNIX_TEST_URL=http://127.0.0.1:8765 ODNIX_CORPUS=/work/shared/corpus \
        .venv/bin/python benchmarks/bench_odnix.py [--search] [--skip-reels]

Registers a fresh user (the 5-reels-a-day limit is per user), uploads every corpus photo twice
(ours: core.odnix shaping; plain: the seed's 1080 px JPEG q80) and every clip of 15 s or less
twice (ours: the reel preset + the reel rule; plain: x264 CRF 28 720 px wide), downloads what
the server stored and scores it against the original:
- posts: SSIMULACRA2 of the stored image against the original resized to the stored size;
  upload bytes; how close our local simulation of the server's step came to what it stored;
- transparent posts (made from the corpus): corner colour of what is stored;
- reels: SSIM (luma) of the stored clip against the source at the source's aspect.
Targets (issue 14): posts SSIMULACRA2 >= plain + 0.5, upload bytes <= 0.8x plain; transparent
never black; reels SSIM >= plain + 0.005. ``--search`` also runs the per-image search
(core.odnix.posts.choose_upload) with the reference SSIMULACRA2 package instead of the fast
one, to check that the fast metric picks what the reference one would.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import numpy as np
import requests
from PIL import Image, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import corpus_files  # noqa: E402
from odnix_desktop.core.odnix import posts  # noqa: E402
from odnix_desktop.core.odnix.profile import profile_for  # noqa: E402
from odnix_desktop.core.odnix.reels import measure_ssim, shape_reel  # noqa: E402
from odnix_desktop.core.odnix.server_step import simulate_image  # noqa: E402
from odnix_desktop.core.options import CompressOptions  # noqa: E402
from odnix_desktop.core.presets import PRESETS  # noqa: E402
from odnix_desktop.core.upload import ServerAddress, Session, UploadHistory, login, upload_post, upload_reel  # noqa: E402
from odnix_desktop.core.video import command  # noqa: E402
from odnix_desktop.core.video.pipeline import compress_video  # noqa: E402
from odnix_desktop.core.video.probe import probe  # noqa: E402
from odnix_desktop.core.video.tool import ffmpeg_exe  # noqa: E402

PASSWORD = "Bench-Odnix-2026"
MAX_REEL_S = 15.0


# --------------------------------------------------------------------------- helpers
def register(url: str) -> Session:
    name = f"bench{uuid.uuid4().hex[:8]}"
    body = {"username": name, "email": f"{name}@example.test", "password": PASSWORD}
    answer = requests.post(f"{url}/api/register/", json=body, timeout=30)
    assert answer.ok and answer.json().get("success"), answer.text[:300]
    return login(ServerAddress.parse(url), name, PASSWORD)


def seed_post(path: Path) -> bytes:
    """The seed's post flow: upright, 1080 px Lanczos, JPEG q80 optimize (RGBA made RGB)."""
    img = ImageOps.exif_transpose(Image.open(path))
    if img.width > 1080 or img.height > 1080:
        img.thumbnail((1080, 1080), Image.Resampling.LANCZOS)
    if img.mode not in ("RGB", "L"):
        img = img.convert("RGB")
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=80, optimize=True)
    return out.getvalue()


def ssimulacra2(reference: Image.Image, distorted: Image.Image, tmp: Path) -> float:
    from ssimulacra2 import compute_ssimulacra2

    a, b = tmp / "ref.png", tmp / "dist.png"
    reference.convert("RGB").save(a)
    distorted.convert("RGB").resize(reference.size, Image.Resampling.LANCZOS).save(b)
    return float(compute_ssimulacra2(str(a), str(b)))


def original(path: Path, size: tuple[int, int], background: str | None = None) -> Image.Image:
    img = ImageOps.exif_transpose(Image.open(path))
    if background is not None:
        img, _ = posts.flatten(img, background)
    return img.convert("RGB").resize(size, Image.Resampling.LANCZOS)


def send_post(session: Session, data: bytes, name: str, tmp: Path, label: str) -> tuple[Image.Image, bytes]:
    path = tmp / "send" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    caption = f"bench {label} {uuid.uuid4().hex[:10]}"
    done = upload_post(session, path, caption, history=UploadHistory(tmp / f"h-{uuid.uuid4().hex}.sqlite3"))
    assert done.url
    stored = requests.get(done.url, timeout=60).content
    path.unlink()
    with Image.open(io.BytesIO(stored)) as img:
        return img.convert("RGB"), stored


# --------------------------------------------------------------------------- posts
def bench_posts(session: Session, photos: list[Path], tmp: Path, search: bool) -> None:
    step = profile_for("post").image
    assert step is not None
    print("| photo | plain bytes | ours bytes (q) | ours/plain | SSIMULACRA2 plain | ours | Δ | simulated = stored? |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    deltas, ratios = [], []
    for path in photos:
        plain = seed_post(path)
        shaped = posts.shape_post(path)
        stored_plain, _ = send_post(session, plain, path.stem + ".jpg", tmp, "plain")
        stored_ours, stored_bytes = send_post(session, shaped.data, path.stem + ".jpg", tmp, "ours")
        s_plain = ssimulacra2(original(path, stored_plain.size), stored_plain, tmp)
        s_ours = ssimulacra2(original(path, stored_ours.size), stored_ours, tmp)
        sim = simulate_image(shaped.data, step)
        same = "identical" if sim.data == stored_bytes else f"PSNR {_psnr(sim.image(), stored_ours):.1f} dB"
        deltas.append(s_ours - s_plain)
        ratios.append(len(shaped.data) / len(plain))
        print(
            f"| {path.name[:30]} | {len(plain):,} | {len(shaped.data):,} (q{shaped.quality}) | {ratios[-1]:.3f} "
            f"| {s_plain:.2f} | {s_ours:.2f} | {deltas[-1]:+.2f} | {same} |"
        )
    print(
        f"\nposts: mean Δ SSIMULACRA2 {statistics.mean(deltas):+.2f} (target >= +0.5), "
        f"total bytes ours/plain mean {statistics.mean(ratios):.3f} (target <= 0.8)\n"
    )
    if search:
        bench_search(photos, tmp)


def bench_search(photos: list[Path], tmp: Path) -> None:
    """Per-image search with the reference SSIMULACRA2 (locally simulated server) beside the fast one."""
    step = profile_for("post").image
    assert step is not None
    print("| photo | fast metric's choice | reference metric's choice (its reason) |")
    print("|---|---|---|")
    for path in photos:
        img, _ = posts.flatten(posts.load_upright(path, step.box), "white")
        _, _, q_fast, _, _ = posts.choose_upload(img, step)
        _, _, q, reason, _ = posts.choose_upload(img, step, metric=lambda a, b: ssimulacra2(a, b, tmp))
        print(f"| {path.name[:30]} | q{q_fast} | q{q} ({reason}) |")
    print()


def bench_transparent(session: Session, photos: list[Path], tmp: Path) -> None:
    print("| transparent post | ours corners (default white) | plain corners |")
    print("|---|---|---|")
    for path in photos[:2]:
        src = tmp / f"{path.stem}-alpha.png"
        with Image.open(path) as img:
            rgb = ImageOps.exif_transpose(img).convert("RGB")
        rgb.thumbnail((1600, 1600))
        mask = Image.new("L", rgb.size, 0)
        from PIL import ImageDraw

        ImageDraw.Draw(mask).ellipse((rgb.width * 0.1, rgb.height * 0.1, rgb.width * 0.9, rgb.height * 0.9), fill=255)
        rgba = Image.composite(rgb, Image.new("RGB", rgb.size, (0, 0, 0)), mask)
        rgba.putalpha(mask)
        rgba.save(src)
        ours, _ = send_post(session, posts.shape_post(src).data, src.stem + ".jpg", tmp, "alpha-ours")
        plain, _ = send_post(session, src.read_bytes(), src.name, tmp, "alpha-plain")
        c_ours, c_plain = _corners(ours), _corners(plain)
        black = any(max(c) < 40 for c in c_ours)
        print(f"| {src.name} | {c_ours} {'BLACK' if black else 'ok'} | {c_plain} |")
    print()


def _corners(img: Image.Image) -> list[tuple[int, ...]]:
    w, h = img.size
    return [img.getpixel((x, y)) for x, y in ((2, 2), (w - 3, 2), (2, h - 3), (w - 3, h - 3))]


def _psnr(a: Image.Image, b: Image.Image) -> float:
    x = np.asarray(a.convert("RGB"), dtype=np.float64)
    y = np.asarray(b.convert("RGB"), dtype=np.float64)
    mse = float(((x - y) ** 2).mean())
    return 99.0 if mse == 0 else 10 * np.log10(255**2 / mse)


# --------------------------------------------------------------------------- reels
def plain_reel(source: Path, dest: Path) -> Path:
    """Like the seed's reel flow: 720 px wide, 24 fps, x264 CRF 28 veryfast, AAC 128k."""
    subprocess.run(
        [str(ffmpeg_exe()), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", str(source),
         "-vf", "fps=24,scale=720:-2", "-c:v", "libx264", "-crf", "28", "-preset", "veryfast",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", str(dest)],
        check=True,
    )  # fmt: skip
    return dest


def send_reel(session: Session, path: Path, tmp: Path, label: str) -> Path:
    caption = f"bench {label} {uuid.uuid4().hex[:10]}"
    done = upload_reel(session, path, caption, history=UploadHistory(tmp / f"h-{uuid.uuid4().hex}.sqlite3"))
    assert done.url, done.warnings
    stored = tmp / f"stored-{label}-{path.stem}.mp4"
    stored.write_bytes(requests.get(done.url, timeout=120).content)
    return stored


def bench_reels(session: Session, clips: list[Path], tmp: Path) -> None:
    limits = PRESETS["reel"].video
    assert limits is not None
    print("| clip | plain sent | stored | SSIM plain | ours sent (choice) | stored | SSIM ours | Δ |")
    print("|---|---:|---|---:|---:|---|---:|---:|")
    deltas = []
    for clip in clips:
        info = probe(clip)
        if info.duration is None or info.duration > MAX_REEL_S:
            continue
        plan = command.plan_encode(info, limits)  # the source's aspect, 720 px wide, 24 fps
        plain = plain_reel(clip, tmp / f"plain-{clip.stem}.mp4")
        normal = compress_video(clip, tmp / "ours", CompressOptions(preset="reel", keep_original_if_smaller=False))
        assert normal.output is not None
        choice = shape_reel(clip, normal.output, tmp / f"small-{clip.stem}.mp4")
        stored_plain = send_reel(session, plain, tmp, "plain")
        stored_ours = send_reel(session, choice.path, tmp, "ours")
        s_plain = measure_ssim(stored_plain, clip, plan, tmp)
        s_ours = measure_ssim(stored_ours, clip, plan, tmp)
        deltas.append(s_ours - s_plain)
        sp, so = probe(stored_plain).display_size, probe(stored_ours).display_size
        print(
            f"| {clip.name[:28]} | {plain.stat().st_size:,} | {sp[0]}×{sp[1]} {_same(plain, stored_plain)} "
            f"| {s_plain:.4f} | {choice.path.stat().st_size:,} ({choice.choice}) | {so[0]}×{so[1]} "
            f"{_same(choice.path, stored_ours)} | {s_ours:.4f} | {deltas[-1]:+.4f} |"
        )
        print(f"|  | | | | {choice.reason} | | | |")
    if deltas:
        print(f"\nreels: mean Δ SSIM {statistics.mean(deltas):+.4f} (target >= +0.005)\n")


def _same(sent: Path, stored: Path) -> str:
    return "as sent" if sent.read_bytes() == stored.read_bytes() else "re-encoded"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--search", action="store_true", help="also run the per-image SSIMULACRA2 search")
    parser.add_argument("--skip-reels", action="store_true", help="posts only (no reel of the day is used)")
    args = parser.parse_args()
    url = os.environ.get("ODNIX_TEST_URL", "")
    if not url:
        print("set ODNIX_TEST_URL (shared/odnix-server/README.md runs a server locally)")
        return 2
    photos = corpus_files("photos", ("*.jpg", "*.jpeg", "*.png"))
    clips = corpus_files("videos", ("*.mp4", "*.mov"))
    session = register(url)
    print(f"# bench_odnix: {len(photos)} photos, {len(clips)} clips, user {session.username} on {url}\n")
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        bench_posts(session, photos, tmp, args.search)
        bench_transparent(session, photos, tmp)
        if not args.skip_reels:
            bench_reels(session, clips, tmp)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
