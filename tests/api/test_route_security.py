"""Every /api route, present and future, refuses an anonymous caller, and ids are bounded before the database."""

from __future__ import annotations

import re

import pytest

from api.main import create_app
from testkit.api import register, running_api

PUBLIC = {"/api/auth/register", "/api/auth/verify", "/api/auth/login", "/api/auth/password-reset",
          "/api/auth/password-reset/confirm", "/api/webhooks/replicate", "/api/config",
          "/api/templates", "/api/showcase/{locale}/pages/{page}"}  # the last two: the landing page's, for visitors
# Browsers' EventSource cannot send headers: this route takes a ticket as a query parameter instead.
TICKET_IN_QUERY = {"/api/calendars/generate/{job_id}/events"}


def _api_routes() -> list[tuple[str, str]]:
    """Every documented /api operation (the OpenAPI schema is the public list of routes)."""
    paths = create_app().openapi()["paths"]
    return [(method.upper(), path) for path, operations in sorted(paths.items())
            if path.startswith("/api") and path not in PUBLIC for method in sorted(operations)]


def _concrete(path: str, value: str = "1") -> str:
    return re.sub(r"\{[^}]+\}", value, path)


@pytest.mark.parametrize(("method", "path"), _api_routes(), ids=lambda v: v)
async def test_anonymous_callers_are_refused(app_client, method: str, path: str) -> None:  # noqa: ANN001
    response = await app_client.request(method, _concrete(path), json={})
    assert response.status_code == 401, response.text


@pytest.mark.parametrize(("method", "path"), [r for r in _api_routes() if "{" in r[1] and r[1] not in TICKET_IN_QUERY],
                         ids=lambda v: v)
async def test_out_of_range_ids_are_a_clear_422(database, method: str, path: str) -> None:  # noqa: ANN001
    # A stand-in Temporal client: validation must answer before anything would use it.
    async with running_api(database, temporal=object()) as client:  # type: ignore[arg-type]
        headers = await register(client)
        response = await client.request(method, _concrete(path, "99999999999"), json={}, headers=headers)
    assert response.status_code == 422, response.text
    assert "less than or equal to 2147483647" in response.text


def test_the_route_list_is_not_empty() -> None:
    assert len(_api_routes()) >= 15
