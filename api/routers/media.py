"""Serves stored objects behind signed links (the filesystem backend's stand-in for presigned URLs): cacheable for
as long as the link lives, revalidated by ETag, thumbnails and previews in the format the browser takes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import Response

from api.deps import SettingsDep, StorageDep
from api.media import image_response, seconds_left, signature_is_valid
from api.problems import LINK_INVALID, NOT_FOUND, ApiProblem
from storage import ObjectNotFound

router = APIRouter(tags=["media"])


@router.get("/media/{key:path}", include_in_schema=False)
async def get_media(key: str, expires: int, signature: str, storage: StorageDep, settings: SettingsDep,
                    accept: Annotated[str | None, Header()] = None,
                    if_none_match: Annotated[str | None, Header()] = None) -> Response:
    if not signature_is_valid(key, expires, signature, settings):
        raise ApiProblem(LINK_INVALID, "this link is invalid or has expired")
    try:
        stored = await storage.get(key)
    except (ObjectNotFound, ValueError):
        raise ApiProblem(NOT_FOUND, "this image no longer exists") from None
    # Cacheable until the link expires, not beyond: after that the bytes must not be served for it any more.
    return await image_response(stored, accept=accept, if_none_match=if_none_match,
                                max_age=seconds_left(expires))
