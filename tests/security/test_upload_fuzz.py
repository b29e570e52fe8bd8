"""Hostile uploads — truncated, polyglot, a decompression bomb, oversized, an upload over the total cap, a good
photo beside a bad one — answer a 4xx problem, and leave no row and no stored object behind."""

from __future__ import annotations

import io
import struct
import zlib

import httpx
import pytest
from PIL import Image
from sqlmodel import select

from db.models import UploadedFile
from settings import Settings
from testkit.api import photo_bytes, register, running_api

GOOD = photo_bytes(1024, 768)


def _png_bomb(width: int = 10_000, height: int = 10_000) -> bytes:
    """A valid PNG of 100 megapixels, black, that compresses to well under a megabyte."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    compressor = zlib.compressobj(9)
    row = b"\0" * (1 + width)  # filter byte + one grey byte per pixel
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def _polyglot() -> bytes:
    """Starts as a GIF, is a script too (`GIF89a=...` runs as JavaScript): not a photo we accept."""
    return b"GIF89a/*\x01\x00\x01\x00\x00\xff\x00,*/=1;alert(document.domain);//" + b"\x00" * 64


def _jpeg_with_html_tail() -> bytes:
    """A real JPEG with an HTML page appended: stored, it must be the re-encoded image, never these bytes."""
    return GOOD + b"<html><script>alert(1)</script></html>"


HOSTILE = {
    "truncated": (GOOD[: len(GOOD) // 2], {"photo_damaged"}),
    "header only": (GOOD[:20], {"photo_damaged", "photo_not_an_image"}),
    "polyglot gif+script": (_polyglot(), {"photo_unsupported_type", "photo_not_an_image", "photo_damaged",
                                           "photo_too_many_pixels"}),
    "html named .jpg": (b"<!doctype html><script>alert(1)</script>", {"photo_not_an_image"}),
    "decompression bomb": (_png_bomb(), {"photo_too_many_pixels"}),
    "empty": (b"", {"photo_empty"}),
    "oversized": (GOOD + b"\0" * 300_000, {"photo_too_large"}),
}


def _objects(settings: Settings) -> list[bytes]:
    """The stored objects' bytes (the fs backend's files; its content-type sidecars start with a dot)."""
    root = settings.storage_dir
    return [p.read_bytes() for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")] \
        if root.exists() else []


async def _nothing_left(api: httpx.AsyncClient, settings: Settings) -> None:
    async with api.app.state.sessions() as session:  # type: ignore[attr-defined]
        assert list((await session.exec(select(UploadedFile))).all()) == []
    assert _objects(settings) == []


@pytest.mark.parametrize("name", list(HOSTILE))
async def test_a_hostile_file_is_refused_and_leaves_nothing(database: Settings, name: str) -> None:
    data, codes = HOSTILE[name]
    settings = database.model_copy(update={"max_upload_bytes": len(GOOD) + 100_000})
    async with running_api(settings) as api:
        headers = await register(api)
        alone = await api.post("/api/photos", headers=headers, files=[("files", ("photo.jpg", data, "image/jpeg"))])
        assert 400 <= alone.status_code < 500 and alone.json()["code"] in codes, alone.text
        # Beside a good photo: the whole upload is refused, the good one is not kept either.
        mixed = await api.post("/api/photos", headers=headers, files=[
            ("files", ("good.jpg", GOOD, "image/jpeg")), ("files", ("bad.jpg", data, "image/jpeg"))])
        assert mixed.status_code == alone.status_code and mixed.json()["code"] == alone.json()["code"]
        await _nothing_left(api, settings)


async def test_an_upload_over_the_total_cap_is_refused_before_it_is_read(database: Settings) -> None:
    settings = database.model_copy(update={"max_upload_request_bytes": len(GOOD) * 3 // 2})
    async with running_api(settings) as api:
        headers = await register(api)
        files = [("files", (f"p{n}.jpg", GOOD, "image/jpeg")) for n in range(2)]
        response = await api.post("/api/photos", headers=headers, files=files)
        assert response.status_code == 413 and response.json()["code"] == "request_too_large"
        await _nothing_left(api, settings)


async def test_a_stored_photo_is_the_re_encoded_image_not_the_uploaded_bytes(database: Settings) -> None:
    async with running_api(database) as api:
        headers = await register(api)
        uploaded = await api.post("/api/photos", headers=headers,
                                  files=[("files", ("photo.jpg", _jpeg_with_html_tail(), "image/jpeg"))])
        assert uploaded.status_code == 201, uploaded.text
        stored = _objects(database)
        assert stored and all(b"<script>" not in data for data in stored)
        assert all(Image.open(io.BytesIO(data)).format in {"JPEG", "WEBP"} for data in stored)
