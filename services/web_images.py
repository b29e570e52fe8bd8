"""Thumbnails and page previews are stored twice: the JPEG every browser shows, and a WebP copy next to it
(`storage.keys.webp_key`). Links straight to the object store or through a CDN serve what is stored and cannot
negotiate the format, so the page offers both with `<picture>` and the browser takes the smaller (docs/media.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from imaging.web_formats import JPEG, WEBP, sized_for_slot
from storage.keys import webp_key

Put = Callable[[str, bytes, str], Awaitable[None]]


async def put_web_image(put: Put, key: str, jpeg: bytes, slot_px: int) -> str:
    """Store `jpeg` under `key` and its WebP copy under `webp_key(key)`; return the copy's key. A retry writes the
    same bytes under the same keys, and the caller records the keys only after both are stored."""
    webp = await asyncio.to_thread(sized_for_slot, jpeg, WEBP, slot_px)
    await put(key, jpeg, JPEG)
    copy = webp_key(key)
    await put(copy, webp.data, WEBP)
    return copy
