"""The OpenAPI document as the API's contract: every status an operation can answer is documented.

A route declares the problems its own body raises (`@raises(RESET_TOKEN_INVALID)`); the problems its dependencies
raise (401 from the bearer token, 404 from an owned id, 503 from the database or Temporal, 409 from a write's
commit) and 422 for a request with parameters or a body are added here, from the dependency tree, so no route can
forget them. Each status gets the problem schema (`application/problem+json`) and one example per code it may carry.
Operation ids are the route functions' names: stable, so generated clients keep their method names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from api import deps, problems
from api.problems import PROBLEM_MEDIA_TYPE, Problem, ProblemKind, problem_example
from api.rate_limits import get_limiter
from api.routers.events import get_stream_slots, get_watched_job

F = TypeVar("F", bound=Callable[..., Any])

_RAISED_BY_ROUTE: dict[Callable[..., Any], tuple[ProblemKind, ...]] = {}
_RAISED_BY_DEPENDENCY: dict[Callable[..., Any], tuple[ProblemKind, ...]] = {
    deps.get_current_user: (problems.AUTH_REQUIRED,),
    get_watched_job: (problems.AUTH_REQUIRED, problems.NOT_FOUND),
    # The owned rows are read together with the caller (one query), so they answer the 401 too.
    deps.get_owned_job: (problems.AUTH_REQUIRED, problems.NOT_FOUND),
    deps.get_owned_photo: (problems.AUTH_REQUIRED, problems.NOT_FOUND),
    deps.get_owned_calendar: (problems.AUTH_REQUIRED, problems.NOT_FOUND),
    deps.get_temporal: (problems.WORKFLOW_SERVICE_UNAVAILABLE,),
    deps.get_unit_of_work: (problems.DATABASE_UNAVAILABLE,),
    get_limiter: (problems.RATE_LIMITED,),
    get_stream_slots: (problems.TOO_MANY_STREAMS,),
}
_WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def raises(*kinds: ProblemKind) -> Callable[[F], F]:
    """Declares the problems a route's own body raises (under its `@router` decorator)."""
    def declare(endpoint: F) -> F:
        _RAISED_BY_ROUTE[endpoint] = kinds
        return endpoint
    return declare


def _dependency_calls(dependant: Dependant) -> list[Callable[..., Any]]:
    calls = []
    for sub in dependant.dependencies:
        if sub.call is not None:
            calls.append(sub.call)
        calls.extend(_dependency_calls(sub))
    return calls


def route_problems(route: APIRoute) -> list[ProblemKind]:
    found = list(_RAISED_BY_ROUTE.get(route.endpoint, ()))
    calls = _dependency_calls(route.dependant)
    for call in calls:
        found.extend(_RAISED_BY_DEPENDENCY.get(call, ()))
    if deps.get_unit_of_work in calls and (route.methods or set()) & _WRITES:
        found.append(problems.WRITE_CONFLICT)
    if _has_input(route.dependant):
        found.append(problems.VALIDATION_FAILED)
    if _has_body(route.dependant):
        found.append(problems.REQUEST_TOO_LARGE)  # api.body_limits
    return list(dict.fromkeys(found))


def _has_input(dependant: Dependant) -> bool:
    own = dependant.path_params or dependant.query_params or dependant.header_params or dependant.body_params
    return bool(own) or any(_has_input(sub) for sub in dependant.dependencies)


def _has_body(dependant: Dependant) -> bool:
    return bool(dependant.body_params) or any(_has_body(sub) for sub in dependant.dependencies)


def problem_responses(kinds: list[ProblemKind]) -> dict[int | str, dict[str, Any]]:
    """The `responses` entries of these problems: one per status, an example per code."""
    by_status: dict[int, list[ProblemKind]] = {}
    for kind in kinds:
        by_status.setdefault(kind.status, []).append(kind)
    return {status: {
        "description": "; ".join(f"`{kind.code}`: {kind.title}" for kind in same),
        "content": {PROBLEM_MEDIA_TYPE: {
            "schema": {"$ref": "#/components/schemas/Problem"},
            "examples": {kind.code: {"summary": kind.title, "value": problem_example(kind)} for kind in same},
        }},
    } for status, same in sorted(by_status.items())}


def _api_routes(routes: list[Any]) -> list[APIRoute]:
    found = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):  # FastAPI includes routers lazily, as a route of their own
            found.extend(_api_routes(route.original_router.routes))
    return found


def _add_problems(document: dict[str, Any], routes: list[APIRoute]) -> None:
    by_id = {operation_id(route): route for route in routes if route.include_in_schema}
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation["responses"]
            responses.pop("422", None)  # FastAPI's HTTPValidationError, which this API never answers
            responses.update({str(status): response for status, response in
                              problem_responses(route_problems(by_id[operation["operationId"]])).items()})
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    for schema in schemas.values():
        _mark_uploads_binary(schema)
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem.pop("$defs", {}))
    schemas["Problem"] = problem


def _mark_uploads_binary(schema: Any) -> None:
    """Uploaded files also say `format: binary` (OpenAPI 3.0's spelling): generators such as openapi-python-client
    read only that, and would otherwise send a file as a text field."""
    if isinstance(schema, dict):
        if schema.get("contentMediaType") == "application/octet-stream" and schema.get("type") == "string":
            schema["format"] = "binary"
        for value in schema.values():
            _mark_uploads_binary(value)
    elif isinstance(schema, list):
        for value in schema:
            _mark_uploads_binary(value)


def install_openapi(app: FastAPI) -> None:
    """The document FastAPI generates, with every route's problems (see the module docs)."""
    routes = _api_routes(app.routes)
    names = [operation_id(r) for r in routes if r.include_in_schema]
    assert len(names) == len(set(names)), f"operation ids must be unique: {sorted(names)}"

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version, description=app.description,
                                   routes=app.routes, tags=app.openapi_tags)
            _add_problems(document, routes)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def operation_id(route: APIRoute) -> str:
    """The route function's name: generated clients name their methods after it, so it must not drift."""
    return route.name
