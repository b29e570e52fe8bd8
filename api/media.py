"""Signed image links that stay the same for a while, so browsers, a caching proxy or a CDN can reuse them.

On MinIO/S3 the backend's own presigned URL is used; on the filesystem backend the API signs `/media/{key}`
with an HMAC of the key and the expiry time and serves the bytes itself (api/routers/media.py).

A link's expiry is not `now + ttl` but rounded up to the next multiple of half the TTL (its *window*): every answer
within one window — any request, any API process, any user who may see the object — carries the identical URL.
A link handed out is valid for at least the TTL and at most 1.5 times it. docs/media.md describes the scheme.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode, urlsplit

from fastapi import Response, status

from imaging.web_formats import accepted_format, can_convert, etag_of, sized_for_slot
from settings import Settings
from storage import Storage, StoredObject
from storage.keys import delivery_slot


@dataclass(frozen=True)
class LinkWindow:
    """Links handed out from `starts` (Unix seconds) until `starts + step` are all valid until `expires`."""

    starts: int
    step: int
    expires: int

    @classmethod
    def at(cls, now: float, ttl: timedelta) -> LinkWindow:
        lifetime = max(1, int(ttl.total_seconds()))
        step = max(1, lifetime // 2)
        starts = int(now) // step * step
        return cls(starts=starts, step=step, expires=starts + step + lifetime)

    @property
    def min_lifetime(self) -> int:
        """How long every link of this window still lives when it is handed out (the TTL, or a second more)."""
        return self.expires - self.starts - self.step


def _now() -> float:
    return time.time()  # one clock for signing and checking, which tests can set


def seconds_left(expires: int) -> int:
    return expires - int(_now())


def _signature(key: str, expires: int, secret: str) -> str:
    return hmac.new(secret.encode(), f"{key}\n{expires}".encode(), hashlib.sha256).hexdigest()


def cache_control(max_age: int) -> str:
    # private: the answer is somebody's photo; immutable: a key never gets other content (storage/keys.py), so a
    # browser need not even revalidate on reload. A shared cache the operator runs may still keep it (docs/media.md).
    return f"private, max-age={max(0, max_age)}, immutable"


async def media_url(storage: Storage, settings: Settings, key: str) -> str:
    window = LinkWindow.at(_now(), settings.presigned_url_ttl)
    presigned = await storage.presigned_url(
        key, timedelta(seconds=window.expires - window.starts), signed_at=datetime.fromtimestamp(window.starts, UTC),
        # One value for the whole window (it is part of the signed URL): the least time any of its links has left.
        cache_control=cache_control(window.min_lifetime))
    if presigned is None:
        signature = _signature(key, window.expires, settings.media_signing_key.get_secret_value())
        presigned = f"/media/{key}?" + urlencode({"expires": window.expires, "signature": signature})
    return _through(settings.media_base_url, presigned)


async def optional_media_url(storage: Storage, settings: Settings, key: str | None) -> str | None:
    """The link of an object that may not exist (a WebP copy: objects stored before copies were made have none)."""
    return await media_url(storage, settings, key) if key else None


def _through(base_url: str | None, url: str) -> str:
    """The link with the CDN's or proxy's origin (and path prefix) instead of its own; path and query unchanged."""
    if not base_url:
        return url
    parts = urlsplit(url)
    return f"{base_url}{parts.path}?{parts.query}"


def signature_is_valid(key: str, expires: int, signature: str, settings: Settings) -> bool:
    if expires < _now():
        return False
    expected = _signature(key, expires, settings.media_signing_key.get_secret_value())
    return hmac.compare_digest(expected, signature)


async def image_response(stored: StoredObject, *, accept: str | None, if_none_match: str | None,
                         max_age: int) -> Response:
    """A stored object as the answer to a browser: thumbnails and previews in the format its `Accept` allows
    (imaging/web_formats.py), with an ETag for each representation, 304 when the browser already has it."""
    # Only thumbnails and previews are negotiated; originals go out exactly as stored.
    slot = delivery_slot(stored.key) if can_convert(stored.content_type) else None
    content_type = accepted_format(accept) if slot is not None else stored.content_type
    etag = etag_of(stored.data, content_type)
    headers = {"Cache-Control": cache_control(max_age), "ETag": etag}
    if slot is not None:
        headers["Vary"] = "Accept"  # one URL, two representations: caches must key on the Accept header too
    if _matches(if_none_match, etag):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    if slot is None or content_type == stored.content_type:
        # Stored in the wanted format already, and written sized for its slot (thumbnails, rendered pages).
        return Response(stored.data, media_type=stored.content_type, headers=headers)
    image = await asyncio.to_thread(sized_for_slot, stored.data, content_type, slot)
    return Response(image.data, media_type=image.content_type, headers=headers)


def _matches(if_none_match: str | None, etag: str) -> bool:
    """If-None-Match compares weakly (RFC 9110 13.1.2): `W/"x"` matches `"x"`; `*` matches any representation."""
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags
