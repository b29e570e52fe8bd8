"""Thumbnails and sizes of images: one recipe for uploaded photos and generated variants alike."""

from __future__ import annotations

import io

from PIL import Image

THUMBNAIL_LONG_SIDE = 384
THUMBNAIL_QUALITY = 85


def image_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size


def thumbnail_of(image: Image.Image) -> bytes:
    scale = min(1.0, THUMBNAIL_LONG_SIDE / max(image.size))
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    # reducing_gap: a cheap box reduction first, so a 50-megapixel photo is not Lanczos-filtered in full.
    thumbnail = image.convert("RGB").resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    out = io.BytesIO()
    thumbnail.save(out, format="JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    return out.getvalue()


def make_thumbnail(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        return thumbnail_of(image)
