"""Image links a browser, a caching proxy or a CDN can reuse (docs/media.md): the same URL for the same object within
a window, on the filesystem backend and on S3 (moto); cache headers, ETags and 304s; WebP only where Accept allows;
links through CALENDARY_MEDIA_BASE_URL."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from PIL import Image

import api.media
import manage
from api.media import LinkWindow
from db.migrate import upgrade
from db.models import CalendarMonth, GeneratedCalendarVariant, Job, UploadedFile, UserCalendar, VariantStatus
from db.seed import seed_templates
from db.session import make_engine, make_session_factory, session_scope
from services.calendar_render import render_and_store
from settings import Settings
from storage import make_storage
from storage.keys import template_preview_key, webp_key
from testkit.api import register, running_api, upload_photos
from testkit.settings import make_settings
from tests.fakes.s3 import MOTO_ACCESS_KEY, MOTO_REGION, MOTO_SECRET_KEY

TTL = timedelta(minutes=15)
WINDOW_START = 1_800_000_000 // 450 * 450  # a multiple of half the TTL (450 s)
CHROMIUM_IMAGE_ACCEPT = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fixed = Clock(WINDOW_START + 10)
    monkeypatch.setattr(api.media, "_now", fixed)
    return fixed


@dataclass
class Customer:
    api: httpx.AsyncClient
    headers: dict[str, str]
    job_id: int
    photo: dict
    settings: Settings


async def _customer(settings: Settings) -> AsyncIterator[Customer]:
    """A customer with one uploaded photo and a generation whose two ready variants show it."""
    await asyncio.to_thread(upgrade, settings.database_url)  # Alembic runs its own event loop
    async with running_api(settings) as client:
        headers = await register(client)
        [photo] = await upload_photos(client, headers, count=1)
        engine = make_engine(settings.database_url)
        async with session_scope(make_session_factory(engine)) as session:
            [template, *_] = await seed_templates(session)
            file = await session.get(UploadedFile, photo["id"])
            assert file is not None
            job = Job(user_id=file.user_id, template_id=template.id, photo_ids=[file.id], variant_count=6,
                      preview=True, year=2027)
            session.add(job)
            await session.flush()
            session.add_all([GeneratedCalendarVariant(
                user_id=file.user_id, job_id=job.id, template_id=template.id, source_photo_id=file.id,
                variant_number=n, status=VariantStatus.ready, generated_file_id=file.id) for n in range(2)])
        await engine.dispose()
        yield Customer(api=client, headers=headers, job_id=job.id, photo=photo, settings=settings)


def _fs_settings(tmp_path: Path, **overrides: object) -> Settings:
    return make_settings(tmp_path, presigned_url_ttl=TTL, **overrides)


def _s3_settings(tmp_path: Path, endpoint: str, **overrides: object) -> Settings:
    return _fs_settings(tmp_path, storage_backend="minio", minio_endpoint=endpoint, minio_access_key=MOTO_ACCESS_KEY,
                        minio_secret_key=MOTO_SECRET_KEY, minio_region=MOTO_REGION,
                        minio_bucket=f"media-{tmp_path.name[-20:].lower().replace('_', '-')}", **overrides)


@pytest.fixture(params=["fs", pytest.param("s3", marks=pytest.mark.s3)])
async def customer(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock) -> AsyncIterator[Customer]:
    settings = _fs_settings(tmp_path) if request.param == "fs" else \
        _s3_settings(tmp_path, request.getfixturevalue("moto_s3_endpoint"))
    async for built in _customer(settings):
        yield built


async def _image_urls(customer: Customer) -> list[str]:
    response = await customer.api.get(f"/api/calendars/generate/{customer.job_id}/status", headers=customer.headers)
    assert response.status_code == 200, response.text
    variants = response.json()["variants"]
    return [url for v in variants for url in (v["image_url"], v["thumbnail_url"])]


async def _get(customer: Customer, url: str, **headers: str) -> httpx.Response:
    """A link as a browser follows it: the API's own /media, or straight to the object store."""
    if url.startswith("/"):
        return await customer.api.get(url, headers=headers)
    async with httpx.AsyncClient() as client:
        return await client.get(url, headers=headers)


# -- the window ------------------------------------------------------------------------------------------------


def test_a_window_hands_out_links_living_at_least_the_ttl_and_at_most_half_as_long_again() -> None:
    for offset in (0, 1, 449):
        window = LinkWindow.at(WINDOW_START + offset, TTL)
        assert window == LinkWindow(starts=WINDOW_START, step=450, expires=WINDOW_START + 1350)
        assert 900 <= window.expires - (WINDOW_START + offset) <= 1350
    assert LinkWindow.at(WINDOW_START + 450, TTL).starts == WINDOW_START + 450


async def test_two_status_answers_in_a_window_carry_identical_image_urls(customer: Customer, clock: Clock) -> None:
    first = await _image_urls(customer)
    clock.now += 400  # later, but within the same 450-second window
    second = await _image_urls(customer)

    assert first == second and all(first)
    assert len(set(first)) == 2  # both variants show the same file: one image link, one thumbnail link
    clock.now += 100  # the next window: new links, still valid for at least the TTL
    third = await _image_urls(customer)
    assert set(third).isdisjoint(first)
    response = await _get(customer, third[1])
    assert response.status_code == 200


async def test_a_link_serves_the_bytes_with_cache_headers_and_answers_304_to_its_etag(customer: Customer) -> None:
    [image, thumbnail] = (await _image_urls(customer))[:2]

    first = await _get(customer, thumbnail)
    assert first.status_code == 200 and first.headers["etag"]
    cache = first.headers["cache-control"]
    assert cache.startswith("private, max-age=") and cache.endswith(", immutable")
    assert int(cache.split("max-age=")[1].split(",")[0]) >= TTL.total_seconds() - 10
    again = await _get(customer, thumbnail, **{"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    other = await _get(customer, thumbnail, **{"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.content == first.content
    assert (await _get(customer, image)).status_code == 200


# -- the filesystem backend's /media ---------------------------------------------------------------------------


@pytest.fixture
async def fs_customer(tmp_path: Path, clock: Clock) -> AsyncIterator[Customer]:
    async for built in _customer(_fs_settings(tmp_path)):
        yield built


async def test_max_age_is_what_the_link_has_left(fs_customer: Customer, clock: Clock) -> None:
    thumbnail = fs_customer.photo["thumbnail_url"]
    expires = int(parse_qs(urlsplit(thumbnail).query)["expires"][0])
    clock.now = expires - 100

    response = await fs_customer.api.get(thumbnail)

    assert response.headers["cache-control"] == "private, max-age=100, immutable"
    clock.now = expires + 1
    expired = await fs_customer.api.get(thumbnail)
    assert expired.status_code == 403 and "expired" in expired.json()["detail"]


async def test_thumbnails_come_as_webp_only_to_browsers_that_accept_it(fs_customer: Customer) -> None:
    thumbnail = fs_customer.photo["thumbnail_url"]

    webp = await fs_customer.api.get(thumbnail, headers={"Accept": CHROMIUM_IMAGE_ACCEPT})
    jpeg = await fs_customer.api.get(thumbnail, headers={"Accept": "image/jpeg,*/*;q=0.8"})
    refused = await fs_customer.api.get(thumbnail, headers={"Accept": "image/webp;q=0,*/*"})

    assert webp.headers["content-type"] == "image/webp" and Image.open(io.BytesIO(webp.content)).format == "WEBP"
    assert jpeg.headers["content-type"] == refused.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(jpeg.content)).format == "JPEG"
    assert webp.headers["vary"] == jpeg.headers["vary"] == "Accept"
    assert webp.headers["etag"] != jpeg.headers["etag"]  # one URL, two representations, each its own tag
    assert max(Image.open(io.BytesIO(webp.content)).size) <= 400
    assert len(webp.content) < len(jpeg.content)
    # The JPEG's tag does not validate the WebP: a cache holding the one must not be told the other is unchanged.
    crossed = await fs_customer.api.get(thumbnail, headers={"Accept": CHROMIUM_IMAGE_ACCEPT,
                                                            "If-None-Match": jpeg.headers["etag"]})
    assert crossed.status_code == 200 and crossed.headers["content-type"] == "image/webp"


async def test_if_none_match_compares_weakly_and_takes_a_list(fs_customer: Customer) -> None:
    thumbnail = fs_customer.photo["thumbnail_url"]
    etag = (await fs_customer.api.get(thumbnail)).headers["etag"]

    for header in (f'"x", W/{etag}', "*", f" {etag} "):
        assert (await fs_customer.api.get(thumbnail, headers={"If-None-Match": header})).status_code == 304


async def test_originals_are_served_as_stored_without_vary(fs_customer: Customer) -> None:
    response = await fs_customer.api.get(fs_customer.photo["url"], headers={"Accept": CHROMIUM_IMAGE_ACCEPT})

    assert response.headers["content-type"] == "image/jpeg" and "vary" not in response.headers


@pytest.mark.parametrize("tamper", ["signature", "expires", "key"])
async def test_a_tampered_link_is_refused(fs_customer: Customer, tamper: str) -> None:
    parts = urlsplit(fs_customer.photo["thumbnail_url"])
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    path = parts.path
    if tamper == "key":
        path = path.replace(".thumb.jpg", ".jpg")
    else:
        query[tamper] = query[tamper][:-1] + ("0" if query[tamper][-1] != "0" else "1")

    response = await fs_customer.api.get(path, params=query)

    assert response.status_code == 403


# -- through a CDN or caching proxy ----------------------------------------------------------------------------


async def test_fs_links_through_the_media_base_url_reach_the_api_unchanged(tmp_path: Path, clock: Clock) -> None:
    settings = _fs_settings(tmp_path, media_base_url="https://cdn.example.com/img")
    async for customer in _customer(settings):
        urls = await _image_urls(customer)
        assert all(url.startswith("https://cdn.example.com/img/media/users/") for url in urls)
        # What the CDN does on a miss: the path below its prefix, query and all, to the API.
        forwarded = urls[1].removeprefix("https://cdn.example.com/img")
        response = await customer.api.get(forwarded, headers={"Accept": CHROMIUM_IMAGE_ACCEPT})
        assert response.status_code == 200 and response.headers["content-type"] == "image/webp"
        assert response.headers["vary"] == "Accept" and "immutable" in response.headers["cache-control"]


@pytest.mark.s3
async def test_s3_links_through_the_media_base_url_are_signed_for_the_host_minio_sees(
        tmp_path: Path, clock: Clock, moto_s3_endpoint: str) -> None:
    settings = _s3_settings(tmp_path, moto_s3_endpoint, media_base_url="http://media.example.com:8090")
    async for customer in _customer(settings):
        urls = await _image_urls(customer)
        assert all(url.startswith(f"http://media.example.com:8090/{settings.minio_bucket}/users/") for url in urls)
        assert all(parse_qs(urlsplit(url).query)["response-cache-control"] == ["private, max-age=900, immutable"]
                   for url in urls)
        # What the proxy in docker-compose.temporal.yml does: the same path and query to MinIO, whose Host header
        # (proxy_pass's default) is the endpoint the link was signed for. The object store adds the Cache-Control
        # the link carries.
        parts = urlsplit(urls[1])
        async with httpx.AsyncClient() as client:
            response = await client.get(f"http://{moto_s3_endpoint}{parts.path}?{parts.query}")
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "private, max-age=900, immutable"
        assert response.content[:3] == b"\xff\xd8\xff" and response.headers["etag"]


@pytest.mark.s3
async def test_s3_links_are_signed_for_the_public_endpoint(tmp_path: Path, clock: Clock,
                                                           moto_s3_endpoint: str) -> None:
    public = "images.example.com:9443"
    settings = _s3_settings(tmp_path, moto_s3_endpoint, minio_public_endpoint=public)
    async for customer in _customer(settings):
        urls = await _image_urls(customer)
        assert all(urlsplit(url).netloc == public for url in urls)
        # The same path and query from the real endpoint serves the object. (moto does not check signatures, so
        # that the signature covers the public host is MinIO's to verify; the URL's host is what is asserted here.)
        parts = urlsplit(urls[1])
        async with httpx.AsyncClient() as client:
            response = await client.get(f"http://{moto_s3_endpoint}{parts.path}?{parts.query}")
        assert response.status_code == 200


# -- WebP copies for links straight to the object store ----------------------------------------------------------


async def _rendered_calendar(customer: Customer) -> dict:
    """A calendar of the customer's photo (12 months), rendered into the customer's storage; its API answer."""
    storage = make_storage(customer.settings)
    await storage.start()
    engine = make_engine(customer.settings.database_url)
    async with session_scope(make_session_factory(engine)) as session:
        job = await session.get(Job, customer.job_id)
        assert job is not None
        calendar = UserCalendar(user_id=job.user_id, template_id=job.template_id, year=2027)
        session.add(calendar)
        await session.flush()
        session.add_all([CalendarMonth(calendar_id=calendar.id, month=month, file_id=customer.photo["id"])
                         for month in range(1, 13)])
        await session.flush()
        await render_and_store(session, storage, calendar)
        calendar_id = calendar.id
    await engine.dispose()
    answer = await customer.api.get(f"/api/calendars/{calendar_id}", headers=customer.headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def _format(customer: Customer, url: str) -> tuple[str, str]:
    """What a browser gets for a link (asking for JPEG only): the answer's type and the bytes' format."""
    response = await _get(customer, url, Accept="image/jpeg")
    assert response.status_code == 200, response.text
    return response.headers["content-type"], str(Image.open(io.BytesIO(response.content)).format)


async def test_thumbnails_and_page_previews_link_to_stored_webp_copies(customer: Customer) -> None:
    # Straight links (S3: to the object store, which cannot negotiate) carry a WebP copy next to each JPEG, stored
    # under its own key beside the JPEG's; each link serves its own format whatever the browser asks for.
    status = (await customer.api.get(f"/api/calendars/generate/{customer.job_id}/status",
                                     headers=customer.headers)).json()
    calendar = await _rendered_calendar(customer)
    await manage.seed(customer.settings)  # the theme previews
    themes = (await customer.api.get("/api/templates", headers=customer.headers)).json()
    pairs = [(customer.photo["thumbnail_url"], customer.photo["thumbnail_webp_url"]),
             *((v["thumbnail_url"], v["thumbnail_webp_url"]) for v in status["variants"]),
             *((m["thumbnail_url"], m["thumbnail_webp_url"]) for m in calendar["months"]),
             *zip(calendar["preview_urls"], calendar["preview_webp_urls"], strict=True),
             *((t["preview_url"], t["preview_webp_url"]) for t in themes)]
    assert len(calendar["preview_webp_urls"]) == 13 and len(pairs) == 1 + 2 + 12 + 13 + 10
    for jpeg, webp in pairs:
        jpeg_path, webp_path = urlsplit(jpeg).path, urlsplit(webp).path
        assert jpeg_path.endswith(".jpg") and webp_path == jpeg_path.removesuffix(".jpg") + ".webp"
        assert await _format(customer, webp) == ("image/webp", "WEBP")  # the object exists, as WebP
        if customer.settings.storage_backend == "minio":
            assert urlsplit(webp).netloc == customer.settings.minio_endpoint
    for jpeg, _ in (pairs[0], pairs[-11], pairs[-1]):  # the fallbacks: a thumbnail, a page and a theme preview
        assert await _format(customer, jpeg) == ("image/jpeg", "JPEG")


async def test_seeding_again_adds_the_copy_of_a_theme_preview_seeded_before_copies(fs_customer: Customer) -> None:
    settings = fs_customer.settings
    await manage.seed(settings)
    storage = make_storage(settings)
    jpeg, webp = template_preview_key("family"), webp_key(template_preview_key("family"))
    before = (await storage.get(jpeg)).data
    await storage.delete(webp)

    await manage.seed(settings)

    assert (await storage.get(jpeg)).data == before  # the kept JPEG, not a new drawing under the same key
    assert Image.open(io.BytesIO((await storage.get(webp)).data)).format == "WEBP"
