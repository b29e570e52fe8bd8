"""The behaviour every `Storage` backend must share; runs once per backend (see conftest.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.base import STREAM_CHUNK_BYTES, ObjectNotFound, Storage, StoredObject
from tests.storage.conftest import StorageFactory

INVALID_KEYS = ["../x", "/abs", "a//b", "a/../b", "", ".", "a/./b", "a/", "a\\b", ".hidden"]


async def test_put_then_get_round_trips_bytes_and_content_type(storage: Storage) -> None:
    data = bytes(range(256)) * 4

    await storage.put("users/7/photos/12.jpg", data, "image/jpeg")

    assert await storage.get("users/7/photos/12.jpg") == StoredObject(
        key="users/7/photos/12.jpg", data=data, content_type="image/jpeg"
    )


async def test_empty_object_round_trips(storage: Storage) -> None:
    await storage.put("empty.bin", b"", "application/octet-stream")

    stored = await storage.get("empty.bin")

    assert (stored.data, stored.content_type) == (b"", "application/octet-stream")


async def test_put_overwrites_data_and_content_type(storage: Storage) -> None:
    await storage.put("doc", b"first version", "text/plain")
    await storage.put("doc", b"%PDF-second", "application/pdf")

    stored = await storage.get("doc")

    assert (stored.data, stored.content_type) == (b"%PDF-second", "application/pdf")


async def test_open_streams_an_object_in_chunks_and_misses_before_any_chunk(storage: Storage) -> None:
    data = bytes(range(256)) * (STREAM_CHUNK_BYTES // 256 * 2 + 3)  # two full chunks and a bit
    await storage.put("users/7/calendars/1/r1/calendar.pdf", data, "application/pdf")

    stream = await storage.open("users/7/calendars/1/r1/calendar.pdf")
    chunks = [chunk async for chunk in stream.chunks]

    assert (stream.size, stream.content_type) == (len(data), "application/pdf")
    assert b"".join(chunks) == data and max(len(c) for c in chunks) <= STREAM_CHUNK_BYTES and len(chunks) >= 3
    with pytest.raises(ObjectNotFound):
        await storage.open("users/7/missing.pdf")
    with pytest.raises(ValueError, match="invalid storage key"):
        await storage.open("../x")


async def test_exists(storage: Storage) -> None:
    await storage.put("a/b.txt", b"x", "text/plain")

    assert await storage.exists("a/b.txt")
    assert not await storage.exists("a/missing.txt")
    assert not await storage.exists("a")  # a "folder" is not an object


async def test_get_missing_raises_object_not_found(storage: Storage) -> None:
    with pytest.raises(ObjectNotFound) as excinfo:
        await storage.get("nope/missing.png")

    assert isinstance(excinfo.value, KeyError)
    assert excinfo.value.args == ("nope/missing.png",)


async def test_delete_removes_object_and_is_idempotent(storage: Storage) -> None:
    await storage.put("a/b.txt", b"x", "text/plain")

    await storage.delete("a/b.txt")
    await storage.delete("a/b.txt")
    await storage.delete("never/existed.txt")

    assert not await storage.exists("a/b.txt")
    with pytest.raises(ObjectNotFound):
        await storage.get("a/b.txt")


async def test_delete_prefix_deletes_everything_below_and_counts(storage: Storage) -> None:
    for key in ["users/7/a.jpg", "users/7/photos/1.jpg", "users/7/photos/deep/2.jpg"]:
        await storage.put(key, b"x", "image/jpeg")
    siblings = ["users/70/a.jpg", "users/7.jpg", "users/8/a.jpg", "other/users/7/a.jpg"]
    for key in siblings:
        await storage.put(key, b"keep", "image/jpeg")

    assert await storage.delete_prefix("users/7") == 3

    assert await storage.list_keys("users/7") == []
    assert await storage.list_keys("") == sorted(siblings)
    for key in siblings:
        assert (await storage.get(key)).data == b"keep"


async def test_delete_prefix_accepts_trailing_slash_and_missing_prefix(storage: Storage) -> None:
    await storage.put("jobs/1/out.pdf", b"x", "application/pdf")

    assert await storage.delete_prefix("jobs/1/") == 1
    assert await storage.delete_prefix("jobs/1") == 0
    assert await storage.delete_prefix("never/there") == 0


async def test_delete_prefix_does_not_treat_an_object_as_a_folder(storage: Storage) -> None:
    await storage.put("jobs/1", b"x", "text/plain")

    assert await storage.delete_prefix("jobs/1") == 0
    assert await storage.exists("jobs/1")


async def test_list_keys_returns_sorted_keys_below_prefix(storage: Storage) -> None:
    keys = ["u/1/b.png", "u/1/a.png", "u/1/sub/c.png", "u/10/d.png", "u/2/e.png"]
    for key in keys:
        await storage.put(key, b"x", "image/png")

    assert await storage.list_keys("u/1") == ["u/1/a.png", "u/1/b.png", "u/1/sub/c.png"]
    assert await storage.list_keys("u/1/") == ["u/1/a.png", "u/1/b.png", "u/1/sub/c.png"]
    assert await storage.list_keys("") == sorted(keys)
    assert await storage.list_keys("nothing/here") == []


async def test_list_keys_on_empty_storage(storage: Storage) -> None:
    assert await storage.list_keys("") == []


@pytest.mark.parametrize("key", INVALID_KEYS)
async def test_invalid_keys_are_rejected_everywhere(storage: Storage, key: str) -> None:
    with pytest.raises(ValueError, match="invalid storage key"):
        await storage.put(key, b"x", "text/plain")
    with pytest.raises(ValueError, match="invalid storage key"):
        await storage.get(key)
    with pytest.raises(ValueError, match="invalid storage key"):
        await storage.exists(key)
    with pytest.raises(ValueError, match="invalid storage key"):
        await storage.delete(key)
    with pytest.raises(ValueError, match="invalid storage key"):
        await storage.presigned_url(key, timedelta(minutes=1))

    assert await storage.list_keys("") == []


@pytest.mark.parametrize("prefix", ["", "/", "../x", "/abs", "a//b", "a/../b"])
async def test_delete_prefix_rejects_invalid_prefixes(storage: Storage, prefix: str) -> None:
    await storage.put("a/b", b"x", "text/plain")

    with pytest.raises(ValueError, match="invalid storage key"):
        await storage.delete_prefix(prefix)

    assert await storage.exists("a/b")


@pytest.mark.parametrize("prefix", ["/", "../x", "/abs", "a//b", "a/../b"])
async def test_list_keys_rejects_invalid_prefixes(storage: Storage, prefix: str) -> None:
    with pytest.raises(ValueError, match="invalid storage key"):
        await storage.list_keys(prefix)


async def test_start_is_idempotent_and_keeps_objects(make_storage: StorageFactory) -> None:
    first = make_storage()
    await first.start()
    await first.start()
    await first.put("a/b.txt", b"kept", "text/plain")

    second = make_storage()  # e.g. another process starting against the same folder/bucket
    await second.start()

    assert (await second.get("a/b.txt")).data == b"kept"
