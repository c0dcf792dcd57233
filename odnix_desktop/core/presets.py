"""The seed guide's flows as data: one place that says what each preset does and allows.

The window and the uploader read these limits to check an item before any work.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from odnix_desktop.core.media import MediaKind

MB = 1000 * 1000


@dataclass(frozen=True, slots=True)
class VideoLimits:
    """The seed's reel pipeline: <= 720 px wide, <= 90 s, 24 fps, x264 CRF 28 veryfast, AAC."""

    max_width: int = 720
    max_duration: float | None = 90.0
    fps: int = 24
    crf: int = 28
    x264_preset: str = "veryfast"
    audio_bitrate_k: int = 128


@dataclass(frozen=True, slots=True)
class Preset:
    name: str
    title: str
    description: str
    kinds: frozenset[MediaKind]
    # Images are fitted inside this box (width, height), never upscaled.
    box: tuple[int, int] = (1080, 1080)
    square_crop: bool = False
    uuid_name: bool = False
    subfolder: str | None = None
    # Output byte limit the preset itself imposes (the server's limit).
    max_bytes: int | None = None
    allow_animation: bool = True
    # Source limits checked before upload (the server's contract).
    max_source_side: int | None = None
    video: VideoLimits | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def takes(self, kind: MediaKind) -> bool:
        return kind in self.kinds


_IMAGE = frozenset({MediaKind.IMAGE})
_BOTH = frozenset({MediaKind.IMAGE, MediaKind.VIDEO})
_VIDEO = frozenset({MediaKind.VIDEO})

PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            name="post",
            title="Feed post",
            description="Fit in 1080×1080; the output stays under the 5 MB post limit.",
            kinds=_IMAGE,
            max_bytes=5 * MB,
        ),
        Preset(
            name="profile",
            title="Profile picture",
            description="Square crop (centred, or a given box), at most 1080×1080, uuid file name.",
            kinds=_IMAGE,
            square_crop=True,
            uuid_name=True,
            allow_animation=False,
        ),
        Preset(
            name="chat",
            title="Chat media",
            description="Fit in 1080×1080, written under chat_media/; clips get the reel encoding with no cap.",
            kinds=_BOTH,
            subfolder="chat_media",
            video=VideoLimits(max_duration=None),
        ),
        Preset(
            name="story",
            title="Story",
            description="Fit in 1080×1920; clips get the reel encoding with no cap.",
            kinds=_BOTH,
            box=(1080, 1920),
            video=VideoLimits(max_duration=None),
        ),
        Preset(
            name="reel",
            title="Reel",
            description="Clips at most 720 px wide and 90 s, 24 fps, H.264 CRF 28 + AAC in MP4.",
            kinds=_VIDEO,
            video=VideoLimits(),
        ),
    )
}

DEFAULT_PRESET = "post"


def preset_for(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}") from None
