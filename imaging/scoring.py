"""A variant's quality and likeness as numbers: the 0–100 score and its components (docs/scoring.md).

Pure and CPU-bound: the scoring activities run these in a process pool (activities/scoring.py), never on the
event loop that also serves the provider's activities.
"""

from __future__ import annotations

import io
import math

import cv2
import imagehash
import numpy as np
from PIL import Image
from pydantic import BaseModel, Field

from imaging.checks import measure_sharpness
from imaging.faces import Face, distance, find_faces, nearest
from imaging.photos import decode_oriented

# Reference photos are searched for faces at this size: enough for dlib's descriptor, cheap to decode.
REFERENCE_LONG_SIDE = 1024
VARIANT_LONG_SIDE = 2048  # variants are 512 or 1024 px: decoded at their own size, so boxes match the stored size

# How much each component weighs in the score (they add up to 1). Likeness weighs most: customers' most common
# complaint about AI portraits is that they don't look like the person. Without reference faces (no face in the
# customer's photos) likeness is left out and the others are scaled up.
WEIGHTS = {"likeness": 0.30, "face": 0.15, "framing": 0.15, "sharpness": 0.15, "exposure": 0.10, "colour": 0.05,
           "uniqueness": 0.10}

# Likeness: 1 at or below `threshold - LIKENESS_SPAN + LIKENESS_MARGIN`, 0 from `threshold + LIKENESS_MARGIN`.
LIKENESS_SPAN = 0.30
LIKENESS_MARGIN = 0.10
# A face this wide (share of the image's short side) or wider counts as well sized for a calendar page.
GOOD_FACE_WIDTH = 0.12
# The face's box grows by this share of its size on every side before framing is judged: hair and chin count.
FRAMING_MARGIN = 0.15
# Sharpness (variance of the Laplacian at 512 px, imaging.checks): 0 at or below the first, 1 from the second,
# logarithmic in between. A stylized variant is softer than a photo; the bench's blurred copies sit near 20.
SHARPNESS_RANGE = (15.0, 400.0)
# Exposure: mean luminance (0-255) may sit this far from mid-grey before it costs; pixels at 0-2 or 253-255
# are clipped, and up to 2 % of them is normal (specular highlights, deep shadows).
EXPOSURE_FREE_OFFSET = 50.0
EXPOSURE_FALLOFF = 60.0
CLIPPED_FREE = 0.02
CLIPPED_FALLOFF = 0.20
# Hasler & Süsstrunk's colourfulness: ~33 "moderately", ~59 "quite" colourful.
COLOURFUL_AT = 60.0
# Two 64-bit perceptual hashes this close (Hamming distance) are near-duplicates.
NEAR_DUPLICATE_BITS = 8
# Two faces of one set of photos closer than this are the same person (dlib's usual threshold, on real photos).
SAME_PERSON = 0.6
# A second face at least this share of the main face's area is someone posing with the customer, not a passer-by.
COMPANION_AREA = 0.5


class ScoreComponents(BaseModel):
    """One number per component, each 0 (bad) … 1 (good); `likeness` is None when there is nothing to compare."""

    likeness: float | None = Field(ge=0, le=1)
    face: float = Field(ge=0, le=1, description="a face is there and large enough to carry the page")
    framing: float = Field(ge=0, le=1, description="share of the face inside the month page's print crop")
    sharpness: float = Field(ge=0, le=1)
    exposure: float = Field(ge=0, le=1, description="neither too dark nor too bright, little clipping")
    colour: float = Field(ge=0, le=1, description="colourfulness")
    uniqueness: float = Field(default=1.0, ge=0, le=1, description="0 for the weaker of two near-duplicates")


class VariantMeasures(BaseModel):
    components: ScoreComponents
    faces: int
    face_distance: float | None  # the best face's distance to the customer's reference faces
    warmth: float  # mean (red − blue) / 255: > 0 warm, < 0 cool
    brightness: float  # mean luminance / 255
    image_hash: str  # perceptual hash (16 hex digits)


class StoredFace(BaseModel):
    box: tuple[int, int, int, int]
    descriptor: list[float]


def total(components: ScoreComponents) -> float:
    """The 0–100 score: the weighted mean of the components that apply."""
    values = {name: value for name, value in components.model_dump().items() if value is not None}
    weight = sum(WEIGHTS[name] for name in values)
    return round(100 * sum(WEIGHTS[name] * value for name, value in values.items()) / weight, 1)


def photo_faces(image: bytes) -> list[StoredFace]:
    rgb = decode_oriented(image, "RGB", draft_side=REFERENCE_LONG_SIDE)
    return [StoredFace(box=f.box, descriptor=list(f.descriptor)) for f in find_faces(rgb)]


def reference_set(faces_by_photo: list[list[StoredFace]]) -> list[list[float]]:
    """The customer's faces: the main (largest) face of every photo, plus a second face that is large next to it
    and recurs in another photo (a partner or child posing in several photos). A stranger in the background, or
    someone in one photo only, is not taken for the customer."""
    references = [faces[0].descriptor for faces in faces_by_photo if faces]
    for index, faces in enumerate(faces_by_photo):
        others = [f.descriptor for i, fs in enumerate(faces_by_photo) if i != index for f in fs]
        for face in faces[1:]:
            large = face.box[2] * face.box[3] >= COMPANION_AREA * faces[0].box[2] * faces[0].box[3]
            if large and any(distance(face.descriptor, other) < SAME_PERSON for other in others):
                references.append(face.descriptor)
    return references


def measure_variant(image: bytes, references: list[list[float]], crop: tuple[float, float, float, float], *,
                    likeness_threshold: float) -> VariantMeasures:
    """`crop` is the part of the image the month page prints (left, top, right, bottom in its pixels)."""
    rgb = decode_oriented(image, "RGB", draft_side=VARIANT_LONG_SIDE)
    faces = find_faces(rgb)
    best, face_distance = _best_face(faces, references)
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    channels = rgb.astype(np.float32)
    height, width = gray.shape
    components = ScoreComponents(
        likeness=None if not references else _likeness(face_distance, likeness_threshold),
        face=0.0 if best is None else min(1.0, best.box[2] / min(width, height) / GOOD_FACE_WIDTH),
        framing=0.0 if best is None else _inside(best.box, crop),
        sharpness=_sharpness(measure_sharpness(gray)),
        exposure=_exposure(gray),
        colour=min(1.0, _colourfulness(channels) / COLOURFUL_AT),
    )
    return VariantMeasures(
        components=ScoreComponents.model_validate({k: _round(v) for k, v in components.model_dump().items()}),
        faces=len(faces), face_distance=_round(face_distance),
        warmth=round(float((channels[..., 0] - channels[..., 2]).mean()) / 255, 4),
        brightness=round(float(gray.mean()) / 255, 4),
        image_hash=str(imagehash.phash(Image.open(io.BytesIO(image)))))


def hash_distance(a: str, b: str) -> int:
    return int(imagehash.hex_to_hash(a) - imagehash.hex_to_hash(b))


def _best_face(faces: list[Face], references: list[list[float]]) -> tuple[Face | None, float | None]:
    """The face most like the customer (the largest when there is nothing to compare), and its distance."""
    if not faces:
        return None, None
    if not references:
        return faces[0], None
    scored = [(nearest(face.descriptor, references), face) for face in faces]
    best_distance, best = min(scored, key=lambda pair: pair[0] if pair[0] is not None else math.inf)
    return best, best_distance


def _likeness(face_distance: float | None, threshold: float) -> float:
    if face_distance is None:
        return 0.0
    return _clip((threshold + LIKENESS_MARGIN - face_distance) / LIKENESS_SPAN)


def _inside(box: tuple[int, int, int, int], crop: tuple[float, float, float, float]) -> float:
    x, y, w, h = box
    left, top = x - FRAMING_MARGIN * w, y - FRAMING_MARGIN * h
    right, bottom = x + w * (1 + FRAMING_MARGIN), y + h * (1 + FRAMING_MARGIN)
    overlap_w = max(0.0, min(right, crop[2]) - max(left, crop[0]))
    overlap_h = max(0.0, min(bottom, crop[3]) - max(top, crop[1]))
    return _clip(overlap_w * overlap_h / ((right - left) * (bottom - top)))


def _sharpness(laplacian_variance: float) -> float:
    low, high = SHARPNESS_RANGE
    return _clip(math.log(max(laplacian_variance, 1e-6) / low) / math.log(high / low))


def _exposure(gray: np.ndarray) -> float:
    mean = float(gray.mean())
    clipped = float(np.count_nonzero((gray <= 2) | (gray >= 253))) / gray.size
    level = _clip(1 - max(0.0, abs(mean - 127.5) - EXPOSURE_FREE_OFFSET) / EXPOSURE_FALLOFF)
    return level * _clip(1 - max(0.0, clipped - CLIPPED_FREE) / CLIPPED_FALLOFF)


def _colourfulness(rgb: np.ndarray) -> float:
    red, green, blue = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    rg, yb = red - green, 0.5 * (red + green) - blue
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def _clip(value: float) -> float:
    return min(1.0, max(0.0, value))


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
