"""The Odnix server's own processing of each upload target, as data.

Read from the server's source (``RJan1405/odnixdeploy`` at commit 11077aea6a36:
``chat/views/social.py`` ``post_scribe`` and ``upload_omzo``, ``chat/views/media.py``
``handle_media_upload``, ``chat/views/stories.py``, ``chat/utils.py`` ``compress_video``) and
checked against that server running (``tests/test_upload_real_server.py``,
``benchmarks/bench_odnix.py``). Every rule that shapes an upload or describes the server's
step reads :data:`PROFILE`; a change on the server is one edit here plus a run of that test.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The server version the table was read from and checked against.
OBSERVED_VERSION = "11077aea6a36"


@dataclass(frozen=True, slots=True)
class ImageStep:
    """What the server does to an image: ``exif_transpose``; ``thumbnail(box, LANCZOS)`` when a
    side is over the box; then a re-encode (``format`` None: the uploaded format is kept)."""

    box: int  # fitted inside box x box, never enlarged
    format: str | None  # "WEBP": always re-encoded as WebP; None: same format as uploaded
    quality: int  # the re-encode's quality (JPEG and WebP)
    alpha_survives: bool  # False: ``convert("RGB")`` drops alpha, hidden colours show
    #: Formats the server leaves untouched (chat GIFs are stored as sent).
    untouched_formats: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class VideoStep:
    """The server's ``compress_video``: files of ``stored_as_sent_below`` bytes or more are
    re-encoded with these ffmpeg settings; a re-encode larger than the upload is thrown away."""

    crf: int
    height: int  # ``-vf scale=-2:<height>``: height forced, small clips upscaled
    x264_preset: str
    audio_bitrate_k: int
    stored_as_sent_below: int  # bytes; smaller uploads are stored byte-identical
    keeps_upload_if_smaller: bool = True


@dataclass(frozen=True, slots=True)
class TargetProfile:
    """One upload target: its image and video steps (None: stored exactly as sent)."""

    target: str  # core.upload.Target value
    image: ImageStep | None
    video: VideoStep | None
    observed_on: str = OBSERVED_VERSION
    where: str = ""  # the server function that does it

    @property
    def stored_as_sent_below(self) -> int | None:
        """Bytes under which a clip is stored as sent (None: every clip is, or no clip goes)."""
        return None if self.video is None else self.video.stored_as_sent_below


KIB = 1024
#: ``compress_video(video_file, crf=32)``: ``-vcodec libx264 -crf 32 -preset fast
#: -vf scale=-2:720 -acodec aac -b:a 128k -movflags +faststart``; ``size < 512 * 1024`` skips it.
SERVER_VIDEO = VideoStep(crf=32, height=720, x264_preset="fast", audio_bitrate_k=128, stored_as_sent_below=512 * KIB)

PROFILE: dict[str, TargetProfile] = {
    p.target: p
    for p in (
        TargetProfile(
            "post",
            ImageStep(box=900, format="WEBP", quality=70, alpha_survives=False),
            None,
            where="post_scribe: thumbnail((900, 900)), convert('RGB'), WEBP quality=70 optimize",
        ),
        TargetProfile("reel", None, SERVER_VIDEO, where="upload_omzo -> compress_video (CRF 32, -2:720)"),
        # Story images are stored as sent; story clips go through the same compress_video.
        TargetProfile("story", None, SERVER_VIDEO, where="create_story: images as sent, clips -> compress_video"),
        # Chat images are refitted keeping their format (JPEG q80, PNG optimize, WebP q80;
        # GIF untouched); chat clips are compressed but the stored file is the one sent.
        TargetProfile(
            "chat",
            ImageStep(box=1080, format=None, quality=80, alpha_survives=True, untouched_formats=frozenset({"GIF"})),
            None,
            where="handle_media_upload: thumbnail((1080, 1080)), same format; videos stored as sent",
        ),
        TargetProfile("profile", None, None, where="api profile update: avatar stored as sent"),
    )
}


def profile_for(target: str) -> TargetProfile:
    try:
        return PROFILE[target]
    except KeyError:
        raise ValueError(f"no server profile for the target {target!r}") from None
