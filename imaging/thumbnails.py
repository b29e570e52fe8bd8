"""Thumbnails and sizes of images: one recipe for uploaded photos and generated variants alike."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image

from imaging.web_formats import WEBP, encoded

THUMBNAIL_LONG_SIDE = 384
THUMBNAIL_QUALITY = 85


def image_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size


@dataclass(frozen=True)
class VariantImages:
    width: int
    height: int
    thumbnail: bytes  # JPEG, THUMBNAIL_LONG_SIDE on its long side
    thumbnail_webp: bytes  # the same thumbnail as WebP (services/web_images.py): it fits THUMBNAIL_SLOT_PX as it is


def _small(image: Image.Image) -> Image.Image:
    scale = min(1.0, THUMBNAIL_LONG_SIDE / max(image.size))
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    # reducing_gap: a cheap box reduction first, so a 50-megapixel photo is not Lanczos-filtered in full.
    return image.convert("RGB").resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    return out.getvalue()


def thumbnail_of(image: Image.Image) -> bytes:
    return _jpeg(_small(image))


def variant_images(data: bytes) -> VariantImages:
    """A generated image decoded once: its size, its thumbnail and the thumbnail's WebP copy (CPU-bound: call it
    in a thread)."""
    with Image.open(io.BytesIO(data)) as image:
        small = _small(image)
        return VariantImages(image.width, image.height, _jpeg(small), encoded(small, WEBP))


def make_thumbnail(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        return thumbnail_of(image)
