"""Uploads are normalized and checked; every bad file is refused with a message, leaving nothing behind."""

from __future__ import annotations

import io
import os
import struct
import zlib

import pytest
from PIL import Image
from sqlmodel import select

from db.models import UploadedFile
from db.session import make_engine, make_session_factory
from testkit.api import photo_bytes, register, upload_photos


async def _stored_state(client) -> tuple[int, list[str]]:  # noqa: ANN001
    settings = client.app.state.settings
    async with make_session_factory(make_engine(settings.database_url))() as session:
        rows = len((await session.exec(select(UploadedFile))).all())
    return rows, await client.app.state.storage.list_keys("")


def _png_header_claiming(width: int, height: int) -> bytes:
    """A valid PNG signature and IHDR of a huge image, with a tiny body: a decompression-bomb header."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 800), "red").save(out, format="GIF")
    return out.getvalue()


async def test_upload_list_get_and_image(app_client) -> None:  # noqa: ANN001
    headers = await register(app_client)
    photos = await upload_photos(app_client, headers, count=2)
    assert [(p["width"], p["height"]) for p in photos] == [(1024, 768), (1024, 768)]
    assert set(photos[0]["checks"]) >= {"faces", "sharpness", "brightness", "warnings"}

    listed = (await app_client.get("/api/photos", headers=headers)).json()
    assert [p["id"] for p in listed] == [p["id"] for p in photos]

    redirect = await app_client.get(f"/api/photos/{photos[0]['id']}/image", headers=headers)
    assert redirect.status_code == 307
    image = await app_client.get(redirect.headers["location"])
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(image.content)).size == (1024, 768)
    thumb = await app_client.get(photos[0]["thumbnail_url"])
    assert max(Image.open(io.BytesIO(thumb.content)).size) <= 384


async def test_stored_copy_has_no_metadata(app_client) -> None:  # noqa: ANN001
    headers = await register(app_client)
    original = Image.open(io.BytesIO(photo_bytes(1200, 900)))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° on display
    exif[0x8825] = {1: "N", 2: (50.0, 27.0, 0.0)}  # GPS
    out = io.BytesIO()
    original.save(out, format="JPEG", exif=exif)
    response = await app_client.post("/api/photos", headers=headers,
                                      files=[("files", ("gps.jpg", out.getvalue(), "image/jpeg"))])
    assert response.status_code == 201
    photo = response.json()[0]
    assert (photo["width"], photo["height"]) == (900, 1200)
    stored = Image.open(io.BytesIO((await app_client.get(photo["url"])).content))
    assert not stored.getexif()


@pytest.mark.parametrize(("name", "data", "status", "code", "words"), [
    ("notes.txt", b"this is not a picture at all" * 10, 415, "photo_not_an_image", "not"),
    ("anim.gif", _gif(), 415, "photo_unsupported_type", "GIF"),
    ("small.jpg", photo_bytes(400, 300), 422, "photo_too_small", "512"),
    ("cut.jpg", photo_bytes(1024, 768)[:5000], 422, "photo_damaged", "incomplete"),
    ("bomb.png", _png_header_claiming(30000, 30000), 413, "photo_too_many_pixels", "pixel"),
])
async def test_bad_uploads_are_refused_and_leave_nothing(app_client, name, data, status, code,  # noqa: ANN001
                                                         words) -> None:  # noqa: ANN001
    headers = await register(app_client)
    good = ("files", ("good.jpg", photo_bytes(1024, 768), "image/jpeg"))
    response = await app_client.post("/api/photos", headers=headers, files=[good, ("files", (name, data, "x/y"))])
    assert response.status_code == status, response.text
    problem = response.json()
    assert (problem["code"], problem["params"]["name"]) == (code, name)
    assert name in problem["detail"] and words.lower() in problem["detail"].lower()
    assert await _stored_state(app_client) == (0, [])


async def test_oversized_upload_is_refused(database) -> None:  # noqa: ANN001
    from testkit.api import running_api

    settings = database.model_copy(update={"max_upload_bytes": 1_000_000})
    noise = io.BytesIO()
    Image.frombytes("RGB", (1024, 1024), os.urandom(3 * 1024 * 1024)).save(noise, format="PNG")
    async with running_api(settings) as client:
        headers = await register(client)
        response = await client.post("/api/photos", headers=headers,
                                     files=[("files", ("big.png", noise.getvalue(), "image/png"))])
        assert response.status_code == 413 and response.json()["code"] == "photo_too_large"
        assert response.json()["params"]["name"] == "big.png"
        assert await _stored_state(client) == (0, [])


async def test_another_users_photo_is_404_everywhere(app_client) -> None:  # noqa: ANN001
    owner = await register(app_client, "owner@example.com")
    intruder = await register(app_client, "intruder@example.com")
    photo_id = (await upload_photos(app_client, owner, count=1))[0]["id"]
    for method, path in [("GET", f"/api/photos/{photo_id}"), ("GET", f"/api/photos/{photo_id}/image"),
                         ("DELETE", f"/api/photos/{photo_id}")]:
        response = await app_client.request(method, path, headers=intruder)
        assert response.status_code == 404, (method, path)
    assert (await app_client.get("/api/photos", headers=intruder)).json() == []
    assert (await app_client.get(f"/api/photos/{photo_id}", headers=owner)).status_code == 200


async def test_delete_removes_row_and_objects(app_client) -> None:  # noqa: ANN001
    headers = await register(app_client)
    photo = (await upload_photos(app_client, headers, count=1))[0]
    assert (await app_client.delete(f"/api/photos/{photo['id']}", headers=headers)).status_code == 204
    assert await _stored_state(app_client) == (0, [])
    assert (await app_client.get(photo["url"])).status_code == 404


async def test_media_links_are_signed(app_client) -> None:  # noqa: ANN001
    headers = await register(app_client)
    url = (await upload_photos(app_client, headers, count=1))[0]["url"]
    tampered = url.replace("photos/", "photos/x")
    assert (await app_client.get(tampered)).status_code == 403
    expired = url.split("?")[0] + "?expires=1&signature=" + url.split("signature=")[1]
    assert (await app_client.get(expired)).status_code == 403
