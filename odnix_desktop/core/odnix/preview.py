"""The "On Odnix" view: what viewers will get for a target, by the simulated server step."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from odnix_desktop.core.media import MediaKind, sniff_kind
from odnix_desktop.core.odnix import notes
from odnix_desktop.core.odnix.posts import DEFAULT_BACKGROUND, load_upright, shape_post
from odnix_desktop.core.odnix.profile import profile_for
from odnix_desktop.core.odnix.server_step import simulate_image, simulate_video
from odnix_desktop.core.progress import CancelToken


@dataclass(frozen=True, slots=True)
class OnOdnix:
    """The picture (or frame) viewers get, the stored file's facts, and the server's step in words."""

    image: Image.Image
    bytes: int
    size: tuple[int, int]
    format: str
    words: tuple[str, ...]
    warnings: tuple[str, ...]  # the words that say it will shrink, blacken or re-encode


def _split(found: list[notes.ServerNote]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return tuple(n.message for n in found), tuple(n.message for n in found if n.warning)


def on_odnix_image(
    target: str, source: Path, output: Path, *, background: str = DEFAULT_BACKGROUND, cancel: CancelToken | None = None
) -> OnOdnix:
    """A photo: posts are shaped from the source as the upload will be; other targets send ``output``."""
    profile = profile_for(target)
    if target == "post":
        shaped = shape_post(source, background, cancel=cancel)
        words, warnings = _split(notes.server_notes("post", source, background=background))
        server = shaped.server
        return OnOdnix(server.image(), len(server.data), server.size, server.format, words, warnings)
    words, warnings = _split(notes.server_notes(target, output, background=background, shaped=False))
    if profile.image is None:
        img = load_upright(output, 100_000)
        return OnOdnix(img, output.stat().st_size, img.size, "as sent", words, warnings)
    server = simulate_image(output.read_bytes(), profile.image)
    return OnOdnix(server.image(), len(server.data), server.size, server.format, words, warnings)


def on_odnix_video(
    target: str,
    output: Path,
    t: float,
    max_size: tuple[int, int],
    simulated: Path,
    *,
    cancel: CancelToken | None = None,
) -> OnOdnix:
    """A clip: the frame at ``t`` of what the server stores for ``output`` (``simulated`` caches
    the server's re-encode between calls)."""
    from odnix_desktop.core.video.frames import frame_at
    from odnix_desktop.core.video.probe import probe

    profile = profile_for(target)
    words, warnings = _split(notes.server_notes(target, output, shaped=False))
    stored = output
    if profile.video is not None and output.stat().st_size >= profile.video.stored_as_sent_below:
        if not simulated.exists():
            stored = simulate_video(output, simulated, profile.video, cancel=cancel).path
        else:
            stored = simulated
    info = probe(stored)
    frame = frame_at(stored, t, max_size, info=info)
    fmt = "as sent" if stored == output else "H.264 CRF 32"
    return OnOdnix(frame, stored.stat().st_size, info.display_size, fmt, words, warnings)


def kind_of(path: Path) -> MediaKind:
    return sniff_kind(path)
