"""What a visitor sees before signing up: the sample calendar's pages (public, no account needed)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Response

from api.deps import SessionDep, StorageDep
from services.showcase import showcase_pages

router = APIRouter(prefix="/api/showcase", tags=["showcase"])

SHOWCASE_MAX_AGE_SECONDS = 86400


@router.get("/{locale}/pages/{page}", summary="A page of the sample calendar (0 is the cover); no account needed",
            response_class=Response,
            responses={200: {"content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
                             "description": "the page as JPEG"}})
async def showcase_page(locale: Literal["uk", "en"], page: Annotated[int, Path(ge=0, le=12)], session: SessionDep,
                        storage: StorageDep) -> Response:
    pages = await showcase_pages(session, storage, locale)
    return Response(pages[page], media_type="image/jpeg",
                    headers={"Cache-Control": f"public, max-age={SHOWCASE_MAX_AGE_SECONDS}"})
