from __future__ import annotations

import io

from PIL import Image

from imaging.assets import sample_photo
from imaging.photos import normalize_photo


def test_sample_photo_is_a_small_clean_jpeg_that_passes_upload_checks() -> None:
    data = sample_photo()
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert min(image.size) >= 512
    assert len(data) < 300_000
    assert not image.getexif()
    normalized = normalize_photo(data, max_pixels=50_000_000, min_short_side=512)
    assert (normalized.width, normalized.height) == image.size
