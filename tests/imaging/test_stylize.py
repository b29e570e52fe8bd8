from __future__ import annotations

import hashlib
import io
import itertools

import cv2
import numpy as np
import pytest
from PIL import Image

from imaging.checks import find_faces
from imaging.photos import PhotoRejected
from imaging.stylize import LOOKS, stylize
from tests.imaging.conftest import decode, encode, landscape

THEMES = list(LOOKS)
SHARED_SCHEME = ["#1E3A8A", "#374151", "#F3F4F6"]
# Bhattacharyya distance between 8×8×8 colour histograms (0 = identical, 1 = disjoint). Measured minimum over
# the 45 pairs of themes on the sample portrait: ~0.24 with one shared scheme, ~0.27 with each theme's own.
THEMES_APART = 0.15


def styled(photo: bytes, **overrides: object) -> np.ndarray:
    arguments: dict[str, object] = {
        "theme": "family", "seed": 1, "color_scheme": [], "style_strength": 0.7, "preview": True,
    }
    return decode(stylize(photo, **{**arguments, **overrides}))  # type: ignore[arg-type]


def histogram_distance(a: np.ndarray, b: np.ndarray) -> float:
    def histogram(image: np.ndarray) -> np.ndarray:
        counts = cv2.calcHist([image], [0, 1, 2], None, [8, 8, 8], [0, 256] * 3)
        return cv2.normalize(counts, counts, 1, 0, cv2.NORM_L1)

    return cv2.compareHist(histogram(a), histogram(b), cv2.HISTCMP_BHATTACHARYYA)


def chroma(image: np.ndarray) -> float:
    lab = cv2.cvtColor(image, cv2.COLOR_RGB2LAB).astype(np.float32) - 128
    return float(np.hypot(lab[..., 1], lab[..., 2]).mean())


def test_same_inputs_give_the_same_bytes(portrait: bytes) -> None:
    arguments = {"theme": "vintage", "seed": 42, "color_scheme": [], "style_strength": 0.8}
    assert stylize(portrait, **arguments) == stylize(portrait, **arguments)  # grain included


def test_24_seeds_give_24_different_variants(portrait: bytes) -> None:
    variants = [stylize(portrait, theme="travel", seed=seed, color_scheme=[], style_strength=0.75, size=256)
                for seed in range(24)]
    assert len({hashlib.sha256(variant).digest() for variant in variants}) == 24
    first, second = decode(variants[0]).astype(int), decode(variants[1]).astype(int)
    assert np.abs(first - second).mean() > 10  # a different crop, not a few flipped bits


@pytest.mark.parametrize("scheme", [SHARED_SCHEME, []], ids=["shared scheme", "own schemes"])
def test_every_pair_of_themes_looks_measurably_different(portrait: bytes, scheme: list[str]) -> None:
    pages = {theme: styled(portrait, theme=theme, color_scheme=scheme) for theme in THEMES}
    for first, second in itertools.combinations(THEMES, 2):
        distance = histogram_distance(pages[first], pages[second])
        assert distance > THEMES_APART, f"{first} and {second} look alike ({distance:.3f})"


def test_themes_have_the_character_the_brief_asks_for(portrait: bytes) -> None:
    pages = {theme: styled(portrait, theme=theme, style_strength=1.0) for theme in THEMES}
    mean = {theme: page.reshape(-1, 3).mean(axis=0) for theme, page in pages.items()}
    assert chroma(pages["minimalist"]) < 0.5 * chroma(pages["family"])  # muted, near monochrome
    assert chroma(pages["sports"]) > 1.3 * chroma(pages["family"])  # bold, saturated
    assert chroma(pages["kids"]) > chroma(pages["corporate"])
    red, green, blue = mean["vintage"]
    assert red > green > blue  # sepia
    warm_minus_cool = {theme: mean[theme][0] - mean[theme][2] for theme in THEMES}
    assert warm_minus_cool["wedding"] > warm_minus_cool["corporate"] + 30  # golden vs cool
    assert mean["nature"][1] > mean["nature"][2]  # earthy greens, not blue
    assert pages["sports"].std() > pages["minimalist"].std()  # high contrast vs flat


def test_vintage_has_film_grain(portrait: bytes) -> None:
    def high_frequency(image: np.ndarray) -> float:
        gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
        return float(np.abs(gray - cv2.GaussianBlur(gray, (0, 0), 2)).mean())

    assert high_frequency(styled(portrait, theme="vintage")) > 1.5 * high_frequency(styled(portrait, theme="wedding"))


def test_unknown_theme_falls_back_to_a_neutral_look(portrait: bytes) -> None:
    neutral = styled(portrait, theme="steampunk")
    original = styled(portrait, theme="steampunk", style_strength=0.0)
    kids = styled(portrait, theme="kids")
    assert np.abs(neutral.astype(int) - original).mean() < np.abs(kids.astype(int) - original).mean()
    assert np.array_equal(neutral, styled(portrait, theme=" Steampunk "))


def test_colour_scheme_steers_the_grading(landscape_jpeg: bytes) -> None:
    blue = styled(landscape_jpeg, theme="nature", color_scheme=["#001060", "#2040FF", "#A0C0FF"]).reshape(-1, 3)
    red = styled(landscape_jpeg, theme="nature", color_scheme=["#600010", "#FF2020", "#FFB0A0"]).reshape(-1, 3)
    blue_mean, red_mean = blue.mean(axis=0), red.mean(axis=0)
    assert blue_mean[2] - blue_mean[0] > red_mean[2] - red_mean[0] + 20


def test_short_hex_colours_are_accepted_and_garbage_is_not(portrait: bytes) -> None:
    assert styled(portrait, color_scheme=["#FEE", "#fcc"]).shape == (512, 512, 3)
    with pytest.raises(ValueError, match="'pink'"):
        stylize(portrait, theme="family", seed=1, color_scheme=["pink"], style_strength=0.7)


def test_style_strength_blends_over_the_original(portrait: bytes) -> None:
    original = styled(portrait, theme="kids", style_strength=0.0).astype(int)
    distances = [np.abs(styled(portrait, theme="kids", style_strength=s).astype(int) - original).mean()
                 for s in (0.25, 0.5, 1.0)]
    assert distances[0] < distances[1] < distances[2]
    assert distances[2] == pytest.approx(4 * distances[0], rel=0.15)  # linear in the strength
    clamped = styled(portrait, theme="kids", style_strength=7.0)
    assert np.array_equal(clamped, styled(portrait, theme="kids", style_strength=1.0))


@pytest.mark.parametrize(
    ("source_size", "preview", "expected"),
    [
        ((512, 512), False, (1024, 1024)),
        ((512, 512), True, (512, 512)),
        ((1200, 600), False, (1024, 819)),  # 2:1 landscape clamped to 5:4
        ((600, 800), False, (819, 1024)),  # 3:4 portrait clamped to 4:5
        ((1000, 900), True, (512, 461)),  # aspects between 4:5 and 5:4 are kept
    ],
)
def test_page_size(source_size: tuple[int, int], preview: bool, expected: tuple[int, int]) -> None:
    photo = encode(cv2.resize(landscape(), source_size))
    page = Image.open(io.BytesIO(stylize(photo, theme="sports", seed=3, color_scheme=[], style_strength=0.75,
                                         preview=preview)))
    assert (page.format, page.size) == ("JPEG", expected)


def test_the_crop_keeps_the_face_in_frame(portrait_pixels: np.ndarray) -> None:
    # A tall photo with the face at the very top: a blind random crop would often cut it off.
    tall = encode(np.vstack([portrait_pixels, cv2.resize(landscape(), (512, 500))]))
    for seed in range(8):
        page = styled(tall, theme="professional", seed=seed, style_strength=0.3)
        assert find_faces(cv2.cvtColor(page, cv2.COLOR_RGB2GRAY)), f"seed {seed} lost the face"


def test_undecodable_photo_is_rejected() -> None:
    with pytest.raises(PhotoRejected):
        stylize(b"\x00" * 100, theme="family", seed=1, color_scheme=[], style_strength=0.7)
