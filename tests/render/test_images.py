from io import BytesIO

import pytest
from PIL import Image

from render.images import CLASSICAL_UPSCALE, MAX_UPSCALE, TARGET_DPI, cover_crop, load_photo, place_photo
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
