"""Faces and their 128-d embeddings (dlib's HOG detector, 5-point landmarks and ResNet face descriptor).

The models ship in the `face-recognition-models` package and are read once per process (`_models`). The
`face-recognition` wrapper itself is not a dependency: it requires `dlib`, which compiles from source, while
`dlib-bin` is a prebuilt wheel of the same library; the few calls it wraps are these.

Distances between embeddings are Euclidean: dlib's model puts photos of one person within ~0.6 of each other on
real photos, but a styled variant drifts further (calibrated in bench/scoring.py: see docs/scoring.md).
"""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import dlib
import numpy as np

from imaging.checks import resize_long_side

# HOG detection passes (long side of the copy searched, times upsampled), the next tried only when the one before
# found nothing: at 720 px a face down to ~80 px (11 % of the long side) is found; the second pass reaches ~40 px
# faces (8 %) at about four times the cost. With the descriptor (~0.08 s of CPU per face: the ResNet itself) a
# 1024 px variant is scored in ~0.2 s of CPU (bench/scoring.py).
DETECTION_PASSES = ((720, 0), (512, 1))
# The descriptor is computed on the full image; jitter (re-sampling the face chip) costs 10x for ~1 % accuracy.
JITTERS = 0

_lock = threading.Lock()  # dlib's detector keeps scratch state: one image at a time per process

Box = tuple[int, int, int, int]  # x, y, width, height in the image's pixels


@dataclass(frozen=True)
class Face:
    box: Box
    descriptor: tuple[float, ...]

    @property
    def area(self) -> int:
        return self.box[2] * self.box[3]


def find_faces(rgb: np.ndarray) -> list[Face]:
    """Every face in an RGB uint8 image with its embedding, largest first."""
    detector, landmarks, encoder = _models()
    # dlib refuses views with strides (e.g. a BGR→RGB slice): "incompatible function arguments".
    image = np.ascontiguousarray(rgb, dtype=np.uint8)
    with _lock:
        for long_side, upsample in DETECTION_PASSES:
            small = resize_long_side(image, long_side, only_shrink=True)
            scale = rgb.shape[1] / small.shape[1]
            found = detector(np.ascontiguousarray(small), upsample)
            if len(found):
                break
        faces = []
        for rect in found:
            full = dlib.rectangle(round(rect.left() * scale), round(rect.top() * scale),
                                  round(rect.right() * scale), round(rect.bottom() * scale))
            shape = landmarks(image, full)
            descriptor = encoder.compute_face_descriptor(image, shape, JITTERS)
            box = _clipped(full, rgb.shape[1], rgb.shape[0])
            faces.append(Face(box=box, descriptor=tuple(round(float(v), 5) for v in descriptor)))
    return sorted(faces, key=lambda face: face.area, reverse=True)


def distance(a: tuple[float, ...] | list[float], b: tuple[float, ...] | list[float]) -> float:
    return float(np.linalg.norm(np.asarray(a) - np.asarray(b)))


def nearest(descriptor: tuple[float, ...], references: list[list[float]]) -> float | None:
    """The smallest distance from a face to the reference set; None without references."""
    return min((distance(descriptor, ref) for ref in references), default=None)


def _clipped(rect: Any, width: int, height: int) -> Box:
    left, top = max(0, rect.left()), max(0, rect.top())
    right, bottom = min(width, rect.right()), min(height, rect.bottom())
    return left, top, max(0, right - left), max(0, bottom - top)


@cache
def _models() -> tuple[Any, Any, Any]:
    """Loaded once per process (~100 MB of model files; ~1 s)."""
    folder = _models_folder()
    return (dlib.get_frontal_face_detector(),
            dlib.shape_predictor(str(folder / "shape_predictor_5_face_landmarks.dat")),
            dlib.face_recognition_model_v1(str(folder / "dlib_face_recognition_resnet_model_v1.dat")))


def _models_folder() -> Path:
    # Located without importing the package: its __init__ imports pkg_resources, which new setuptools drops.
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the face-recognition-models package is not installed (make install)")
    return Path(next(iter(spec.submodule_search_locations))) / "models"
