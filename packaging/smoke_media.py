"""The smoke test's inputs and checks, run by the venv's Python (never by the bundle).

    python packaging/smoke_media.py make FOLDER          generate the inputs
    python packaging/smoke_media.py check RESULTS.jsonl  check odnix-compress --json's outputs

Inputs: a photo-like JPEG stored turned (EXIF orientation 6) with GPS, a PNG with real alpha
(a transparent gradient), a short 1280x720 30 fps clip with audio, and a bad file. The checks
look at the output files themselves: dimensions, upright, no GPS/orientation left, alpha kept,
H.264 within the reel preset's limits.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PHOTO_UPRIGHT = (2000, 3000)  # stored 3000x2000 with orientation 6
PNG_SIZE = (1600, 1200)
CLIP_SIZE, CLIP_SECONDS = (1280, 720), 3.0
RED = (220, 30, 30)


def say(line: str = "") -> None:
    sys.stdout.write(line + "\n")


def make(folder: Path) -> None:
    from PIL import Image, ImageDraw

    folder.mkdir(parents=True, exist_ok=True)
    w, h = PHOTO_UPRIGHT
    g = Image.linear_gradient("L").resize((w, h))
    upright = Image.merge("RGB", (g, Image.effect_noise((w, h), 50), g.transpose(Image.Transpose.ROTATE_180)))
    ImageDraw.Draw(upright).rectangle((0, 0, w // 3, h // 3), fill=RED)  # red top-left when upright
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "SmokeCam"
    exif[0x8825] = {1: "N", 2: (43.0, 11.0, 49.0), 3: "W", 4: (4.0, 51.0, 13.0)}
    upright.transpose(Image.Transpose.ROTATE_90).save(folder / "photo.jpg", "JPEG", quality=92, exif=exif.tobytes())

    pw, ph = PNG_SIZE
    rgb = Image.merge(
        "RGB",
        (Image.linear_gradient("L").resize((pw, ph)),) * 2 + (Image.effect_noise((pw, ph), 30),),
    )
    alpha = Image.linear_gradient("L").rotate(90).resize((pw, ph))  # 0..255 left to right
    rgba = rgb.copy()
    rgba.putalpha(alpha)
    rgba.save(folder / "alpha.png")

    from odnix_desktop.core.video.synthetic import make_test_clip

    make_test_clip(folder / "clip.mp4", size=CLIP_SIZE, rate=30, seconds=CLIP_SECONDS)

    (folder / "bad.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not really a JPEG" + bytes(200))
    say(f"smoke_media: made photo.jpg, alpha.png, clip.mp4, bad.jpg in {folder}")


def check(results: Path) -> list[str]:
    from PIL import Image

    from odnix_desktop.core.presets import PRESETS
    from odnix_desktop.core.video.probe import probe

    rows = [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines() if line.strip()]
    by_name = {Path(r["source"]).name: r for r in rows}
    problems: list[str] = []
    report: list[str] = []

    def out_of(name: str) -> Path | None:
        row = by_name.get(name)
        if row is None:
            problems.append(f"{name}: no JSON line")
            return None
        if row["status"] != "compressed":
            problems.append(f"{name}: status {row['status']} ({row['error']})")
            return None
        out = Path(row["output"])
        if not out.is_file():
            problems.append(f"{name}: output {out} does not exist")
            return None
        return out

    if (out := out_of("photo.jpg")) is not None:
        with Image.open(out) as im:
            size, exif = im.size, im.getexif()
            corner = im.convert("RGB").getpixel((size[0] // 12, size[1] // 12))
        want = (720, 1080)  # 2000x3000 upright fitted into the post preset's 1080x1080 box
        if size != want:
            problems.append(f"photo.jpg: output is {size}, expected {want} (upright, fitted)")
        if 0x8825 in exif:
            problems.append("photo.jpg: GPS is still in the output")
        if exif.get(0x0112, 1) != 1:
            problems.append(f"photo.jpg: orientation tag {exif.get(0x0112)} still set")
        if not (corner[0] > 150 and corner[1] < 90 and corner[2] < 90):
            problems.append(f"photo.jpg: not upright (top-left pixel {corner}, expected red)")
        report.append(f"photo.jpg -> {out.name} {size[0]}x{size[1]} upright, no GPS")

    if (out := out_of("alpha.png")) is not None:
        with Image.open(out) as im:
            size, mode = im.size, im.mode
            lo, hi = im.getchannel("A").getextrema() if "A" in im.getbands() else (255, 255)
        if size != (1080, 810):
            problems.append(f"alpha.png: output is {size}, expected (1080, 810)")
        if lo > 10 or hi < 245:
            problems.append(f"alpha.png: alpha lost (mode {mode}, alpha range {lo}..{hi})")
        report.append(f"alpha.png -> {out.name} {size[0]}x{size[1]} {mode}, alpha {lo}..{hi}")

    if (out := out_of("clip.mp4")) is not None:
        info = probe(out)
        limits = PRESETS["reel"].video
        assert limits is not None
        width, height = info.display_size
        fps = float(info.fps or 0)
        if info.video.codec != "h264":
            problems.append(f"clip.mp4: codec {info.video.codec}, expected h264")
        # 1280x720 fitted to 720 wide is 720x405, rounded to an even height for yuv420p.
        if width != limits.max_width or abs(height - 405) > 1 or height % 2:
            problems.append(f"clip.mp4: {width}x{height}, expected {limits.max_width}x404 or x406")
        if not 0 < fps <= limits.fps + 0.01:
            problems.append(f"clip.mp4: {fps:g} fps, expected <= {limits.fps}")
        if info.video.pix_fmt != "yuv420p":
            problems.append(f"clip.mp4: pixel format {info.video.pix_fmt}, expected yuv420p")
        if info.duration is None or abs(info.duration - CLIP_SECONDS) > 0.3:
            problems.append(f"clip.mp4: duration {info.duration}, expected {CLIP_SECONDS}")
        if info.audio is None or info.audio.codec != "aac":
            problems.append("clip.mp4: no AAC audio")
        report.append(
            f"clip.mp4 -> {out.name} H.264 {width}x{height} {fps:g} fps "
            f"{info.duration:.2f} s {info.video.pix_fmt}"
            f" + {info.audio.codec if info.audio else '-'}"
        )
    for line in report:
        say(f"smoke_media: {line}")
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("make", "check"):
        sys.stderr.write(__doc__ or "")
        return 2
    if argv[0] == "make":
        make(Path(argv[1]))
        return 0
    problems = check(Path(argv[1]))
    for p in problems:
        sys.stderr.write(f"smoke_media: {p}\n")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
