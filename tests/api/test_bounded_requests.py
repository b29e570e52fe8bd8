"""Bodies capped before they are read (413), live streams capped per user (429), lists paginated by cursor."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlmodel import select

from db.models import UploadedFile
from settings import Settings
from testkit.api import add_job, photo_bytes, register, running_api, upload_photos


async def _chunks(data: bytes, size: int = 4096) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start:start + size]


async def _photo_rows(api: httpx.AsyncClient) -> list[UploadedFile]:
    async with api.app.state.sessions() as session:  # type: ignore[attr-defined]
        return list((await session.exec(select(UploadedFile))).all())


def _stored_objects(settings: Settings) -> list[str]:
    return [str(p) for p in settings.storage_dir.rglob("*") if p.is_file()] if settings.storage_dir.exists() else []


def _too_large(response: httpx.Response, limit: int) -> None:
    assert response.status_code == 413, response.text
    assert response.json()["code"] == "request_too_large" and response.json()["params"]["limit_bytes"] == limit
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_json_body_over_the_cap_is_refused_declared_or_chunked(database: Settings) -> None:
    settings = database.model_copy(update={"max_json_bytes": 1024})
    big = b'{"email": "olena@example.com", "password": "' + b"x" * 2000 + b'"}'
    async with running_api(settings) as api:
        _too_large(await api.post("/api/auth/register", content=big,
                                  headers={"content-type": "application/json"}), 1024)
        # No Content-Length: counted as it arrives, refused once past the cap.
        _too_large(await api.post("/api/auth/login", content=_chunks(big, 256),
                                  headers={"content-type": "application/json"}), 1024)
        small = await api.post("/api/auth/register", json={"email": "olena@example.com", "password": "long enough"})
        assert small.status_code == 202


async def test_an_upload_over_the_total_cap_stores_nothing(database: Settings) -> None:
    photo = photo_bytes(1024, 768)
    settings = database.model_copy(update={"max_upload_request_bytes": len(photo) * 2})
    async with running_api(settings) as api:
        headers = await register(api)
        files = [("files", (f"p{n}.jpg", photo, "image/jpeg")) for n in range(3)]
        _too_large(await api.post("/api/photos", files=files, headers=headers), len(photo) * 2)
        assert await _photo_rows(api) == [] and _stored_objects(settings) == []
        assert len(await upload_photos(api, headers, count=1)) == 1  # under the cap: fine


async def test_a_webhook_body_over_the_cap_is_refused_before_any_check(database: Settings) -> None:
    settings = database.model_copy(update={"max_webhook_bytes": 512})
    async with running_api(settings) as api:
        # No secret is configured: a small body gets 503, a large one never reaches the route.
        assert (await api.post("/api/webhooks/replicate", content=b"{}")).status_code == 503
        _too_large(await api.post("/api/webhooks/replicate", content=b"{" + b" " * 600 + b"}"), 512)


async def test_one_stream_too_many_per_user_is_refused(database: Settings) -> None:
    settings = database.model_copy(update={"max_streams_per_user": 2})
    async with running_api(settings) as api:
        headers = await register(api)
        me = (await api.get("/api/me", headers=headers)).json()
        url = f"/api/calendars/generate/{await add_job(api, headers, status='completed')}/events"
        # A finished job's stream ends after its snapshot: its slot is given back each time.
        for _ in range(3):
            assert (await api.get(url, headers=headers)).status_code == 200
        slots = api.app.state.streams  # type: ignore[attr-defined]
        slots.take(me["id"])
        slots.take(me["id"])  # two streams held open (as by two tabs)
        refused = await api.get(url, headers=headers)
        assert refused.status_code == 429 and refused.json()["code"] == "too_many_streams"
        assert refused.headers["Retry-After"]
        other = await register(api, "taras@example.com")  # another user is not affected
        assert (await api.get(url, headers=other)).status_code == 404
        slots.give_back(me["id"])
        assert (await api.get(url, headers=headers)).status_code == 200


async def _all_pages(api: httpx.AsyncClient, path: str, headers: dict[str, str], limit: int) -> list[list[int]]:
    pages, url = [], f"{path}?limit={limit}"
    while url:
        response = await api.get(url, headers=headers)
        assert response.status_code == 200, response.text
        pages.append([item["id"] for item in response.json()])
        link = response.headers.get("Link")
        url = link.split(">")[0].lstrip("<") if link else ""
        assert len(pages) < 10
    return pages


async def test_photos_are_listed_page_by_page_without_repeats_or_gaps(app_client: httpx.AsyncClient) -> None:
    headers = await register(app_client)
    ids = [p["id"] for p in await upload_photos(app_client, headers, count=5)]
    pages = await _all_pages(app_client, "/api/photos", headers, limit=2)
    assert pages == [ids[0:2], ids[2:4], ids[4:5]]
    assert await _all_pages(app_client, "/api/photos", headers, limit=5) == [ids]


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "cursor=0", "cursor=x"])
async def test_bad_page_parameters_are_a_clear_422(app_client: httpx.AsyncClient, query: str) -> None:
    headers = await register(app_client)
    response = await app_client.get(f"/api/calendars?{query}", headers=headers)
    assert response.status_code == 422 and response.json()["code"] == "validation_failed"
    assert response.json()["errors"][0]["field"].startswith("query.")
