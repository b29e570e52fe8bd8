"""Quality checks on a photo before it is used for training: faces, sharpness, exposure.

The checks only warn; the customer decides. Each warning text names the problem and what to do about it, and
is a module constant so callers can recognise a particular warning without parsing prose.
"""

from __future__ import annotations

import threading

import cv2
import numpy as np
from pydantic import BaseModel, Field

from imaging.photos import decode_oriented

# Face detection runs on a copy whose long side is at most this: a Haar cascade finds a portrait's face as well
# at 800 px as at 4000 px, in a fraction of the time.
FACE_DETECTION_LONG_SIDE = 800
# A face narrower than this fraction of the photo's short side is too small to teach a model a likeness.
MIN_FACE_FRACTION = 0.08
# The cascade's score for a detection (its last stage's sum). In calibration on the sample portrait, tiled 1-4
# times, real faces scored 2.8-7.4 (smaller faces lower) and stray hits on the space-shuttle model 0.4-2.1.
MIN_FACE_CONFIDENCE = 2.5
# Two faces is a couple (the wedding theme's subject); from three on the photo is a group, and a model trained
# on it mixes up identities.
SEVERAL_PEOPLE_MIN_FACES = 3

# Sharpness is the variance of the Laplacian on a copy with exactly this long side, so values are comparable
# between a 12-megapixel phone photo and a 600 px scan.
SHARPNESS_LONG_SIDE = 512
# Calibrated on the bundled sample portrait at 512 px: sharp ~880; after a Gaussian blur of sigma 1 px ~70,
# 1.5 px ~27, 2 px ~14. The threshold sits between a slight softness (shallow depth of field, fine) and a blur
# that wipes out the facial detail a model learns a likeness from. Contrast scales the value too, so a very
# dark photo also reads lower; it gets its own warning anyway.
BLURRY_BELOW = 40.0

# Mean luminance (0-255). Dim indoor snapshots sit around 60-80 and still work; below 50 the face is mostly
# noise. Above 200 the highlights (skin!) are clipped.
TOO_DARK_BELOW = 50.0
OVEREXPOSED_ABOVE = 200.0

NO_FACE_WARNING = "no face found: choose a photo where your face is clearly visible and facing the camera"
SEVERAL_PEOPLE_WARNING = "several people: the model learns best from photos of one person (or a couple)"
BLURRY_WARNING = "blurry: the photo is out of focus or shaken; choose a sharper one"
TOO_DARK_WARNING = "too dark: choose a photo taken in better light"
OVEREXPOSED_WARNING = "overexposed: the photo is washed out; choose one with less harsh light"

_thread_local = threading.local()

FaceBox = tuple[int, int, int, int]


class PhotoChecks(BaseModel):
    faces: int = Field(ge=0)
    sharpness: float = Field(ge=0, description="variance of the Laplacian at a fixed size; higher is sharper")
    brightness: float = Field(ge=0, le=255, description="mean luminance")
    warnings: list[str] = Field(default_factory=list)


def check_photo(image_bytes: bytes) -> PhotoChecks:
    """Measure a photo; raises PhotoRejected("not_an_image") if the bytes cannot be decoded."""
    gray = decode_oriented(image_bytes, "L", draft_side=FACE_DETECTION_LONG_SIDE)
    faces = count_faces(gray)
    sharpness = measure_sharpness(gray)
    brightness = float(gray.mean())
    return PhotoChecks(
        faces=faces,
        sharpness=round(sharpness, 2),
        brightness=round(brightness, 2),
        warnings=_warnings(faces=faces, sharpness=sharpness, brightness=brightness),
    )


def count_faces(gray: np.ndarray) -> int:
    return len(find_faces(gray))


def find_faces(gray: np.ndarray, *, detection_long_side: int = FACE_DETECTION_LONG_SIDE) -> list[FaceBox]:
    """Frontal faces in a grayscale image, as (x, y, width, height) in its own pixels, largest first."""
    small = resize_long_side(gray, detection_long_side, only_shrink=True)
    min_face = max(24, int(min(small.shape) * MIN_FACE_FRACTION))
    boxes, _, confidences = _face_cascade().detectMultiScale3(
        cv2.equalizeHist(small), scaleFactor=1.1, minNeighbors=5, minSize=(min_face, min_face),
        outputRejectLevels=True,
    )
    scale = gray.shape[1] / small.shape[1]
    faces = sorted(
        (
            tuple(round(int(value) * scale) for value in box)
            for box, confidence in zip(boxes, np.ravel(confidences), strict=True)
            if confidence >= MIN_FACE_CONFIDENCE
        ),
        key=lambda box: box[2] * box[3],
        reverse=True,
    )
    return _without_nested(faces)


def _without_nested(faces: list[FaceBox]) -> list[FaceBox]:
    """Drop a detection whose centre lies inside a larger one: the cascade's double take on one face."""
    kept: list[FaceBox] = []
    for x, y, w, h in faces:  # largest first
        centre_x, centre_y = x + w / 2, y + h / 2
        if not any(kx <= centre_x <= kx + kw and ky <= centre_y <= ky + kh for kx, ky, kw, kh in kept):
            kept.append((x, y, w, h))
    return kept


def measure_sharpness(gray: np.ndarray) -> float:
    fixed = resize_long_side(gray, SHARPNESS_LONG_SIDE, only_shrink=False)
    return float(cv2.Laplacian(fixed, cv2.CV_64F).var())


def _warnings(*, faces: int, sharpness: float, brightness: float) -> list[str]:
    warnings = []
    if faces == 0:
        warnings.append(NO_FACE_WARNING)
    elif faces >= SEVERAL_PEOPLE_MIN_FACES:
        warnings.append(SEVERAL_PEOPLE_WARNING)
    if sharpness < BLURRY_BELOW:
        warnings.append(BLURRY_WARNING)
    if brightness < TOO_DARK_BELOW:
        warnings.append(TOO_DARK_WARNING)
    elif brightness > OVEREXPOSED_ABOVE:
        warnings.append(OVEREXPOSED_WARNING)
    return warnings


def resize_long_side(image: np.ndarray, long_side: int, *, only_shrink: bool) -> np.ndarray:
    """Resize (grayscale or colour) so the longer side is `long_side` px; `only_shrink` leaves small images be."""
    height, width = image.shape[:2]
    scale = long_side / max(height, width)
    if scale == 1 or (only_shrink and scale > 1):
        return image
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return cv2.resize(image, size, interpolation=interpolation)


def _face_cascade() -> cv2.CascadeClassifier:
    # detectMultiScale keeps scratch state inside the classifier, so each worker thread gets its own.
    cascade = getattr(_thread_local, "face_cascade", None)
    if cascade is None:
        path = cv2.data.haarcascades + "haarcascade_frontalface_default.xml"  # type: ignore[attr-defined]  # not in cv2's stubs
        cascade = cv2.CascadeClassifier(path)
        if cascade.empty():
            raise RuntimeError(f"OpenCV face cascade missing at {path}")
        _thread_local.face_cascade = cascade
    return cascade
