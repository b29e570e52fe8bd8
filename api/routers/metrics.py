"""`GET /metrics`: this API process's request series and the seed's figures, derived from the database now."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from api.deps import SessionFactoryDep
from db.models import utcnow
from ops.figures import collect_figures
from ops.metrics import CONTENT_TYPE_LATEST, exposition

router = APIRouter(tags=["operations"], include_in_schema=False)


@router.get("/metrics")
async def metrics(sessions: SessionFactoryDep) -> Response:
    async with sessions() as session:
        figures = await collect_figures(session, now=utcnow())
    return Response(exposition(figures), media_type=CONTENT_TYPE_LATEST)
