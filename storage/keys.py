"""Deterministic object keys: the same thing always lands under the same key, so a retried write overwrites itself."""

from __future__ import annotations


def photo_key(user_id: int, upload_id: str) -> str:
    return f"users/{user_id}/photos/{upload_id}.jpg"


def thumbnail_key(image_key: str) -> str:
    stem, _, _ = image_key.rpartition(".")
    return f"{stem}.thumb.jpg"


def variant_key(user_id: int, job_id: int, variant_number: int, attempt: int) -> str:
    return f"users/{user_id}/jobs/{job_id}/variants/{variant_number:02d}-a{attempt}.jpg"


def job_prefix(user_id: int, job_id: int) -> str:
    return f"users/{user_id}/jobs/{job_id}"


def calendar_pdf_key(user_id: int, calendar_id: int, revision: int) -> str:
    return f"users/{user_id}/calendars/{calendar_id}/r{revision}/calendar.pdf"


def calendar_page_key(user_id: int, calendar_id: int, revision: int, page: int) -> str:
    return f"users/{user_id}/calendars/{calendar_id}/r{revision}/page-{page:02d}.png"


def template_preview_key(theme: str) -> str:
    return f"templates/{theme}/preview.jpg"
