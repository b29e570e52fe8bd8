"""Probes for orchestrators: `/healthz` says the process answers, `/readyz` that it can serve (database, storage and
Temporal reachable), with 503 naming what failed. Outside /api: they are operators', not customers', routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import JSONResponse

from ops.health import Readiness, database_check, readiness, storage_check, temporal_check

router = APIRouter(tags=["operations"], include_in_schema=False)


async def get_readiness(request: Request) -> Readiness:
    state = request.app.state
    return await readiness({"database": database_check(state.engine), "storage": storage_check(state.storage),
                            "temporal": temporal_check(state.temporal.get)})


ReadinessDep = Annotated[Readiness, Depends(get_readiness)]


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(ready: ReadinessDep) -> JSONResponse:
    code = status.HTTP_200_OK if ready.ready else status.HTTP_503_SERVICE_UNAVAILABLE
    return JSONResponse(ready.body(), status_code=code)
