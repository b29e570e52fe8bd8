"""Upload normalization: turn whatever a customer uploads into a clean, upright, metadata-free sRGB JPEG.

Every check that can be made from the file header (format, pixel count, short side) runs before a single pixel
is decoded, so a decompression bomb or an oversized photo costs nothing but its header.
"""

from __future__ import annotations

import hashlib
import io
import threading
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from imaging.thumbnails import thumbnail_of

NORMALIZED_CONTENT_TYPE = "image/jpeg"
JPEG_QUALITY = 92
FLATTEN_BACKGROUND = (255, 255, 255)

# Pillow's format name -> the name we report. Phones write JPEGs with a multi-picture extension, which Pillow
# opens as "MPO"; they are ordinary JPEG photos to the customer.
_ACCEPTED_FORMATS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WEBP", "HEIF": "HEIF"}

# Magic numbers of the accepted formats: a file that starts like one of them but cannot be opened is damaged,
# which deserves a different message than "this is not an image at all".
_ACCEPTED_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")
_HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1")

# Decoding errors Pillow (and pillow-heif) raise for data that ends early or is corrupt after a valid header.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, RuntimeError)

_DAMAGED_MESSAGE = "the photo file is damaged or incomplete; please upload it again"
_BOMB_MESSAGE = "the photo has far too many pixels; please upload a smaller photo"

_heif_lock = threading.Lock()
_heif_registered = False


class PhotoRejected(ValueError):
    """An upload we will not store; `code` is for machines, the message is for the customer."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class NormalizedPhoto:
    image: bytes
    width: int
    height: int
    sha256: str  # of the original upload, so the same file uploaded twice is recognised
    stored_sha256: str  # of `image`, what is stored and sent to the image provider (db.models.UploadedFile)
    thumbnail: bytes
    source_format: str
    content_type: str = NORMALIZED_CONTENT_TYPE


def register_heif() -> None:
    """Teach Pillow to open HEIC/HEIF (iPhone photos). Safe to call from any thread, any number of times."""
    global _heif_registered
    if _heif_registered:
        return
    with _heif_lock:
        if not _heif_registered:
            import pillow_heif

            pillow_heif.register_heif_opener()
            _heif_registered = True


def normalize_photo(data: bytes, *, max_pixels: int, min_short_side: int) -> NormalizedPhoto:
    """Validate an upload and re-encode it; raises PhotoRejected with a code and a human message."""
    image = _open_header(data)
    source_format = _accepted_format(image)
    _check_dimensions(image, max_pixels=max_pixels, min_short_side=min_short_side)
    _decode_pixels(image)

    upright = ImageOps.exif_transpose(image)
    rgb = _to_srgb(upright)
    # A fresh info dict: Pillow's JPEG writer copies e.g. the comment from `info`, and EXIF, XMP and ICC must
    # not travel either (GPS coordinates of the customer's home live there).
    rgb.info = {}
    normalized = encode_jpeg(rgb, quality=JPEG_QUALITY)
    return NormalizedPhoto(
        image=normalized,
        width=rgb.width,
        height=rgb.height,
        sha256=hashlib.sha256(data).hexdigest(),
        stored_sha256=hashlib.sha256(normalized).hexdigest(),  # here, off the event loop, with the decoding
        thumbnail=thumbnail_of(rgb),
        source_format=source_format,
    )


def encode_jpeg(image: Image.Image, *, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def _open_header(data: bytes) -> Image.Image:
    """Parse the header only; Pillow decodes pixels lazily on `load()`."""
    register_heif()
    try:
        return Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as error:
        raise PhotoRejected("too_large_pixels", _BOMB_MESSAGE) from error
    except (UnidentifiedImageError, *_DECODE_ERRORS) as error:
        if _looks_like_accepted_image(data):
            raise PhotoRejected("truncated", _DAMAGED_MESSAGE) from error
        raise PhotoRejected(
            "not_an_image", "the file is not an image; upload a JPEG, PNG, WebP or HEIC photo"
        ) from error


def _looks_like_accepted_image(data: bytes) -> bool:
    if data.startswith(_ACCEPTED_SIGNATURES):
        return True
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return True
    return data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS


def _accepted_format(image: Image.Image) -> str:
    source_format = _ACCEPTED_FORMATS.get(image.format or "")
    if source_format is None:
        raise PhotoRejected(
            "unsupported_type",
            f"{image.format or 'this'} images are not supported; upload a JPEG, PNG, WebP or HEIC photo",
        )
    return source_format


def _check_dimensions(image: Image.Image, *, max_pixels: int, min_short_side: int) -> None:
    width, height = image.size
    # Pillow only warns between MAX_IMAGE_PIXELS and twice that; we treat its warning level as a hard limit
    # too, without touching the process-wide warning filters (uploads are normalized in worker threads).
    limit = min(max_pixels, Image.MAX_IMAGE_PIXELS or max_pixels)
    if width * height > limit:
        raise PhotoRejected(
            "too_large_pixels",
            f"photo is {width}×{height} px, more than {limit:,} pixels; please upload a smaller photo",
        )
    if min(width, height) < min_short_side:
        raise PhotoRejected(
            "too_small",
            f"photo is {width}×{height} px; the short side must be at least {min_short_side} px",
        )


def _decode_pixels(image: Image.Image) -> None:
    # ImageFile.LOAD_TRUNCATED_IMAGES stays False (it is process-wide): a half-uploaded photo must fail here
    # rather than be stored with a grey bottom half.
    try:
        image.load()
    except Image.DecompressionBombError as error:
        raise PhotoRejected("too_large_pixels", _BOMB_MESSAGE) from error
    except _DECODE_ERRORS as error:
        raise PhotoRejected("truncated", _DAMAGED_MESSAGE) from error


def _to_srgb(image: Image.Image) -> Image.Image:
    """An 8-bit RGB image in sRGB: transparency flattened onto white, wide-gamut profiles converted."""
    icc_profile = image.info.get("icc_profile")
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # Pillow's own conversion clips 16-bit values at 255 (a white picture); keep the high byte instead.
        image = Image.fromarray(np.clip(np.asarray(image) >> 8, 0, 255).astype(np.uint8))
    if _has_transparency(image):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (*FLATTEN_BACKGROUND, 255))
        image = Image.alpha_composite(background, rgba).convert("RGB")
    elif image.mode not in ("RGB", "CMYK"):
        image = image.convert("RGB")

    if icc_profile:
        converted = _convert_profile_to_srgb(image, icc_profile)
        if converted is not None:
            return converted
    return image.convert("RGB")


def _has_transparency(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info


def _convert_profile_to_srgb(image: Image.Image, icc_profile: bytes) -> Image.Image | None:
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        return ImageCms.profileToProfile(
            image, source, ImageCms.createProfile("sRGB"), outputMode="RGB"
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        # A broken embedded profile is common in the wild; the pixels are still usable as if sRGB.
        return None


def decode_oriented(data: bytes, mode: str, *, draft_side: int) -> np.ndarray:
    """Decode an image for analysis or styling: upright, in `mode` ("L" or "RGB"), as an array.

    JPEGs are decoded at a reduced scale (1/2 … 1/8) when far larger than `draft_side`: several times faster.
    """
    register_heif()
    try:
        opened = Image.open(io.BytesIO(data))
        opened.draft(mode, (draft_side, draft_side))
        image = ImageOps.exif_transpose(opened).convert(mode)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as error:
        raise PhotoRejected("not_an_image", "the file could not be decoded as an image") from error
    return np.asarray(image)


__all__ = [
    "NormalizedPhoto",
    "PhotoRejected",
    "decode_oriented",
    "encode_jpeg",
    "normalize_photo",
    "register_heif",
]
