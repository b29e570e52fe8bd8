"""Short-lived signed URLs for stored objects, so an <img> tag can load a private image without a bearer header.

On MinIO/S3 the backend's own presigned URL is used; on the filesystem backend the API signs `/media/{key}`
with an HMAC of the key and the expiry time and serves the bytes itself.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import urlencode

from settings import Settings
from storage import Storage


def _signature(key: str, expires: int, secret: str) -> str:
    return hmac.new(secret.encode(), f"{key}\n{expires}".encode(), hashlib.sha256).hexdigest()


async def media_url(storage: Storage, settings: Settings, key: str) -> str:
    presigned = await storage.presigned_url(key, settings.presigned_url_ttl)
    if presigned:
        return presigned
    expires = int(time.time() + settings.presigned_url_ttl.total_seconds())
    signature = _signature(key, expires, settings.jwt_secret)
    return f"/media/{key}?" + urlencode({"expires": expires, "signature": signature})


def signature_is_valid(key: str, expires: int, signature: str, settings: Settings) -> bool:
    if expires < time.time():
        return False
    return hmac.compare_digest(_signature(key, expires, settings.jwt_secret), signature)
