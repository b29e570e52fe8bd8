"""Deterministic object keys: the same thing always lands under the same key, so a retried write overwrites itself."""

from __future__ import annotations


def photo_key(user_id: int, upload_id: str) -> str:
    return f"users/{user_id}/photos/{upload_id}.jpg"


def thumbnail_key(image_key: str) -> str:
    stem, _, _ = image_key.rpartition(".")
    return f"{stem}.thumb.jpg"


def webp_key(jpeg_key: str) -> str:
    """Where the WebP copy of a thumbnail or page preview lives, next to its JPEG: links straight to the object
    store or a CDN cannot negotiate the format, so the page offers both (`<picture>`, docs/media.md)."""
    stem, _, _ = jpeg_key.rpartition(".")
    return f"{stem}.webp"


def variant_key(user_id: int, job_id: int, variant_number: int, attempt: int) -> str:
    return f"users/{user_id}/jobs/{job_id}/variants/{variant_number:02d}-a{attempt}.jpg"


def print_copy_key(image_key: str, scale: int) -> str:
    """An image enlarged for print (`scale` times), next to it: swept and deleted with it (db.files.object_keys)."""
    stem, _, _ = image_key.rpartition(".")
    return f"{stem}.print-x{scale}.png"


def job_prefix(user_id: int, job_id: int) -> str:
    return f"users/{user_id}/jobs/{job_id}"


def calendar_pdf_key(user_id: int, calendar_id: int, revision: int) -> str:
    return f"users/{user_id}/calendars/{calendar_id}/r{revision}/calendar.pdf"


def calendar_page_key(user_id: int, calendar_id: int, revision: int, page: int) -> str:
    return f"users/{user_id}/calendars/{calendar_id}/r{revision}/page-{page:02d}.jpg"


def template_preview_key(theme: str) -> str:
    return f"templates/{theme}/preview.jpg"


# Keys are never reused for other content: new uploads, attempts and render revisions get new keys. That is what
# lets an image be served as immutable (api/media.py) — keep it so when adding keys.

THUMBNAIL_SLOT_PX = 400  # gallery and month tiles
PREVIEW_SLOT_PX = 1600  # rendered page previews and theme previews


def delivery_slot(key: str) -> int | None:
    """The long side, in pixels, of the page slot a JPEG is shown in — None for originals (photos, full variants)
    and for the WebP copies, which are served exactly as stored."""
    if not key.endswith(".jpg"):
        return None
    if key.endswith(".thumb.jpg"):
        return THUMBNAIL_SLOT_PX
    name = key.rpartition("/")[2]
    if (key.startswith("users/") and "/calendars/" in key and name.startswith("page-")) or \
            (key.startswith("templates/") and name.startswith("preview.")):
        return PREVIEW_SLOT_PX
    return None
