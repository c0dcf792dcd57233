"""What the server will do to an upload, in words: for the pre-flight list and the compare window.

Every sentence is derived from :data:`~odnix_desktop.core.odnix.profile.PROFILE` and the file's
own facts (size, dimensions, transparency), never written per target by hand.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps

from odnix_desktop.core.errors import OdnixError
from odnix_desktop.core.media import MediaKind, sniff_kind
from odnix_desktop.core.odnix.profile import ImageStep, VideoStep, profile_for
from odnix_desktop.core.odnix.reels import server_size
from odnix_desktop.core.odnix.server_step import ServerImage, has_real_alpha


@dataclass(frozen=True, slots=True)
class ServerNote:
    """One fact; ``warning`` when the server will shrink, blacken or re-encode at lower quality."""

    kind: str  # "flatten", "blacken", "shrink", "re-encode", "as-sent", "shaped"
    message: str
    warning: bool = False


@dataclass(frozen=True, slots=True)
class FileFacts:
    kind: MediaKind
    width: int
    height: int
    bytes: int
    alpha: bool
    format: str


def file_facts(path: Path) -> FileFacts:
    """Headers only for images (size, transparency by a full decode only when an alpha band
    exists); a probe for clips."""
    kind = sniff_kind(path)
    size = path.stat().st_size
    if kind is MediaKind.VIDEO:
        from odnix_desktop.core.video.probe import probe

        w, h = probe(path).display_size
        return FileFacts(kind, w, h, size, False, "video")
    try:
        with Image.open(path) as img:
            fmt = (img.format or "").upper()
            alpha = has_real_alpha(img) if ("A" in img.getbands() or "transparency" in img.info) else False
            w, h = ImageOps.exif_transpose(img).size if img.getexif().get(0x0112, 1) != 1 else img.size
    except (OSError, ValueError) as exc:
        raise OdnixError(f"cannot be read ({exc})", path=path) from None
    return FileFacts(kind, w, h, size, alpha, fmt)


def fit(width: int, height: int, box: int) -> tuple[int, int]:
    """The size Pillow's ``thumbnail((box, box))`` gives (its own rounding of the aspect)."""
    if width <= box and height <= box:
        return width, height
    aspect = width / height
    x = y = box
    if x / y >= aspect:
        return _round_aspect(y * aspect, lambda n: abs(aspect - n / y)), y
    return x, _round_aspect(x / aspect, lambda n: 0 if n == 0 else abs(aspect - x / n))


def _round_aspect(number: float, key: Callable[[int], float]) -> int:
    return max(min(math.floor(number), math.ceil(number), key=key), 1)


def image_notes(facts: FileFacts, step: ImageStep, *, shaped: bool, background: str | None) -> list[ServerNote]:
    notes: list[ServerNote] = []
    out_w, out_h = fit(facts.width, facts.height, step.box)
    if facts.alpha and not step.alpha_survives:
        if shaped and background:
            notes.append(
                ServerNote(
                    "flatten",
                    f"transparent areas are flattened onto {background} before sending "
                    "(Odnix drops transparency: they would turn black)",
                )
            )
        else:
            notes.append(ServerNote("blacken", "Odnix drops transparency: transparent areas will turn black", True))
    if step.format and shaped:
        notes.append(
            ServerNote(
                "shaped",
                f"sent at {out_w}×{out_h}, Odnix's own size for it, so that it is resized once; Odnix then "
                f"re-encodes it as {step.format} quality {step.quality}",
            )
        )
    elif (out_w, out_h) != (facts.width, facts.height):
        notes.append(
            ServerNote("shrink", f"Odnix will shrink this to {out_w}×{out_h} (from {facts.width}×{facts.height})", True)
        )
    if step.format and not shaped:
        notes.append(ServerNote("re-encode", f"Odnix will re-encode it as {step.format} quality {step.quality}", True))
    if not notes:
        notes.append(ServerNote("as-sent", "Odnix stores it as sent"))
    return notes


def video_notes(facts: FileFacts, step: VideoStep, *, shaped: bool, what: str = "reel") -> list[ServerNote]:
    limit = step.stored_as_sent_below
    if facts.bytes < limit:
        note = ServerNote("as-sent", f"under {limit // 1024} KB: Odnix stores this {what} as sent")
        if shaped:
            return [note, ServerNote("shaped", f"an encode of up to {limit // 1024} KB is tried; the better one goes")]
        return [note]
    w, h = server_size(facts.width, facts.height, step)
    change = "upscale and re-encode" if h > facts.height else "re-encode"
    notes = [
        ServerNote(
            "re-encode",
            f"Odnix will {change} this {what} to {w}×{h} at lower quality (CRF {step.crf}), because it is over "
            f"{limit // 1024} KB",
            True,
        )
    ]
    if shaped:
        notes.append(
            ServerNote(
                "shaped",
                f"an encode under {limit // 1024} KB (stored as sent at {facts.width}×{facts.height}) is tried first "
                "and sent when it looks better",
            )
        )
    return notes


def server_notes(target: str, path: Path, *, background: str | None = None, shaped: bool = True) -> list[ServerNote]:
    """What Odnix will do to ``path`` sent as ``target`` (``shaped``: by our shaping step)."""
    profile = profile_for(target)
    facts = file_facts(path)
    if facts.kind is MediaKind.IMAGE:
        if profile.image is None or facts.format in profile.image.untouched_formats:
            return [ServerNote("as-sent", "Odnix stores this picture exactly as sent")]
        return image_notes(facts, profile.image, shaped=shaped and target == "post", background=background)
    if profile.video is None:
        return [ServerNote("as-sent", "Odnix stores this clip exactly as sent")]
    return video_notes(facts, profile.video, shaped=shaped and target == "reel", what=target)


def result_notes(server: ServerImage, step: ImageStep) -> list[str]:
    """Words for a simulated result (the compare window's "On Odnix" view)."""
    words = []
    if server.resized:
        words.append(f"shrunk from {server.uploaded_size[0]}×{server.uploaded_size[1]}")
    if server.had_alpha and not step.alpha_survives:
        words.append("transparency blackened")
    if not server.stored_as_sent and step.format:
        words.append(f"re-encoded as {step.format} q{step.quality}")
    return words or ["stored as sent"]
