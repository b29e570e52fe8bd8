"""Rows for stored objects, written idempotently: one row per storage key, whatever retries happen."""

from __future__ import annotations

import hashlib

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import UploadedFile, UserCalendar
from storage.keys import thumbnail_key


async def upsert_file(session: AsyncSession, *, user_id: int, kind: str, storage_key: str, thumbnail_key: str | None,
                      thumbnail_webp_key: str | None, content_type: str, data: bytes, width: int, height: int,
                      original_name: str | None = None, checks: dict | None = None,
                      sha256: str | None = None, stored_sha256: str | None = None) -> UploadedFile:
    """`sha256`: of the original file (a photo's before normalizing), `stored_sha256`: of `data`; each is computed
    from `data` when not given."""
    row = (await session.exec(select(UploadedFile).where(UploadedFile.storage_key == storage_key))).first()
    row = row or UploadedFile(user_id=user_id, kind=kind, storage_key=storage_key, content_type=content_type,
                              size=0, width=0, height=0, sha256="")
    row.thumbnail_key, row.thumbnail_webp_key = thumbnail_key, thumbnail_webp_key
    row.content_type = content_type
    row.size = len(data)
    row.width, row.height = width, height
    row.stored_sha256 = stored_sha256 or hashlib.sha256(data).hexdigest()
    row.sha256 = sha256 or row.stored_sha256
    row.original_name = original_name
    row.checks = checks
    session.add(row)
    await session.flush()
    return row


def object_keys(file: UploadedFile) -> list[str]:
    return [key for key in (file.storage_key, file.thumbnail_key, file.thumbnail_webp_key, file.print_key) if key]


def calendar_object_keys(calendar: UserCalendar) -> list[str]:
    """The current render's objects: the PDF, the page previews, their WebP copies and the cover's thumbnail."""
    pages = calendar.page_keys or []
    return [key for key in [calendar.pdf_key, *pages, *(calendar.page_webp_keys or []),
                            *map(thumbnail_key, pages[:1])] if key]


async def referenced_keys(session: AsyncSession, keys: list[str]) -> set[str]:
    """Which of `keys` a file row points at (as its object, its thumbnail, the thumbnail's WebP copy or its print
    copy)."""
    wanted = set(keys)
    columns = (col(UploadedFile.storage_key), col(UploadedFile.thumbnail_key), col(UploadedFile.thumbnail_webp_key),
               col(UploadedFile.print_key))
    rows = (await session.exec(select(*columns).where(or_(*(column.in_(wanted) for column in columns))))).all()
    return {key for row in rows for key in row if key in wanted}
