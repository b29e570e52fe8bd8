"""Thumbnails and page previews in the smallest format the browser takes: WebP when its `Accept` allows, JPEG
otherwise — chosen when the image is served, from the one stored copy, and sized for its slot on the page.

Serve-time negotiation (the API's own routes) works for objects stored before WebP copies existed; its cost is one
encode per image and format, which the small cache below, the browser's cache and a CDN's (the links stay the same
for a while, api/media.py) absorb. Links that bypass the API — straight to the object store or a CDN — get the WebP
copies the writers store with each JPEG instead (services/web_images.py, through `sized_for_slot`).
"""

from __future__ import annotations

import hashlib
import io
from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock

from PIL import Image

WEBP, JPEG = "image/webp", "image/jpeg"
_PILLOW_FORMAT = {WEBP: "WEBP", JPEG: "JPEG"}
_QUALITY = {WEBP: 80, JPEG: 85}
_CONVERTIBLE = frozenset({"image/jpeg", "image/png", "image/webp"})


@dataclass(frozen=True)
class WebImage:
    data: bytes
    content_type: str
    etag: str


def accepted_format(accept: str | None) -> str:
    """WebP if the Accept header names it (or `image/*`) with a non-zero quality, else JPEG, which every browser
    shows. A bare `*/*` is not taken as WebP support: fetch() and old browsers send it too."""
    for item in (accept or "").split(","):
        media_range, *params = (part.strip() for part in item.split(";"))
        if media_range.lower() not in {WEBP, "image/*"}:
            continue
        quality = next((p.partition("=")[2] for p in params if p.lower().startswith("q=")), "1")
        try:
            if float(quality) > 0:
                return WEBP
        except ValueError:
            continue  # a malformed q: ignore this range, as if it were not there
    return JPEG


def can_convert(content_type: str) -> bool:
    return content_type in _CONVERTIBLE


def etag_of(data: bytes, content_type: str) -> str:
    """The representation's entity tag: the stored bytes' digest and the format they are served in."""
    return f'"{hashlib.sha256(data).hexdigest()[:32]}-{content_type.rpartition("/")[2]}"'


def sized_for_slot(data: bytes, content_type: str, max_side: int) -> WebImage:
    """`data` (a stored JPEG or PNG) as `content_type`, its long side at most `max_side` pixels."""
    etag = etag_of(data, content_type)
    cached = _cache.get(etag, max_side)
    if cached is not None:
        return cached
    with Image.open(io.BytesIO(data)) as image:
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS, reducing_gap=3.0)
        result = WebImage(data=encoded(image, content_type), content_type=content_type, etag=etag)
    _cache.put(etag, max_side, result)
    return result


def encoded(image: Image.Image, content_type: str) -> bytes:
    """`image` in `content_type` at the quality every web copy is stored and served with."""
    out = io.BytesIO()
    # Previews carry no transparency (the renderer paints a paper background), so RGB loses nothing.
    image.convert("RGB").save(out, format=_PILLOW_FORMAT[content_type], quality=_QUALITY[content_type],
                              method=4 if content_type == WEBP else 0, optimize=content_type == JPEG)
    return out.getvalue()


class _Encoded:
    """Recently encoded images, up to a byte budget, least recently used first out. Thread-safe: encodes run in
    worker threads."""

    def __init__(self, budget: int) -> None:
        self._budget, self._used = budget, 0
        self._items: OrderedDict[tuple[str, int], WebImage] = OrderedDict()
        self._lock = Lock()

    def get(self, etag: str, max_side: int) -> WebImage | None:
        with self._lock:
            found = self._items.get((etag, max_side))
            if found is not None:
                self._items.move_to_end((etag, max_side))
            return found

    def put(self, etag: str, max_side: int, image: WebImage) -> None:
        with self._lock:
            if (etag, max_side) in self._items:
                return
            self._items[(etag, max_side)] = image
            self._used += len(image.data)
            while self._used > self._budget and self._items:
                _, dropped = self._items.popitem(last=False)
                self._used -= len(dropped.data)


_cache = _Encoded(budget=32 * 1024 * 1024)
