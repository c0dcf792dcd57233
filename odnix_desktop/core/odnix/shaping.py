"""One call for the uploaders (the CLI and the window's upload job): the file to send for a
target, shaped for the server's own step, and what was chosen and why.

Posts are made again from the original (flattened, at the server's size, at the quality
measured best for its bytes after the server's own step); a reel goes as the better, for
viewers, of its normal encode (as the server will store or re-encode it) and an encode that uses
the server's whole stored-as-sent limit. Other targets are stored as sent by the server and go unchanged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from odnix_desktop.core.errors import OdnixError
from odnix_desktop.core.media import MediaKind, sniff_kind
from odnix_desktop.core.odnix.posts import DEFAULT_BACKGROUND, shape_post
from odnix_desktop.core.odnix.reels import shape_reel
from odnix_desktop.core.output import write_bytes
from odnix_desktop.core.progress import CancelToken, Report, no_report

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ShapedUpload:
    """``path`` is what to send: ``media`` itself, or a new file in the work folder."""

    path: Path
    shaped_for_server: dict[str, Any] | None  # the CLI's JSON field; None: nothing was shaped
    note: str | None  # one line for the row: what was chosen and why
    made: bool = False  # ``path`` is a new file the caller may delete after sending


def shape_for_upload(
    target: str,
    source: Path,
    media: Path,
    work: Path,
    *,
    background: str = DEFAULT_BACKGROUND,
    report: Report = no_report,
    cancel: CancelToken | None = None,
) -> ShapedUpload:
    """The file to send as ``target``; a failure to shape sends ``media`` unchanged, with a note."""
    folder = work / "shaped-for-odnix"  # the source's own name: the server keeps it in its URL
    try:
        if target in ("post", "reel"):
            folder.mkdir(parents=True, exist_ok=True)
        if target == "post" and sniff_kind(source) is MediaKind.IMAGE:
            post = shape_post(source, background, cancel=cancel)
            ext = ".png" if post.format == "PNG" else ".jpg"
            path = write_bytes(folder / f"{source.stem}{ext}", post.data)
            return ShapedUpload(path, post.to_json(), f"shaped for Odnix: {post.reason}", made=True)
        if target == "reel" and sniff_kind(media) is MediaKind.VIDEO:
            choice = shape_reel(source, media, folder / f"{source.stem}.mp4", report=report, cancel=cancel)
            made = choice.path != media
            return ShapedUpload(
                choice.path, choice.to_json(), f"sent the {_word(choice.choice)}: {choice.reason}", made
            )
    except (OdnixError, OSError) as exc:
        log.warning("could not shape %s for Odnix, sending it as compressed: %s", source.name, exc)
        return ShapedUpload(media, {"target": target, "choice": "unshaped", "reason": str(exc)}, f"not shaped: {exc}")
    return ShapedUpload(media, None, None)


def _word(choice: str) -> str:
    words = {"small": "encode under 512 KB", "normal": "normal encode", "as-is": "normal encode as is"}
    return words.get(choice, choice)
