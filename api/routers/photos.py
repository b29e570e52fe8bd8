"""Photo upload: normalized (upright, metadata stripped, sRGB JPEG), thumbnailed, checked — or rejected whole."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Annotated

import anyio.to_thread
from anyio import CapacityLimiter
from fastapi import APIRouter, Depends, File, Request, UploadFile, status
from fastapi.responses import RedirectResponse
from sqlmodel import col, select

from api.deps import CurrentUserDep, OwnedPhoto, SessionDep, SettingsDep, StorageDep, StoredObjectsDep
from api.media import media_url, optional_media_url
from api.openapi import raises
from api.pagination import NEXT_PAGE_HEADER, PageDep
from api.problems import (
    PHOTO_DAMAGED,
    PHOTO_EMPTY,
    PHOTO_IN_CALENDAR,
    PHOTO_IN_USE,
    PHOTO_NOT_AN_IMAGE,
    PHOTO_TOO_LARGE,
    PHOTO_TOO_MANY_PIXELS,
    PHOTO_TOO_SMALL,
    PHOTO_UNSUPPORTED_TYPE,
    TOO_MANY_PHOTOS,
    ApiProblem,
    ProblemKind,
)
from api.rate_limits import LimiterDep
from api.schemas import PhotoOut
from db.files import upsert_file
from db.models import TERMINAL_JOB_STATUSES, FileKind, Job, UploadedFile
from imaging.checks import check_photo
from imaging.photos import NormalizedPhoto, PhotoRejected, normalize_photo
from services.erasure import calendar_showing_photo, erase_photo
from services.web_images import put_web_image
from settings import Settings
from storage import Storage
from storage.keys import THUMBNAIL_SLOT_PX, photo_key, thumbnail_key

router = APIRouter(prefix="/api/photos", tags=["photos"])

_READ_CHUNK = 1024 * 1024
# imaging.photos' rejection codes → the API's problems.
_PROBLEM_FOR_REJECTION: dict[str, ProblemKind] = {
    "not_an_image": PHOTO_NOT_AN_IMAGE,
    "unsupported_type": PHOTO_UNSUPPORTED_TYPE,
    "too_large_pixels": PHOTO_TOO_MANY_PIXELS,
    "truncated": PHOTO_DAMAGED,
    "too_small": PHOTO_TOO_SMALL,
}


async def photo_out(photo: UploadedFile, storage: Storage, settings: Settings) -> PhotoOut:
    return PhotoOut(id=photo.id, url=await media_url(storage, settings, photo.storage_key),
                    thumbnail_url=await media_url(storage, settings, photo.thumbnail_key or photo.storage_key),
                    thumbnail_webp_url=await optional_media_url(storage, settings, photo.thumbnail_webp_key),
                    width=photo.width, height=photo.height, size=photo.size, original_name=photo.original_name,
                    checks=photo.checks, created_at=photo.created_at)


async def _read_limited(upload: UploadFile, limit: int) -> bytes:
    """Read in chunks and stop one byte past the limit: an oversized file never lands in memory whole."""
    data = bytearray()
    while chunk := await upload.read(_READ_CHUNK):
        data += chunk
        if len(data) > limit:
            name, megabytes = upload.filename or "photo", limit // (1024 * 1024)
            raise ApiProblem(PHOTO_TOO_LARGE, f"{name} is larger than the {megabytes} MB limit",
                             params={"name": name, "limit_mb": megabytes})
    return bytes(data)


def get_decoding_slots(request: Request) -> CapacityLimiter:
    """Images decoded at once by this API process (`image_decode_concurrency`): a decoded photo takes up to
    `max_image_pixels` × 4 bytes, so many uploads at once must queue rather than exhaust memory."""
    return request.app.state.decoding


DecodingSlots = Annotated[CapacityLimiter, Depends(get_decoding_slots)]


async def _prepare(upload: UploadFile, settings: Settings, slots: CapacityLimiter) -> tuple[NormalizedPhoto, dict]:
    data = await _read_limited(upload, settings.max_upload_bytes)
    name = upload.filename or "photo"
    if not data:
        raise ApiProblem(PHOTO_EMPTY, f"{name} is empty", params={"name": name})
    try:
        decode = partial(normalize_photo, data, max_pixels=settings.max_image_pixels,
                         min_short_side=settings.min_short_side)
        photo = await anyio.to_thread.run_sync(decode, limiter=slots)
    except PhotoRejected as err:
        raise ApiProblem(_PROBLEM_FOR_REJECTION.get(err.code, PHOTO_DAMAGED), f"{name}: {err.message}",
                         params={"name": name}) from None
    checks = await anyio.to_thread.run_sync(check_photo, photo.image, limiter=slots)
    return photo, checks.model_dump()


@router.post("", summary="Upload photos (all or none are stored)", status_code=status.HTTP_201_CREATED)
@raises(TOO_MANY_PHOTOS, PHOTO_TOO_LARGE, PHOTO_EMPTY, *_PROBLEM_FOR_REJECTION.values())
async def upload_photos(files: Annotated[list[UploadFile], File(description="JPEG, PNG, WebP or HEIC photos")],
                        user: CurrentUserDep, session: SessionDep, objects: StoredObjectsDep, storage: StorageDep,
                        settings: SettingsDep, limiter: LimiterDep, slots: DecodingSlots) -> list[PhotoOut]:
    await limiter.hit("upload", user.id)
    if len(files) > settings.max_photos_per_generation:
        raise ApiProblem(TOO_MANY_PHOTOS,
                         f"at most {settings.max_photos_per_generation} photos per upload, got {len(files)}",
                         params={"max": settings.max_photos_per_generation, "got": len(files)})
    # Every file is checked before anything is stored: one bad file rejects the upload and stores nothing.
    prepared = [(upload.filename, *await _prepare(upload, settings, slots)) for upload in files]
    rows = []
    for name, photo, checks in prepared:
        # Objects first, rows second: the unit of work deletes these objects again if the rows never commit.
        key = photo_key(user.id, uuid.uuid4().hex)
        thumb = thumbnail_key(key)
        await objects.put(key, photo.image, photo.content_type)
        thumb_webp = await put_web_image(objects.put, thumb, photo.thumbnail, THUMBNAIL_SLOT_PX)
        rows.append(await upsert_file(session, user_id=user.id, kind=FileKind.photo, storage_key=key,
                                      thumbnail_key=thumb, thumbnail_webp_key=thumb_webp,
                                      content_type=photo.content_type, data=photo.image,
                                      width=photo.width, height=photo.height, original_name=name,
                                      checks=checks, sha256=photo.sha256, stored_sha256=photo.stored_sha256))
    return [await photo_out(row, storage, settings) for row in rows]


@router.get("", summary="List my photos (oldest first, paginated)",
            responses={200: {"headers": NEXT_PAGE_HEADER, "description": "a page of photos"}})
async def list_photos(user: CurrentUserDep, session: SessionDep, storage: StorageDep,
                      settings: SettingsDep, page: PageDep) -> list[PhotoOut]:
    photos = page.rows((await session.exec(page.select(select(UploadedFile).where(
        UploadedFile.user_id == user.id, UploadedFile.kind == FileKind.photo), UploadedFile.id,
        newest_first=False))).all())
    return [await photo_out(p, storage, settings) for p in photos]


@router.get("/{photo_id}", summary="Read one photo")
async def get_photo(photo: OwnedPhoto, storage: StorageDep, settings: SettingsDep) -> PhotoOut:
    return await photo_out(photo, storage, settings)


@router.get("/{photo_id}/image", summary="Redirect to the photo's image (or thumbnail)",
            response_class=RedirectResponse, status_code=status.HTTP_307_TEMPORARY_REDIRECT)
async def get_photo_image(photo: OwnedPhoto, storage: StorageDep, settings: SettingsDep,
                          thumbnail: bool = False) -> RedirectResponse:
    """Redirects to a short-lived signed URL of the image (or its thumbnail)."""
    key = photo.thumbnail_key if thumbnail and photo.thumbnail_key else photo.storage_key
    return RedirectResponse(await media_url(storage, settings, key), status.HTTP_307_TEMPORARY_REDIRECT)


@router.delete("/{photo_id}", summary="Delete a photo no running generation and no calendar uses",
               status_code=status.HTTP_204_NO_CONTENT)
@raises(PHOTO_IN_USE, PHOTO_IN_CALENDAR)
async def delete_photo(photo: OwnedPhoto, user: CurrentUserDep, session: SessionDep,
                       objects: StoredObjectsDep) -> None:
    """Also deletes the variants made from it that no calendar shows (a generation that ended keeps its row)."""
    running = (await session.exec(select(Job).where(
        Job.user_id == user.id, col(Job.status).not_in(list(TERMINAL_JOB_STATUSES))))).all()
    used_by = next((job.id for job in running if photo.id in job.photo_ids), None)
    if used_by is not None:
        raise ApiProblem(PHOTO_IN_USE, f"photo {photo.id} is used by generation {used_by}; delete or finish that first",
                         params={"photo_id": photo.id, "generation_id": used_by})
    calendar_id = await calendar_showing_photo(session, photo.id)
    if calendar_id is not None:
        raise ApiProblem(PHOTO_IN_CALENDAR, f"photo {photo.id} is in calendar {calendar_id}; delete that calendar "
                                            "first", params={"photo_id": photo.id, "calendar_id": calendar_id})
    # The rows go first (committed by the unit of work), the objects after the commit: a crash in between leaves
    # unreferenced objects for the sweep, never a row without its image.
    objects.delete_after_commit(await erase_photo(session, photo))
