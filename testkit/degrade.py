"""Controlled degradations of a variant's image, as a bad synthesis would spoil it: what bench/scoring.py measures
the score against and what the scoring tests feed the real stack."""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image


def jpeg(rgb: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def decoded(image: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(image)).convert("RGB"))


def blurred(image: bytes, sigma: float = 4) -> bytes:
    return jpeg(cv2.GaussianBlur(decoded(image), (0, 0), sigma))


def darkened(image: bytes, factor: float = 0.25) -> bytes:
    return jpeg((decoded(image).astype(np.float32) * factor).astype(np.uint8))


def face_cropped_out(image: bytes, keep_below: float = 0.55) -> bytes:
    """The lower part of the picture (a portrait's shoulders and clothes) stretched to its size: no face left."""
    rgb = decoded(image)
    height, width = rgb.shape[:2]
    return jpeg(cv2.resize(rgb[int(height * keep_below):, :], (width, height), interpolation=cv2.INTER_CUBIC))


def replaced_by(image: bytes, other: bytes) -> bytes:
    """Another picture (another person, no one at all) at the size of `image`."""
    rgb = decoded(image)
    return jpeg(cv2.resize(decoded(other), (rgb.shape[1], rgb.shape[0]), interpolation=cv2.INTER_AREA))
