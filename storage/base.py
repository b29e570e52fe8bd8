"""The storage contract. Keys are relative, slash-separated names such as `users/7/photos/12.jpg`."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

_KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]*(/[A-Za-z0-9][A-Za-z0-9._\-]*)*$")


class ObjectNotFound(KeyError):
    pass


def validate_key(key: str) -> str:
    """Reject keys that could escape the bucket or folder (`..`, absolute paths, empty parts)."""
    if not _KEY_PATTERN.match(key) or any(part in {".", ".."} for part in key.split("/")):
        raise ValueError(f"invalid storage key {key!r}")
    return key


@dataclass(frozen=True)
class StoredObject:
    key: str
    data: bytes
    content_type: str


@dataclass(frozen=True)
class ObjectStream:
    """An object read in chunks (a PDF of many megabytes is never held whole): iterate `chunks` once, to the end or
    until `aclose()`, which releases the file or connection either way."""

    key: str
    size: int
    content_type: str
    chunks: AsyncIterator[bytes]


STREAM_CHUNK_BYTES = 256 * 1024


class Storage(Protocol):
    async def start(self) -> None:
        """Prepare the backend (create the folder or bucket); safe to call repeatedly."""

    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    async def get(self, key: str) -> StoredObject: ...

    async def open(self, key: str) -> ObjectStream:
        """The object as a stream of chunks; ObjectNotFound is raised here, before any chunk is read."""

    async def exists(self, key: str) -> bool: ...

    async def delete(self, key: str) -> None:
        """Delete one object; deleting a missing object is not an error (idempotent)."""

    async def delete_prefix(self, prefix: str) -> int:
        """Delete every object under `prefix/`; returns how many were deleted."""

    async def list_keys(self, prefix: str) -> list[str]: ...

    async def presigned_url(self, key: str, expires: timedelta, *, signed_at: datetime | None = None,
                            cache_control: str | None = None) -> str | None:
        """A short-lived direct URL, or None when the backend has none (then the API streams the bytes).

        The URL is valid from `signed_at` (default: now) for `expires`; the same arguments give the same URL, so
        callers that round `signed_at` get links a browser or CDN can cache. `cache_control`, when given, is the
        Cache-Control header the object store answers the link with.
        """
