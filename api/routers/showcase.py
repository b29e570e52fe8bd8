"""What a visitor sees before signing up: the sample calendar's pages (public, no account needed)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request, Response

from api.deps import SessionDep, StorageDep
from services.showcase import Showcase

router = APIRouter(prefix="/api/showcase", tags=["showcase"])

SHOWCASE_MAX_AGE_SECONDS = 86400


async def get_showcase(request: Request) -> Showcase:
    return request.app.state.showcase


@router.get("/{locale}/pages/{page}", summary="A page of the sample calendar (0 is the cover); no account needed",
            response_class=Response,
            responses={200: {"content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
                             "description": "the page as JPEG"}})
async def showcase_page(locale: Literal["uk", "en"], page: Annotated[int, Path(ge=0, le=12)], session: SessionDep,
                        storage: StorageDep, showcase: Annotated[Showcase, Depends(get_showcase)]) -> Response:
    return Response(await showcase.page(session, storage, locale, page), media_type="image/jpeg",
                    headers={"Cache-Control": f"public, max-age={SHOWCASE_MAX_AGE_SECONDS}"})
