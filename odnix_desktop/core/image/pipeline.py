"""``compress_image``: one photo in, one small, upright, sRGB, metadata-free photo out."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePath

from PIL import Image, ImageSequence

from odnix_desktop.core.errors import (
    CorruptMediaError,
    EncoderError,
    ImageTooLargeError,
    PresetError,
    TargetSizeError,
)
from odnix_desktop.core.gains import keeps_source, kept_note
from odnix_desktop.core.image import colour, decode, encode, metadata, resize
from odnix_desktop.core.image.quality import choose
from odnix_desktop.core.media import MediaInfo, MediaKind
from odnix_desktop.core.naming import output_path
from odnix_desktop.core.options import CompressOptions, CompressResult, CropBox, QualityInfo, Status
from odnix_desktop.core.output import write_bytes
from odnix_desktop.core.presets import Preset
from odnix_desktop.core.progress import CancelToken, Progress, Report, check_cancel, no_report

log = logging.getLogger(__name__)

#: Smallest quality and side the byte-budget search goes down to.
MIN_QUALITY = 30
MIN_SIDE = 160
#: JPEG draft (DCT-scaled) decoding keeps at least this many decoded pixels per
#: output pixel in each direction, so that Lanczos still has detail to work with.
DRAFT_HEADROOM = 2.0


@dataclass(frozen=True, slots=True)
class Geometry:
    """What to cut from the upright picture and the size it becomes."""

    crop: tuple[int, int, int, int] | None  # in upright source pixels
    size: tuple[int, int]


def fit_size(width: int, height: int, box: tuple[int, int]) -> tuple[int, int]:
    """Largest size inside ``box`` with the same aspect ratio; never larger than the source."""
    scale = min(box[0] / width, box[1] / height, 1.0)
    return max(1, round(width * scale)), max(1, round(height * scale))


def plan_geometry(upright: tuple[int, int], preset: Preset, options: CompressOptions) -> Geometry:
    width, height = upright
    box = preset.box
    if options.max_dimension is not None:
        box = (min(box[0], options.max_dimension), min(box[1], options.max_dimension))
    crop: tuple[int, int, int, int] | None = None
    if preset.square_crop:
        crop = _square_crop(width, height, options.crop)
        width = height = crop[2] - crop[0]
    elif options.crop is not None:
        c = options.crop
        crop = (max(0, c.left), max(0, c.top), min(width, c.right), min(height, c.bottom))
        width, height = crop[2] - crop[0], crop[3] - crop[1]
    return Geometry(crop, fit_size(width, height, box))


def _square_crop(width: int, height: int, box: CropBox | None) -> tuple[int, int, int, int]:
    if box is None:
        side = min(width, height)
        left, top = (width - side) // 2, (height - side) // 2
        return left, top, left + side, top + side
    side = min(box.right - box.left, box.bottom - box.top, width, height)
    if side <= 0:
        raise PresetError("the crop box is empty")
    left = min(max(0, box.left), width - side)
    top = min(max(0, box.top), height - side)
    return left, top, left + side, top + side


def _scaled_crop(
    crop: tuple[int, int, int, int], full: tuple[int, int], now: tuple[int, int]
) -> tuple[int, int, int, int]:
    sx, sy = now[0] / full[0], now[1] / full[1]
    return (round(crop[0] * sx), round(crop[1] * sy), round(crop[2] * sx), round(crop[3] * sy))


def render_still(opened: decode.Opened, path: Path, geometry: Geometry, notes: list[str]) -> Image.Image:
    """Decode (DCT-reduced where possible), orient, crop and fit one frame; 8-bit sRGB out."""
    up_w, up_h = opened.upright_size
    icc = opened.image.info.get("icc_profile")
    if geometry.crop is None and resize.can_decode_jpeg_fitted(opened.format, opened.image.mode):
        target = decode.stored_box(geometry.size, opened.orientation)
        try:
            img = resize.decode_jpeg_fitted(str(path), opened.image.mode, opened.stored_size, target, DRAFT_HEADROOM)
        except resize.JpegDecodeError as exc:
            if exc.truncated:
                raise CorruptMediaError(
                    f"is truncated: the file ends before the picture does ({exc})", path=path
                ) from None
            raise CorruptMediaError(f"is damaged and cannot be decoded ({exc})", path=path) from None
        img = decode.upright(img, opened.orientation)
    elif decode.streamable(opened, geometry.crop):  # big stills: bounded memory (issue 10 item 10)
        target = decode.stored_box(geometry.size, opened.orientation)
        managed = opened.image.mode == "CMYK" or bool(icc and not colour.is_srgb_profile(icc))
        try:
            img, managed = resize.decode_streamed(path, target, geometry.crop, to_srgb=managed)
        except resize.JpegDecodeError as exc:
            raise CorruptMediaError(f"is damaged and cannot be decoded ({exc})", path=path) from None
        icc = None if managed else icc  # libvips already converted it to sRGB
        img = decode.upright(img, opened.orientation)
    else:
        region_w = geometry.crop[2] - geometry.crop[0] if geometry.crop else up_w
        scale = geometry.size[0] / region_w
        draft = None
        if scale < 1.0:
            stored = opened.stored_size
            draft = (stored[0] * scale * DRAFT_HEADROOM, stored[1] * scale * DRAFT_HEADROOM)
        img = decode.load(opened, path, draft)
        img = colour.normalise_depth(img)
        img = decode.upright(img, opened.orientation)
        if geometry.crop is not None:
            img = img.crop(_scaled_crop(geometry.crop, (up_w, up_h), img.size))
        img = resize.lanczos(img, geometry.size)
    img = colour.to_srgb(img, icc, notes)
    return colour.drop_opaque_alpha(img)


def choose_format(img: Image.Image, source_format: str) -> str:
    """Real transparency stays PNG/WebP; opaque photos go to JPEG; few-colour graphics to PNG."""
    if colour.has_alpha(img):
        return "WEBP" if source_format == "WEBP" else "PNG"
    if source_format == "WEBP":
        return "WEBP"
    if source_format in ("PNG", "GIF", "BMP", "TIFF") and _few_colours(img):
        return "PNG"  # a graphic: a palette PNG is lossless and smaller than a JPEG
    return "JPEG"


def _few_colours(img: Image.Image) -> bool:
    """A graphic's palette: at most 256 colours, or 48 grey levels (any greyscale photo has <= 256)."""
    colours = img.getcolors(256)
    if colours is None:
        return False
    grey = img.mode in ("L", "LA") or (
        img.mode in ("RGB", "RGBA") and all(c[0] == c[1] == c[2] for _, c in colours if isinstance(c, tuple))
    )
    return not grey or len(colours) <= 48


def _info(data_len: int, size: tuple[int, int], fmt: str, frames: int | None = None) -> MediaInfo:
    return MediaInfo(bytes=data_len, width=size[0], height=size[1], format=fmt, frames=frames)


def compress_image(
    source: Path,
    out_root: Path,
    options: CompressOptions,
    *,
    rel_dir: PurePath = PurePath(),
    report: Report = no_report,
    cancel: CancelToken | None = None,
) -> CompressResult:
    started = time.perf_counter()
    preset = options.preset_for(MediaKind.IMAGE)
    if not preset.takes(MediaKind.IMAGE):
        raise PresetError(f"the {preset.name} preset takes videos only", path=source)
    report(Progress(0.0, "reading"))
    source_bytes = source.stat().st_size
    opened = decode.open_image(source, options.max_pixels)
    notes = list(opened.warnings)
    before = _info(source_bytes, opened.upright_size, opened.format, opened.frames if opened.frames > 1 else None)
    check_cancel(cancel, source)
    max_bytes = _budget(preset, options)

    animated = opened.frames > 1 and opened.format in ("GIF", "WEBP", "PNG", "AVIF")
    if opened.frames > 1 and not animated:
        notes.append(f"the {opened.format} file holds {opened.frames} pages; only the first was compressed")
    if animated and not preset.allow_animation:
        raise PresetError(
            f"is animated ({opened.frames} frames); a {preset.title.lower()} must be a still image",
            path=source,
        )

    geometry = plan_geometry(opened.upright_size, preset, options)
    try:
        if animated:
            data, fmt, size = _compress_animation(opened, source, geometry, options, max_bytes, report, cancel)
            frames: int | None = opened.frames
            qinfo = None
        else:
            still = _compress_still(opened, source, geometry, options, max_bytes, notes, report, cancel)
            data, fmt, size, qinfo = still
            frames = None
    except (OSError, ValueError, MemoryError) as exc:
        if isinstance(exc, MemoryError):
            raise EncoderError("ran out of memory while compressing", path=source) from None
        raise CorruptMediaError(f"could not be decoded or encoded ({exc})", path=source) from None
    finally:
        opened.image.close()

    status = Status.COMPRESSED
    out_fmt = fmt
    kept = _keep_original(source, opened, geometry, data, options, preset, max_bytes, notes)
    if kept is not None:
        data, out_fmt, status = kept, opened.format, Status.KEPT_ORIGINAL
        size = opened.upright_size
    check_cancel(cancel, source)
    report(Progress(0.9, "writing"))
    ext = _ext_for(source, out_fmt, status)
    final = write_bytes(
        output_path(source, out_root, rel_dir, preset, ext, options.beside_suffix), data, options.replaces
    )
    report(Progress(1.0, "done"))
    return CompressResult(
        source=source,
        status=status,
        output=final,
        before=before,
        after=_info(len(data), size, out_fmt, frames),
        warnings=tuple(notes),
        seconds=time.perf_counter() - started,
        kind=MediaKind.IMAGE,
        preset=preset.name,
        quality=None if status is Status.KEPT_ORIGINAL else qinfo,
    )


def _compress_still(
    opened: decode.Opened,
    source: Path,
    geometry: Geometry,
    options: CompressOptions,
    max_bytes: int | None,
    notes: list[str],
    report: Report,
    cancel: CancelToken | None,
) -> tuple[bytes, str, tuple[int, int], QualityInfo]:
    """Render; format, quality (searched or fixed), lossy RGBA when it pays, and the byte budget."""
    img = render_still(opened, source, geometry, notes)
    report(Progress(0.5, "encoding"))
    check_cancel(cancel, source)
    fmt = choose_format(img, opened.format)
    qinfo = choose.choose_quality(img, fmt, options, source, report, cancel)
    lossy = choose.lossy_rgba(img, fmt, options, max_bytes)
    if lossy is not None:
        return lossy[0], fmt, img.size, lossy[1]
    data, size, used = _encode_within(img, fmt, qinfo.quality or 0, max_bytes, source, cancel)
    if used != (qinfo.quality or 0, img.size):
        qinfo = choose.budget_won(qinfo, used, notes)
    return data, fmt, size, qinfo


def _budget(preset: Preset, options: CompressOptions) -> int | None:
    limits = [b for b in (preset.max_bytes, options.max_bytes) if b is not None]
    return min(limits) if limits else None


def _ext_for(source: Path, fmt: str, status: Status) -> str:
    if status is Status.KEPT_ORIGINAL and source.suffix.lower() in (".jpeg", ".jpg", ".png", ".webp"):
        return source.suffix.lower()
    return encode.FORMAT_EXT[fmt]


def _encode_within(
    img: Image.Image, fmt: str, quality: int, max_bytes: int | None, source: Path, cancel: CancelToken | None
) -> tuple[bytes, tuple[int, int], tuple[int, tuple[int, int]]]:
    """Encode; with a byte budget, search quality down, then dimensions, until it fits.

    Returns the data, its size, and the (quality, size) it was encoded at.
    """
    data = encode.encode_still(img, fmt, quality)
    if max_bytes is None or len(data) <= max_bytes:
        return data, img.size, (quality, img.size)
    smallest = (len(data), img.size, quality)
    current = img
    while True:
        if fmt != "PNG":
            found = _search_quality(current, fmt, quality, max_bytes, cancel, source)
            if found is not None:
                return found[0], current.size, (found[1], current.size)
            data = encode.encode_still(current, fmt, MIN_QUALITY)
            smallest = min(smallest, (len(data), current.size, MIN_QUALITY))
        else:
            data = encode.encode_still(current, fmt, quality)
            if len(data) <= max_bytes:
                return data, current.size, (quality, current.size)
            smallest = min(smallest, (len(data), current.size, quality))
        new_size = (round(current.width * 0.8), round(current.height * 0.8))
        if min(new_size) < MIN_SIDE:
            break
        check_cancel(cancel, source)
        current = resize.lanczos(img, new_size)
    raise TargetSizeError(
        f"cannot be made to fit {max_bytes:,} bytes: the smallest try was {smallest[0]:,} bytes "
        f"at {smallest[1][0]}×{smallest[1][1]}",
        path=source,
    )


def _search_quality(
    img: Image.Image, fmt: str, quality: int, max_bytes: int, cancel: CancelToken | None, source: Path
) -> tuple[bytes, int] | None:
    """Binary search of the highest quality in [MIN_QUALITY, quality) that fits."""
    lo, hi, best = MIN_QUALITY, quality - 1, None
    while lo <= hi:
        check_cancel(cancel, source)
        mid = (lo + hi) // 2
        data = encode.encode_still(img, fmt, mid)
        if len(data) <= max_bytes:
            best, lo = (data, mid), mid + 1
        else:
            hi = mid - 1
    return best


def _compress_animation(
    opened: decode.Opened,
    source: Path,
    geometry: Geometry,
    options: CompressOptions,
    max_bytes: int | None,
    report: Report,
    cancel: CancelToken | None,
) -> tuple[bytes, str, tuple[int, int]]:
    img = opened.image
    frames: list[Image.Image] = []
    durations: list[int] = []
    try:
        for index, frame in enumerate(ImageSequence.Iterator(img)):
            check_cancel(cancel, source)
            if frame.size != opened.stored_size:  # a GIF frame outside the canvas grows the picture
                raise ImageTooLargeError(
                    f"frame {index + 1} is {frame.size[0]}×{frame.size[1]}, larger than the picture", path=source
                )
            frame.load()  # WebP sets a frame's duration only once it is loaded
            durations.append(int(frame.info.get("duration", img.info.get("duration", 100)) or 100))
            rgba = colour.normalise_depth(frame.convert("RGBA"))
            rgba = decode.upright(rgba, opened.orientation)
            if geometry.crop is not None:
                rgba = rgba.crop(geometry.crop)
            if rgba.size != geometry.size:
                rgba = rgba.resize(geometry.size, Image.Resampling.LANCZOS)
            frames.append(rgba)
            report(Progress(0.8 * (index + 1) / opened.frames, "resizing frames"))
    except EOFError as exc:
        raise CorruptMediaError(f"is truncated after {len(frames)} frames ({exc})", path=source) from None
    if len(frames) != opened.frames:
        raise CorruptMediaError(f"declares {opened.frames} frames but {len(frames)} could be read", path=source)
    fmt = opened.format if opened.format in ("GIF", "WEBP", "PNG") else "WEBP"
    loop = int(img.info.get("loop", 0) or 0)
    data = encode.encode_animation(frames, durations, loop, fmt, options.fixed_quality)
    if max_bytes is not None and len(data) > max_bytes:
        raise TargetSizeError(
            f"the animation is {len(data):,} bytes after resizing, over the budget of {max_bytes:,} bytes",
            path=source,
        )
    return data, fmt, geometry.size


def _keep_original(
    source: Path,
    opened: decode.Opened,
    geometry: Geometry,
    data: bytes,
    options: CompressOptions,
    preset: Preset,
    max_bytes: int | None,
    notes: list[str],
) -> bytes | None:
    """The seed's smart fallback: the source's own pixels, metadata stripped, when they are smaller."""
    if not options.keep_original_if_smaller or opened.format not in metadata.STRIPPERS:
        return None
    src_bytes = source.stat().st_size
    if not keeps_source(len(data), src_bytes, options.min_saving):
        return None
    if not _meets_limits(opened, geometry, preset):
        return None
    stripped = _strip(source, opened.format)
    if stripped is None or not keeps_source(len(data), len(stripped), options.min_saving):
        return None
    if max_bytes is not None and len(stripped) > max_bytes:
        return None
    notes.append(kept_note(len(data), src_bytes, "pixels"))
    return stripped


def _meets_limits(opened: decode.Opened, geometry: Geometry, preset: Preset) -> bool:
    img = opened.image
    if opened.orientation != 1 or geometry.crop is not None:
        return False
    if geometry.size != opened.upright_size:
        return False
    if opened.frames > 1 and opened.format != "WEBP":
        return False
    if img.mode not in ("L", "RGB", "RGBA", "LA", "P", "PA"):
        return False
    icc = img.info.get("icc_profile")
    return not icc or colour.is_srgb_profile(icc)


StripFn = Callable[[bytes], bytes]


def _strip(source: Path, fmt: str) -> bytes | None:
    try:
        return metadata.STRIPPERS[fmt](source.read_bytes())
    except (ValueError, OSError) as exc:
        log.warning("could not strip metadata from %s: %s", source, exc)
        return None
