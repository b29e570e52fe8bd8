"""How failures that are nobody's input become HTTP answers — in one place, so their shape changes in one place.

Every error body is `{"detail": ...}` (FastAPI's own `HTTPException` and validation errors have the same shape).
A database that cannot do the work right now answers 503 with `Retry-After`; a write that conflicts with data
stored meanwhile answers 409. Either may come from the commit that ends a request's unit of work
(`api.deps.get_unit_of_work`), which runs before the response is sent: a client never sees a 2xx for a write
that did not commit.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from temporalio.service import RPCError

from db.session import database_unavailable

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
DATABASE_UNAVAILABLE = "the database is unavailable right now; please try again in a few seconds"
CONFLICT = "this change conflicts with data stored at the same time; reload and try again"


def error_response(status_code: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status_code, headers=headers)


def _reason(err: Exception) -> str:
    # The driver's message only: SQLAlchemy's own text adds the statement's parameters (emails, password hashes).
    return str(getattr(err, "orig", None) or err)


async def _database_error(_: Request, err: Exception) -> JSONResponse:
    if isinstance(err, IntegrityError):
        log.warning("write refused by a constraint: %s", _reason(err))
        return error_response(status.HTTP_409_CONFLICT, CONFLICT)
    if database_unavailable(err):
        log.warning("database unavailable: %s", _reason(err))
        return error_response(status.HTTP_503_SERVICE_UNAVAILABLE, DATABASE_UNAVAILABLE,
                              {"Retry-After": str(RETRY_AFTER_SECONDS)})
    raise err  # a bug (bad SQL, a value the schema should have refused): the server error it is


async def _temporal_unavailable(_: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, RPCError)
    return error_response(status.HTTP_503_SERVICE_UNAVAILABLE, f"the workflow service did not answer: {err.message}")


def install_error_handlers(app: FastAPI) -> None:
    for database_error in (DBAPIError, PoolTimeoutError, ConnectionError, TimeoutError):
        app.add_exception_handler(database_error, _database_error)
    app.add_exception_handler(RPCError, _temporal_unavailable)
