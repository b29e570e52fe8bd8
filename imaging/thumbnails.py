"""Thumbnails and sizes of images that are already normalized (stored photos, generated variants)."""

from __future__ import annotations

import io

from PIL import Image

THUMBNAIL_MAX_SIDE = 384


def image_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size


def make_thumbnail(data: bytes, max_side: int = THUMBNAIL_MAX_SIDE) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        thumbnail = image.convert("RGB")
        thumbnail.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        thumbnail.save(out, format="JPEG", quality=85, optimize=True)
        return out.getvalue()
