"""Feed posts shaped for the server's own step (fit 900×900, WebP quality 70, alpha dropped).

1. Transparency is flattened onto a chosen background before sending (the server's
   ``convert("RGB")`` would show the hidden colour of transparent pixels: black, usually).
2. The upload is sent at the server's own box, so the server does not resize it again, at a
   JPEG quality picked by :func:`choose_upload` for what viewers get after the server's WebP.

:func:`choose_upload` is the one place that picks. Without a metric it uses
:data:`CALIBRATED_QUALITY`, measured by ``benchmarks/bench_odnix.py`` (SSIMULACRA2 of the
simulated result against the original over the corpus); with a metric (``metric(reference,
candidate) -> score``, higher is better) it searches the candidates on this very image.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageColor

from odnix_desktop.core.errors import CorruptMediaError, PresetError
from odnix_desktop.core.image import colour, decode, encode
from odnix_desktop.core.odnix.profile import ImageStep, profile_for
from odnix_desktop.core.odnix.server_step import ServerImage, has_real_alpha, simulate_image
from odnix_desktop.core.options import DEFAULT_MAX_PIXELS
from odnix_desktop.core.progress import CancelToken, check_cancel

log = logging.getLogger(__name__)

DEFAULT_BACKGROUND = "#ffffff"
#: JPEG qualities tried by the search (core.image.encode's tables), lowest first.
CANDIDATE_QUALITIES = (75, 80, 85, 88, 90, 92, 95)
#: The quality sent when no metric is given, per server step (format, quality). Measured with
#: benchmarks/bench_odnix.py on the corpus against the real server: q88 at 900 px gives a mean
#: SSIMULACRA2 +0.93 over the seed's 1080 q80 upload, for 0.93x its bytes; q85 about +-0 at 0.8x.
CALIBRATED_QUALITY: dict[tuple[str, int], int] = {("WEBP", 70): 88}
#: A candidate is "as good as the original allows" within this many SSIMULACRA2 points of
#: what a lossless upload would become on the server.
TOLERANCE = 1.0

Metric = Callable[[Image.Image, Image.Image], float]


@dataclass(frozen=True, slots=True)
class ShapedPost:
    """The bytes to send, and what the server will make of them (simulated)."""

    data: bytes
    format: str  # JPEG, or PNG for a few-colour graphic
    quality: int | None
    size: tuple[int, int]
    flattened_onto: str | None  # the background colour when transparency was flattened
    server: ServerImage
    reason: str
    score: float | None = None  # the metric's score of the simulated result, when measured

    def to_json(self) -> dict[str, object]:
        return {
            "target": "post",
            "choice": f"{self.format.lower()}-{self.size[0]}x{self.size[1]}"
            + (f"-q{self.quality}" if self.quality else ""),
            "reason": self.reason,
            "sent_bytes": len(self.data),
            "flattened_onto": self.flattened_onto,
            "on_odnix": {
                "width": self.server.size[0],
                "height": self.server.size[1],
                "format": self.server.format,
                "bytes": len(self.server.data),
            },
        }


def parse_background(text: str) -> tuple[int, int, int]:
    """``#rrggbb``, ``#rgb`` or a CSS colour name; raises ValueError with words for a person."""
    try:
        rgb = ImageColor.getrgb(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a colour (use #rrggbb or a name such as white)") from None
    return rgb[0], rgb[1], rgb[2]


def flatten(img: Image.Image, background: str) -> tuple[Image.Image, bool]:
    """The picture composited onto ``background`` as RGB; True when it had real transparency."""
    if img.mode in ("P", "PA") or (img.mode == "LA"):
        img = img.convert("RGBA")
    if not has_real_alpha(img):
        return (img if img.mode == "RGB" else img.convert("RGB")), False
    rgba = img.convert("RGBA")
    canvas = Image.new("RGB", rgba.size, parse_background(background))
    canvas.paste(rgba, mask=rgba.getchannel("A"))
    return canvas, True


def server_fit(img: Image.Image, step: ImageStep) -> Image.Image:
    """The picture at the size the server would make of it, with the server's own call."""
    if img.width > step.box or img.height > step.box:
        img = img.copy()
        img.thumbnail((step.box, step.box), Image.Resampling.LANCZOS)
    return img


def load_upright(path: Path, box: int) -> Image.Image:
    """Upright, 8-bit, sRGB, alpha kept; JPEGs decoded DCT-reduced to no less than 2× the box."""
    opened = decode.open_image(path, DEFAULT_MAX_PIXELS)
    try:
        w, h = opened.stored_size
        scale = min(1.0, 2 * box / max(w, h))
        draft = (max(1, int(w * scale)), max(1, int(h * scale))) if scale < 1.0 else None
        img = decode.load(opened, path, draft)
        if img.mode in ("P", "PA"):
            img = img.convert("RGBA")
        img = colour.normalise_depth(img)
        img = decode.upright(img, opened.orientation)
        if img is opened.image:
            img = img.copy()  # the opened file is closed below
        return colour.to_srgb(img, opened.image.info.get("icc_profile"), [])
    except (OSError, ValueError) as exc:
        raise CorruptMediaError(f"cannot be read ({exc})", path=path) from None
    finally:
        opened.image.close()


def _encode(img: Image.Image, fmt: str, quality: int | None) -> bytes:
    if fmt == "PNG":
        return encode.encode_still(img, "PNG", 100)
    return encode.encode_still(img, "JPEG", quality or 90)


def choose_upload(
    img: Image.Image,
    step: ImageStep,
    *,
    metric: Metric | None = None,
    tolerance: float = TOLERANCE,
    cancel: CancelToken | None = None,
) -> tuple[bytes, str, int | None, str, float | None]:
    """Pick what to send for an opaque RGB picture: (data, format, quality, reason, score).

    Few-colour graphics go as lossless PNG. Photos: without ``metric``, the calibrated quality
    for this server step; with one, the smallest candidate whose simulated result scores
    within ``tolerance`` of what a lossless upload would become.
    """
    fitted = server_fit(img, step)
    if fitted.getcolors(256) is not None:
        return _encode(fitted, "PNG", None), "PNG", None, "a few-colour graphic: lossless PNG", None
    if metric is None:
        q = CALIBRATED_QUALITY.get((step.format or "", step.quality), 90)
        reason = f"JPEG q{q} at Odnix's {step.box}-px size (calibrated for its WebP q{step.quality})"
        return _encode(fitted, "JPEG", q), "JPEG", q, reason, None
    reference = fitted
    ceiling = metric(reference, simulate_image(_encode(fitted, "PNG", None), step).image().convert("RGB"))
    best: tuple[bytes, int, float] | None = None
    for q in CANDIDATE_QUALITIES:
        check_cancel(cancel)
        data = _encode(fitted, "JPEG", q)
        score = metric(reference, simulate_image(data, step).image().convert("RGB"))
        best = (data, q, score)
        if score >= ceiling - tolerance:
            break
    assert best is not None
    data, q, score = best
    reason = (
        f"JPEG q{q} at Odnix's {step.box}-px size: {score:.1f} after its WebP q{step.quality}, "
        f"a lossless upload would give {ceiling:.1f}"
    )
    return data, "JPEG", q, reason, score


def shape_post(
    source: Path,
    background: str = DEFAULT_BACKGROUND,
    *,
    metric: Metric | None = None,
    cancel: CancelToken | None = None,
) -> ShapedPost:
    """The upload for a feed post made from ``source`` (the original is only read)."""
    step = profile_for("post").image
    if step is None:  # pragma: no cover - the profile says posts are processed
        raise PresetError("the server profile has no image step for posts", path=source)
    parse_background(background)
    img = load_upright(source, step.box)
    check_cancel(cancel, source)
    flat, had_alpha = flatten(img, background)
    data, fmt, quality, reason, score = choose_upload(flat, step, metric=metric, cancel=cancel)
    if had_alpha:
        reason = f"transparency flattened onto {background}; {reason}"
    server = simulate_image(data, step)
    with Image.open(io.BytesIO(data)) as sent:
        size = sent.size
    log.info("%s shaped for an Odnix post: %s (%d bytes)", source.name, reason, len(data))
    return ShapedPost(data, fmt, quality, size, background if had_alpha else None, server, reason, score)
