"""Serves stored objects behind signed, short-lived URLs (the filesystem backend's stand-in for presigned URLs)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from api.deps import SettingsDep, StorageDep
from api.media import signature_is_valid
from api.problems import LINK_INVALID, NOT_FOUND, ApiProblem
from storage import ObjectNotFound

router = APIRouter(tags=["media"])


@router.get("/media/{key:path}", include_in_schema=False)
async def get_media(key: str, expires: int, signature: str, storage: StorageDep, settings: SettingsDep) -> Response:
    if not signature_is_valid(key, expires, signature, settings):
        raise ApiProblem(LINK_INVALID, "this link is invalid or has expired")
    try:
        stored = await storage.get(key)
    except (ObjectNotFound, ValueError):
        raise ApiProblem(NOT_FOUND, "this image no longer exists") from None
    # Keys are never rewritten with other content (new renders get new keys), so caches may keep them.
    return Response(stored.data, media_type=stored.content_type,
                    headers={"Cache-Control": "private, max-age=3600"})
