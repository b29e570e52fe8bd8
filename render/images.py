"""Photos: reading the bytes, cropping them to their frame, and deciding the resolution they print at."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from io import BytesIO

from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

TARGET_DPI = 300
# A source only slightly sharper than the target is kept as is: resampling 320 → 300 DPI gains nothing in
# file size worth the softening it causes.
RESAMPLE_ABOVE = 1.15
JPEG_QUALITY = 90
# A small source is enlarged to TARGET_DPI by a classical upscale (Lanczos, then an unsharp mask against its
# softness) — at most this many times: past it, the print only gets blurrier, and the warning says so.
MAX_UPSCALE = 4.0
CLASSICAL_UPSCALE = "classical (Lanczos + unsharp mask)"
_ROTATING_EXIF_ORIENTATIONS = {5, 6, 7, 8}
_EXIF_ORIENTATION_TAG = 0x0112
_READ_ERRORS = (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, SyntaxError)


@dataclass(frozen=True, eq=False)
class SourcePhoto:
    label: str  # which input this is ("month 3", "cover"); used in errors and warnings
    data: bytes
    width: int  # as displayed, i.e. after the EXIF orientation is applied
    height: int
    # A print copy enlarged before rendering (an AI upscaler, activities/print_upscale.py): how, and how many times,
    # so the report names the method and still says what the photo had of its own.
    upscaled_with: str | None = None
    enlarged_by: float = 1.0


def load_photo(data: bytes, label: str, *, upscaled_with: str | None = None, enlarged_by: float = 1.0) -> SourcePhoto:
    """Check the bytes are an image we can read; the pixels are decoded later, once, at the size needed."""
    if not isinstance(data, (bytes, bytearray)):
        raise ValueError(f"{label} image must be bytes, got {type(data).__name__}")
    try:
        with Image.open(BytesIO(data)) as image:
            width, height = image.size
            if image.getexif().get(_EXIF_ORIENTATION_TAG) in _ROTATING_EXIF_ORIENTATIONS:
                width, height = height, width
    except _READ_ERRORS as error:
        raise ValueError(f"{label} image cannot be read as a picture: {error}") from error
    if width < 1 or height < 1:
        raise ValueError(f"{label} image is empty")
    return SourcePhoto(label=label, data=bytes(data), width=width, height=height, upscaled_with=upscaled_with,
                       enlarged_by=enlarged_by)


def enlargement_needed(photo: SourcePhoto, width_pt: float, height_pt: float) -> float:
    """How many times the photo must be enlarged to print at TARGET_DPI in a frame of this size (≤ 1: it need not)."""
    return TARGET_DPI / _own_dpi(photo, width_pt, height_pt)


def _own_dpi(photo: SourcePhoto, width_pt: float, height_pt: float) -> float:
    crop = cover_crop(photo.width, photo.height, width_pt / height_pt)
    return min((crop[2] - crop[0]) / (width_pt / 72), (crop[3] - crop[1]) / (height_pt / 72))


def cover_crop(width: int, height: int, aspect: float) -> tuple[float, float, float, float]:
    """The centred box of the source with the frame's aspect ratio (w / h), as large as possible."""
    if width / height > aspect:
        crop_w = height * aspect
        left = (width - crop_w) / 2
        return (left, 0.0, left + crop_w, float(height))
    crop_h = width / aspect
    top = (height - crop_h) / 2
    return (0.0, top, float(width), top + crop_h)


@dataclass(frozen=True, eq=False)
class Placement:
    """A photo as it goes into the PDF: cropped to its frame at the resolution it prints at."""

    image: Image.Image
    effective_dpi: float
    source_dpi: float
    needed_px: tuple[int, int]  # what TARGET_DPI would take
    warnings: list[str] = field(default_factory=list)
    upscaled_with: str | None = None  # how a small source was enlarged (None: placed at its own resolution)

    @cached_property
    def jpeg(self) -> bytes:
        buffer = BytesIO()
        self.image.save(buffer, "JPEG", quality=JPEG_QUALITY)
        return buffer.getvalue()


def place_photo(photo: SourcePhoto, width_pt: float, height_pt: float) -> Placement:
    """Crop to the frame and fix the print resolution at TARGET_DPI: down when the source has more, up with a
    classical upscale (at most MAX_UPSCALE times) when it has less — reported as such, since it adds no detail.
    """
    inches_w, inches_h = width_pt / 72, height_pt / 72
    crop = cover_crop(photo.width, photo.height, width_pt / height_pt)
    crop_w, crop_h = crop[2] - crop[0], crop[3] - crop[1]
    source_dpi = _own_dpi(photo, width_pt, height_pt)
    needed = (math.ceil(inches_w * TARGET_DPI), math.ceil(inches_h * TARGET_DPI))
    if source_dpi > TARGET_DPI * RESAMPLE_ABOVE:
        image, box = _decode_at_least(photo, crop, needed)
        placed = image.resize(needed, Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)
    else:
        image, _ = _decode_at_least(photo, crop, None)
        left, top, right, bottom = (round(edge) for edge in crop)
        placed = image.crop((left, top, right, bottom))
    upscaled_with = photo.upscaled_with
    if source_dpi < TARGET_DPI:
        placed = _classical_upscale(placed, needed)
        upscaled_with = f"{upscaled_with}, then {CLASSICAL_UPSCALE}" if upscaled_with else CLASSICAL_UPSCALE

    effective_dpi = min(placed.width / inches_w, placed.height / inches_h)
    warnings: list[str] = []
    if source_dpi < TARGET_DPI:
        size = f"{width_pt / 72 * 25.4:.0f}×{height_pt / 72 * 25.4:.0f} mm"
        warnings.append(
            f"{photo.label}: the photo has only {math.floor(source_dpi)} DPI of its own "
            f"({round(crop_w)}×{round(crop_h)} px over {size}); it was upscaled to {math.floor(effective_dpi)} DPI "
            f"with a {CLASSICAL_UPSCALE} upscale, which adds no detail: a larger photo or an AI upscale prints sharper."
        )
    return Placement(image=placed, effective_dpi=effective_dpi, source_dpi=source_dpi / photo.enlarged_by,
                     needed_px=needed, warnings=warnings, upscaled_with=upscaled_with)


def _classical_upscale(image: Image.Image, needed: tuple[int, int]) -> Image.Image:
    """Enlarged toward `needed` (at most MAX_UPSCALE times), then sharpened against the softness it brings."""
    factor = min(needed[0] / image.width, needed[1] / image.height, MAX_UPSCALE)
    size = (round(image.width * factor), round(image.height * factor))
    return image.resize(size, Image.Resampling.LANCZOS).filter(
        ImageFilter.UnsharpMask(radius=1.5 * factor / 2, percent=60, threshold=2))


def _decode_at_least(
    photo: SourcePhoto, crop: tuple[float, float, float, float], target: tuple[int, int] | None
) -> tuple[Image.Image, tuple[float, float, float, float]]:
    """Decode as an upright RGB image, letting JPEG skip detail we would throw away anyway (draft mode).

    `target` is the pixel size the crop will be resampled to (None: full resolution). Returns the image and
    the crop box rescaled to it.
    """
    shrink = 1.0
    if target is not None:
        shrink = min(1.0, target[0] / (crop[2] - crop[0]), target[1] / (crop[3] - crop[1]))
    try:
        with Image.open(BytesIO(photo.data)) as opened:
            raw_w, raw_h = opened.size
            if shrink < 1.0:
                wanted = (math.ceil(raw_w * shrink), math.ceil(raw_h * shrink))
                opened.draft("RGB", wanted)
            opened.load()
            image = ImageOps.exif_transpose(opened)
            image = _to_rgb(image)
    except _READ_ERRORS as error:
        raise ValueError(f"{photo.label} image cannot be decoded: {error}") from error

    scale_x, scale_y = image.width / photo.width, image.height / photo.height
    if scale_x == 1.0 and scale_y == 1.0:
        return image, crop
    return image, (crop[0] * scale_x, crop[1] * scale_y, crop[2] * scale_x, crop[3] * scale_y)


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        # Paper is white, so transparent areas become white rather than black.
        rgba = image.convert("RGBA")
        flattened = Image.new("RGB", rgba.size, (255, 255, 255))
        flattened.paste(rgba, mask=rgba.getchannel("A"))
        return flattened
    return image.convert("RGB")
