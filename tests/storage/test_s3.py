"""What only the S3 backend has to get right, against moto's S3 server (never skipped)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from storage.s3 import S3Storage

pytestmark = pytest.mark.s3


@pytest.fixture
async def s3(make_s3_storage: Callable[..., S3Storage]) -> S3Storage:
    backend = make_s3_storage()
    await backend.start()
    return backend


async def test_start_creates_the_bucket(make_s3_storage: Callable[..., S3Storage]) -> None:
    backend = make_s3_storage()
    assert not backend._client.bucket_exists(backend.bucket)  # noqa: SLF001 - asked behind the backend's back

    await backend.start()

    assert backend._client.bucket_exists(backend.bucket)  # noqa: SLF001


async def test_presigned_url_downloads_the_bytes(s3: S3Storage) -> None:
    data = b"\x89PNG fake image bytes"
    await s3.put("users/7/photos/1.png", data, "image/png")

    url = await s3.presigned_url("users/7/photos/1.png", timedelta(minutes=5))

    assert url is not None
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url
    async with httpx.AsyncClient() as client:
        response = await client.get(url)
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["content-type"] == "image/png"


async def test_presigned_url_signature_is_checked(s3: S3Storage) -> None:
    await s3.put("a.txt", b"x", "text/plain")
    url = await s3.presigned_url("a.txt", timedelta(minutes=5))
    assert url is not None

    async with httpx.AsyncClient() as client:
        response = await client.get(url.replace("a.txt", "b.txt", 1))

    assert response.status_code in {403, 404}


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1"])
async def test_start_tolerates_another_process_creating_the_bucket_first(
    make_s3_storage: Callable[..., S3Storage], monkeypatch: pytest.MonkeyPatch, region: str
) -> None:
    """Simulates the race: our existence check says "missing", but by the time we create the
    bucket another replica already has (outside us-east-1 that is a BucketAlreadyOwnedByYou)."""
    winner = make_s3_storage(region)
    await winner.start()
    loser = make_s3_storage(region)
    client = loser._client  # noqa: SLF001 - its calls are replaced to stage the race
    real_exists, real_make = client.bucket_exists, client.make_bucket
    calls: list[str] = []

    def stale_exists(bucket: str) -> bool:
        calls.append("exists")
        return len(calls) > 1 and real_exists(bucket)  # the first check is stale

    def make_bucket(bucket: str) -> None:
        calls.append("make")
        real_make(bucket)

    monkeypatch.setattr(client, "bucket_exists", stale_exists)
    monkeypatch.setattr(client, "make_bucket", make_bucket)

    await loser.start()

    assert calls[:2] == ["exists", "make"]

    await loser.put("a.txt", b"x", "text/plain")
    assert (await winner.get("a.txt")).data == b"x"


async def test_delete_prefix_handles_more_than_one_delete_batch(s3: S3Storage) -> None:
    """remove_objects sends at most 1000 keys per request; every batch must be consumed."""
    keys = [f"bulk/{i:04d}" for i in range(1001)]
    for key in keys:
        await s3.put(key, b"", "application/octet-stream")
    await s3.put("bulky/keep", b"", "application/octet-stream")

    assert await s3.delete_prefix("bulk") == 1001

    assert await s3.list_keys("") == ["bulky/keep"]


async def test_presigned_urls_with_one_request_date_are_identical_across_clients(
        make_s3_storage: Callable[..., S3Storage]) -> None:
    """Two API processes, one window: the same link, so a browser or CDN can reuse what it fetched."""
    signed_at = datetime(2027, 1, 1, 12, 0, tzinfo=UTC)
    first, second = make_s3_storage(), make_s3_storage()

    urls = [await storage.presigned_url("users/7/a.thumb.jpg", timedelta(minutes=22, seconds=30), signed_at=signed_at,
                                        cache_control="private, max-age=900, immutable") for storage in (first, second)]

    assert urls[0] == urls[1]
    assert "X-Amz-Date=20270101T120000Z" in urls[0] and "X-Amz-Expires=1350" in urls[0]
    later = await first.presigned_url("users/7/a.thumb.jpg", timedelta(minutes=22, seconds=30),
                                      signed_at=signed_at + timedelta(minutes=7, seconds=30))
    assert later != urls[0]
