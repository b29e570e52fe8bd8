from __future__ import annotations

import cv2
import numpy as np
import pytest

from imaging.checks import (
    BLURRY_BELOW,
    BLURRY_WARNING,
    NO_FACE_WARNING,
    OVEREXPOSED_WARNING,
    SEVERAL_PEOPLE_WARNING,
    TOO_DARK_WARNING,
    PhotoChecks,
    check_photo,
)
from imaging.photos import PhotoRejected
from tests.imaging.conftest import encode, landscape


def test_sharp_well_lit_portrait_has_one_face_and_no_warnings(portrait: bytes) -> None:
    checks = check_photo(portrait)
    assert checks.faces == 1
    assert checks.sharpness > 5 * BLURRY_BELOW
    assert 80 < checks.brightness < 160
    assert checks.warnings == []


def test_landscape_has_no_face(landscape_jpeg: bytes) -> None:
    checks = check_photo(landscape_jpeg)
    assert checks.faces == 0
    assert checks.warnings == [NO_FACE_WARNING]


def test_heavy_blur_is_flagged(portrait_pixels: np.ndarray) -> None:
    blurred = check_photo(encode(cv2.GaussianBlur(portrait_pixels, (0, 0), sigmaX=3)))
    assert blurred.sharpness < BLURRY_BELOW
    assert BLURRY_WARNING in blurred.warnings


def test_sharpness_is_measured_at_a_fixed_size(portrait_pixels: np.ndarray) -> None:
    # The same blurry picture as a 512 px and a 2048 px file: both blurry, by similar measures.
    blurred = cv2.GaussianBlur(portrait_pixels, (0, 0), sigmaX=3)
    large = cv2.resize(blurred, (2048, 2048), interpolation=cv2.INTER_CUBIC)
    small_sharpness, large_sharpness = check_photo(encode(blurred)).sharpness, check_photo(encode(large)).sharpness
    assert large_sharpness < BLURRY_BELOW
    assert large_sharpness == pytest.approx(small_sharpness, rel=0.5)


def test_three_faces_are_several_people_but_a_couple_is_not(portrait_pixels: np.ndarray) -> None:
    couple = check_photo(encode(np.hstack([portrait_pixels] * 2)))
    group = check_photo(encode(np.hstack([portrait_pixels] * 3)))
    assert (couple.faces, group.faces) == (2, 3)
    assert SEVERAL_PEOPLE_WARNING not in couple.warnings
    assert SEVERAL_PEOPLE_WARNING in group.warnings


def test_exposure_warnings(portrait_pixels: np.ndarray) -> None:
    dark = check_photo(encode((portrait_pixels * 0.3).astype(np.uint8)))
    bright = check_photo(encode(np.clip(portrait_pixels.astype(int) + 120, 0, 255).astype(np.uint8)))
    assert TOO_DARK_WARNING in dark.warnings and OVEREXPOSED_WARNING not in dark.warnings
    assert OVEREXPOSED_WARNING in bright.warnings and TOO_DARK_WARNING not in bright.warnings


def test_checks_serialize_for_the_api(landscape_jpeg: bytes) -> None:
    dumped = check_photo(landscape_jpeg).model_dump()
    assert set(dumped) == {"faces", "sharpness", "brightness", "warnings"}
    assert PhotoChecks.model_validate(dumped).faces == 0


def test_undecodable_bytes_are_rejected() -> None:
    with pytest.raises(PhotoRejected) as caught:
        check_photo(b"definitely not a photo")
    assert caught.value.code == "not_an_image"


def test_a_png_is_checked_too() -> None:
    assert check_photo(encode(landscape(), "PNG")).faces == 0
