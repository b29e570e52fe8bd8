from __future__ import annotations

import hashlib
import io
import struct
import zlib

import numpy as np
import pillow_heif
import pytest
from PIL import ExifTags, Image, ImageFile

from imaging.photos import PhotoRejected, normalize_photo, register_heif
from imaging.thumbnails import THUMBNAIL_LONG_SIDE
from tests.imaging.conftest import decode, encode, landscape

LIMITS = {"max_pixels": 50_000_000, "min_short_side": 512}


def rejection(data: bytes, **limits: int) -> PhotoRejected:
    with pytest.raises(PhotoRejected) as caught:
        normalize_photo(data, **{**LIMITS, **limits})
    return caught.value


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def one_bit_png(width: int, height: int, *, complete: bool) -> bytes:
    """A black 1-bit PNG, built row by row so its pixels never exist in memory; `complete=False` stops early."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # bit depth 1, greyscale
    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed bits
    rows_per_chunk = 1000
    idat = b"".join(
        compressor.compress(row * min(rows_per_chunk, height - start))
        for start in range(0, height if complete else rows_per_chunk, rows_per_chunk)
    ) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return one_bit_png(20_000, 20_000, complete=True)


@pytest.fixture
def forbid_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: ImageFile.ImageFile) -> None:
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


# --- rejections ---------------------------------------------------------------------------------------------


def test_random_bytes_are_not_an_image() -> None:
    error = rejection(np.random.default_rng(1).bytes(5000))
    assert error.code == "not_an_image"
    assert "not an image" in str(error)


def test_empty_upload_is_not_an_image() -> None:
    assert rejection(b"").code == "not_an_image"


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_formats_pillow_opens_but_we_do_not_accept(fmt: str) -> None:
    error = rejection(encode(landscape(), fmt))
    assert error.code == "unsupported_type"
    assert fmt in str(error)


def test_small_photo_names_its_size_and_the_minimum() -> None:
    error = rejection(encode(landscape(300, 200), "PNG"))
    assert error.code == "too_small"
    assert str(error) == "photo is 300×200 px; the short side must be at least 512 px"


def test_jpeg_cut_in_half_is_truncated_and_the_global_flag_stays_off(landscape_jpeg: bytes) -> None:
    error = rejection(landscape_jpeg[: len(landscape_jpeg) // 2])
    assert error.code == "truncated"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_a_damaged_header_of_an_accepted_format_is_truncated_not_garbage(landscape_jpeg: bytes) -> None:
    assert rejection(landscape_jpeg[:40]).code == "truncated"


def test_header_over_our_limit_is_rejected_before_decoding(forbid_decoding: None) -> None:
    # 8000×8000 = 64 Mpx: under Pillow's own bomb limit, over ours. The pixel data is not even there.
    error = rejection(one_bit_png(8000, 8000, complete=False), max_pixels=50_000_000)
    assert error.code == "too_large_pixels"
    assert "8000×8000" in str(error)


def test_decompression_bomb_is_rejected_without_decoding(bomb: bytes, forbid_decoding: None) -> None:
    assert len(bomb) < 100_000  # 400 megapixels in a small upload: that is what makes it a bomb
    assert rejection(bomb, max_pixels=10**12).code == "too_large_pixels"  # Pillow's own guard
    assert rejection(bomb).code == "too_large_pixels"


def test_pixel_limit_counts_pixels_not_bytes() -> None:
    photo = encode(landscape(900, 600), "PNG")
    assert rejection(photo, max_pixels=900 * 600 - 1).code == "too_large_pixels"
    assert normalize_photo(photo, max_pixels=900 * 600, min_short_side=512).width == 900


# --- what a normalized photo looks like ----------------------------------------------------------------------


def test_jpeg_is_re_encoded_with_metadata_and_hashes(landscape_jpeg: bytes) -> None:
    photo = normalize_photo(landscape_jpeg, **LIMITS)
    assert (photo.width, photo.height, photo.source_format) == (900, 600, "JPEG")
    assert photo.content_type == "image/jpeg"
    assert Image.open(io.BytesIO(photo.image)).format == "JPEG"
    assert photo.sha256 == hashlib.sha256(landscape_jpeg).hexdigest()
    assert photo.sha256 != hashlib.sha256(photo.image).hexdigest()
    assert np.abs(decode(photo.image).astype(int) - decode(landscape_jpeg)).mean() < 3


def test_same_upload_twice_hashes_the_same(landscape_jpeg: bytes) -> None:
    assert normalize_photo(landscape_jpeg, **LIMITS).sha256 == normalize_photo(bytes(landscape_jpeg), **LIMITS).sha256


def test_thumbnail_has_a_384_px_long_side_and_keeps_the_aspect(landscape_jpeg: bytes) -> None:
    thumbnail = Image.open(io.BytesIO(normalize_photo(landscape_jpeg, **LIMITS).thumbnail))
    assert thumbnail.format == "JPEG"
    assert thumbnail.size == (THUMBNAIL_LONG_SIDE, 256)


def test_exif_orientation_is_applied() -> None:
    stored = landscape(800, 600)
    stored[:100, :100] = (255, 0, 0)  # a red mark in the stored top-left corner
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # "rotate 90° clockwise to display"
    photo = normalize_photo(encode(stored, exif=exif.tobytes(), quality=95), **LIMITS)

    assert (photo.width, photo.height) == (600, 800)
    upright = decode(photo.image)
    assert tuple(upright[50, 550]) == pytest.approx((255, 0, 0), abs=40)  # now top-right, as displayed
    assert Image.open(io.BytesIO(photo.image)).getexif().get(ExifTags.Base.Orientation) is None


def test_exif_gps_comments_and_xmp_are_stripped() -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (50.0, 27.0, 1.5)
    upload = encode(landscape(), exif=exif.tobytes(), comment=b"home sweet home", xmp=b"<x:xmpmeta secret/>")
    assert Image.open(io.BytesIO(upload)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the input really has GPS

    output = normalize_photo(upload, **LIMITS).image
    reopened = Image.open(io.BytesIO(output))
    assert not reopened.getexif()
    assert not {"exif", "comment", "xmp", "icc_profile"} & set(reopened.info)
    for secret in (b"Exif", b"PhoneMaker", b"home sweet home", b"secret"):
        assert secret not in output


def test_heic_round_trip() -> None:
    register_heif()
    register_heif()  # idempotent
    pixels = landscape(640, 520)
    heic = encode(pixels, "HEIF", quality=90)
    assert pillow_heif.is_supported(heic)

    photo = normalize_photo(heic, **LIMITS)
    assert (photo.source_format, photo.width, photo.height) == ("HEIF", 640, 520)
    assert np.abs(decode(photo.image).astype(int) - pixels).mean() < 8


def test_webp_is_accepted() -> None:
    photo = normalize_photo(encode(landscape(), "WEBP", quality=90), **LIMITS)
    assert (photo.source_format, photo.width) == ("WEBP", 900)


def test_multi_picture_jpeg_from_a_phone_counts_as_jpeg() -> None:
    frame = Image.fromarray(landscape())
    mpo = encode(frame, "MPO", save_all=True, append_images=[frame.copy()])
    assert Image.open(io.BytesIO(mpo)).format == "MPO"
    assert normalize_photo(mpo, **LIMITS).source_format == "JPEG"


def test_transparent_png_is_flattened_onto_white() -> None:
    rgba = np.zeros((600, 800, 4), dtype=np.uint8)
    rgba[:, 400:] = (20, 40, 200, 255)  # opaque blue right half, fully transparent left half
    photo = normalize_photo(encode(rgba, "PNG"), **LIMITS)
    pixels = decode(photo.image)
    assert pixels[300, 100] == pytest.approx((255, 255, 255), abs=3)
    assert pixels[300, 700] == pytest.approx((20, 40, 200), abs=8)


def test_cmyk_and_16_bit_photos_become_8_bit_rgb() -> None:
    cmyk = Image.fromarray(landscape()).convert("CMYK")
    assert decode(normalize_photo(encode(cmyk), **LIMITS).image).shape == (600, 900, 3)

    ramp = np.tile(np.linspace(0, 65535, 800), (600, 1)).astype(np.uint16)  # black to white, 16 bits
    pixels = decode(normalize_photo(encode(ramp, "PNG"), **LIMITS).image)
    assert pixels[:, :50].mean() < 20 and pixels[:, -50:].mean() > 235  # not clipped to white
