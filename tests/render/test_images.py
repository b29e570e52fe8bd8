from io import BytesIO

import pytest
from PIL import Image

from render.images import (
    CLASSICAL_UPSCALE,
    MAX_UPSCALE,
    TARGET_DPI,
    cover_crop,
    enlargement_needed,
    load_photo,
    place_photo,
)
from tests.render.synthetic import encode, gradient_image

A4_PHOTO_PT = (500.0, 400.0)  # about 176 × 141 mm


def test_cover_crop_keeps_the_centre_at_the_frame_aspect() -> None:
    assert cover_crop(400, 100, 2.0) == (100.0, 0.0, 300.0, 100.0)
    assert cover_crop(100, 400, 1.0) == (0.0, 150.0, 100.0, 250.0)


def test_large_source_is_reduced_to_300_dpi() -> None:
    photo = load_photo(encode(gradient_image(4000, 3200)), "month 1")
    placement = place_photo(photo, *A4_PHOTO_PT)
    assert TARGET_DPI <= placement.effective_dpi < TARGET_DPI + 1
    assert placement.image.size == placement.needed_px
    assert placement.warnings == []


def test_small_source_is_upscaled_to_300_dpi_classically_and_says_so() -> None:
    photo = load_photo(encode(gradient_image(800, 640)), "month 2")
    placement = place_photo(photo, *A4_PHOTO_PT)
    assert placement.image.size == placement.needed_px
    assert TARGET_DPI <= placement.effective_dpi < TARGET_DPI + 1
    assert placement.source_dpi == pytest.approx(800 / (500 / 72))
    assert placement.upscaled_with == CLASSICAL_UPSCALE
    assert len(placement.warnings) == 1 and "month 2" in placement.warnings[0]
    assert "115 DPI of its own" in placement.warnings[0] and "classical" in placement.warnings[0]


def test_a_tiny_source_is_upscaled_at_most_max_upscale_times() -> None:
    placement = place_photo(load_photo(encode(gradient_image(200, 160)), "month 4"), *A4_PHOTO_PT)
    assert placement.image.size == (round(200 * MAX_UPSCALE), round(160 * MAX_UPSCALE))
    assert placement.effective_dpi == pytest.approx(200 * MAX_UPSCALE / (500 / 72))


def test_exif_rotation_is_applied() -> None:
    image = gradient_image(300, 200)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    buffer = BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    photo = load_photo(buffer.getvalue(), "cover")
    assert (photo.width, photo.height) == (200, 300)
    # Upright, and — a 100 DPI source — upscaled three times to 300 DPI.
    assert place_photo(photo, 200 * 72 / 100, 300 * 72 / 100).image.size == (600, 900)


def test_transparent_and_cmyk_sources_become_rgb() -> None:
    rgba = Image.new("RGBA", (60, 40), (255, 0, 0, 0))
    placed = place_photo(load_photo(encode(rgba, "PNG"), "month 3"), 60, 40).image
    assert placed.mode == "RGB" and placed.getpixel((5, 5)) == (255, 255, 255)
    cmyk = Image.new("CMYK", (60, 40), (0, 255, 255, 0))
    assert place_photo(load_photo(encode(cmyk), "month 4"), 60, 40).image.mode == "RGB"


def test_an_ai_print_copy_is_placed_as_is_and_named_with_the_photos_own_resolution() -> None:
    # what the print upscale stores: the 800 px variant enlarged 3 times by a model
    photo = load_photo(encode(gradient_image(2400, 1920)), "month 2", upscaled_with="AI upscaled (real-esrgan ×3)",
                       enlarged_by=3)
    placement = place_photo(photo, *A4_PHOTO_PT)
    assert TARGET_DPI <= placement.effective_dpi < TARGET_DPI + 1
    assert placement.upscaled_with == "AI upscaled (real-esrgan ×3)"  # not the classical label
    assert placement.source_dpi == pytest.approx(800 / (500 / 72))
    assert placement.warnings == []


def test_enlargement_needed_is_what_reaches_300_dpi() -> None:
    small, large = (load_photo(encode(gradient_image(w, h)), "month 1") for w, h in ((800, 640), (4000, 3200)))
    factor = enlargement_needed(small, *A4_PHOTO_PT)
    assert factor == pytest.approx(TARGET_DPI / (800 / (500 / 72)))
    assert place_photo(load_photo(encode(gradient_image(round(800 * factor) + 1, round(640 * factor) + 1)), "m"),
                       *A4_PHOTO_PT).upscaled_with is None
    assert enlargement_needed(large, *A4_PHOTO_PT) < 1
