"""Pictures for the imaging tests, made on the fly (plus the bundled public-domain portrait)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from imaging.assets import sample_photo


def encode(image: Image.Image | np.ndarray, fmt: str = "JPEG", **options: object) -> bytes:
    if isinstance(image, np.ndarray):
        image = Image.fromarray(image)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def decode(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def landscape(width: int = 900, height: int = 600) -> np.ndarray:
    """A sky, a sun, rolling hills and some texture: photo-like, sharp, and without a face."""
    rng = np.random.default_rng(7)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    sky = np.stack([120 + 80 * ys / height, 170 + 50 * ys / height, np.full_like(ys, 235)], axis=-1)
    image = sky
    sun = (xs - 0.75 * width) ** 2 + (ys - 0.25 * height) ** 2 < (0.08 * height) ** 2
    image[sun] = (255, 230, 150)
    for depth, (base, color) in enumerate([(0.55, (70, 120, 60)), (0.7, (50, 95, 45)), (0.85, (90, 80, 50))]):
        ridge = height * (base + 0.06 * np.sin(xs / (90 + 40 * depth) + depth))
        image[ys > ridge] = color
    image += rng.normal(0, 6, image.shape)  # foliage and sensor texture, so the picture is not "blurry"
    return np.clip(image, 0, 255).astype(np.uint8)


@pytest.fixture(scope="session")
def portrait() -> bytes:
    return sample_photo()


@pytest.fixture(scope="session")
def portrait_pixels(portrait: bytes) -> np.ndarray:
    return decode(portrait)


@pytest.fixture(scope="session")
def landscape_jpeg() -> bytes:
    return encode(landscape(), quality=92)
