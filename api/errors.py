"""Every failure becomes one shape of answer — an RFC 9457 problem (api.problems) — here, in one place.

Our own refusals (`ApiProblem`), FastAPI's validation errors, the router's 404/405 and failures that are nobody's
input alike. A database that cannot do the work right now answers 503 with `Retry-After`; a write that conflicts
with data stored meanwhile answers 409. Either may come from the commit that ends a request's unit of work
(`api.deps.get_unit_of_work`), which runs before the response is sent: a client never sees a 2xx for a write
that did not commit. What a service behind the API said (Temporal's, the driver's words) is logged, never answered.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.service import RPCError

from api.problems import (
    DATABASE_UNAVAILABLE,
    INTERNAL_ERROR,
    METHOD_NOT_ALLOWED,
    NOT_FOUND,
    PROBLEM_MEDIA_TYPE,
    VALIDATION_FAILED,
    WORKFLOW_SERVICE_UNAVAILABLE,
    WRITE_CONFLICT,
    ApiProblem,
    FieldProblem,
    Problem,
    ProblemKind,
)
from db.session import database_unavailable

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
DATABASE_UNAVAILABLE_DETAIL = "the database is unavailable right now; please try again in a few seconds"
CONFLICT_DETAIL = "this change conflicts with data stored at the same time; reload and try again"
WORKFLOW_UNAVAILABLE_DETAIL = "the generation service is unavailable right now; please try again in a minute"
# The framework's own refusals (an unknown path, a wrong method, a multipart body it could not parse).
_FRAMEWORK_KINDS = {status.HTTP_404_NOT_FOUND: NOT_FOUND, status.HTTP_405_METHOD_NOT_ALLOWED: METHOD_NOT_ALLOWED}


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(problem.model_dump(mode="json"), status_code=problem.status, headers=headers,
                        media_type=PROBLEM_MEDIA_TYPE)


def _answer(kind: ProblemKind, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return problem_response(kind.body(detail), headers)


async def _api_problem(_: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, ApiProblem)
    return problem_response(err.body(), err.headers)


def _field(loc: tuple[int | str, ...] | list[int | str]) -> str:
    # "body" is where most fields are; query, path and header fields keep their location.
    parts = [str(part) for part in loc]
    return ".".join(parts[1:] if parts[:1] == ["body"] and len(parts) > 1 else parts)


def field_problems(errors: list[dict]) -> list[FieldProblem]:
    return [FieldProblem(field=_field(e.get("loc", ())), code=str(e.get("type", "invalid")),
                         message=str(e.get("msg", "invalid"))) for e in errors]


async def _validation_error(_: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, RequestValidationError)
    problems = field_problems(list(err.errors()))
    fields = ", ".join(dict.fromkeys(p.field for p in problems))
    return problem_response(VALIDATION_FAILED.body(f"these fields are not valid: {fields}", errors=problems))


async def _http_error(_: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, StarletteHTTPException)
    kind = _FRAMEWORK_KINDS.get(err.status_code, VALIDATION_FAILED)
    if kind is VALIDATION_FAILED:
        log.info("request refused by the framework (%s): %s", err.status_code, err.detail)
    return _answer(kind, str(err.detail) if kind is not VALIDATION_FAILED else "the request could not be read",
                   dict(err.headers or {}) or None)


async def _server_error(_: Request, err: Exception) -> JSONResponse:
    # Starlette logs the exception and re-raises it after this answer; the body says nothing of its insides.
    return _answer(INTERNAL_ERROR, "something went wrong on our side; it has been logged")


def _reason(err: Exception) -> str:
    # The driver's message only: SQLAlchemy's own text adds the statement's parameters (emails, password hashes).
    return str(getattr(err, "orig", None) or err)


async def _database_error(_: Request, err: Exception) -> JSONResponse:
    if isinstance(err, IntegrityError):
        log.warning("write refused by a constraint: %s", _reason(err))
        return _answer(WRITE_CONFLICT, CONFLICT_DETAIL)
    if database_unavailable(err):
        log.warning("database unavailable: %s", _reason(err))
        return _answer(DATABASE_UNAVAILABLE, DATABASE_UNAVAILABLE_DETAIL, {"Retry-After": str(RETRY_AFTER_SECONDS)})
    raise err  # a bug (bad SQL, a value the schema should have refused): the server error it is


async def _temporal_unavailable(_: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, RPCError)
    log.warning("the workflow service did not answer: %s", err.message)
    return _answer(WORKFLOW_SERVICE_UNAVAILABLE, WORKFLOW_UNAVAILABLE_DETAIL)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiProblem, _api_problem)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for database_error in (DBAPIError, PoolTimeoutError, ConnectionError, TimeoutError):
        app.add_exception_handler(database_error, _database_error)
    app.add_exception_handler(RPCError, _temporal_unavailable)
    app.add_exception_handler(Exception, _server_error)
