"""Every non-2xx answer is one RFC 9457 problem with a stable code — the framework's own refusals included."""

from __future__ import annotations

import httpx
import pytest

from api.problems import KINDS, TYPE_PREFIX
from testkit.api import register, upload_photos

PROBLEM = "application/problem+json"


def _problem(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["code"] == code and body["status"] == status and body["type"] == TYPE_PREFIX + code
    assert body["title"] == KINDS[code].title and body["detail"]
    return body


async def test_unknown_routes_and_methods_are_problems_too(app_client: httpx.AsyncClient) -> None:
    _problem(await app_client.get("/api/nothing-here"), 404, "not_found")
    _problem(await app_client.put("/api/templates"), 405, "method_not_allowed")


async def test_validation_problems_name_every_field(app_client: httpx.AsyncClient) -> None:
    headers = await register(app_client)
    body = _problem(await app_client.post("/api/calendars/generate", headers=headers,
                                          json={"photo_ids": ["x"], "year": 1900}), 422, "validation_failed")
    assert {(e["field"], e["code"]) for e in body["errors"]} == {
        ("template_id", "missing"), ("photo_ids.0", "int_parsing"), ("year", "greater_than_equal")}
    bad_json = await app_client.post("/api/auth/login", content=b"{", headers={"content-type": "application/json"})
    assert _problem(bad_json, 422, "validation_failed")["errors"][0]["code"] == "json_invalid"
    [photo] = await upload_photos(app_client, headers, count=1)
    query = _problem(await app_client.get(f"/api/photos/{photo['id']}/image?thumbnail=maybe", headers=headers), 422,
                     "validation_failed")
    assert query["errors"][0]["field"] == "query.thumbnail"


async def test_a_missing_token_is_401_with_a_challenge(app_client: httpx.AsyncClient) -> None:
    response = await app_client.get("/api/photos")
    _problem(response, 401, "auth_required")
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(("body", "code"), [
    ({"photo_ids": []}, "photos_required"),
    ({"photo_ids": [1, 1]}, "photos_repeated"),
    ({"photo_ids": [987]}, "photos_unknown"),
    ({"photo_ids": [1], "template_id": 9999}, "template_unknown"),
    ({"photo_ids": [1], "custom_prompt": "Nude on a beach, with a GUN"}, "custom_prompt_refused"),
    ({"photo_ids": [1], "custom_prompt": "x" * 301}, "validation_failed"),
])
async def test_a_bad_generation_request_is_told_so_even_while_temporal_is_down(
        app_client: httpx.AsyncClient, seeded, body: dict, code: str) -> None:  # noqa: ANN001
    headers = await register(app_client)
    await upload_photos(app_client, headers, count=1)
    response = await app_client.post("/api/calendars/generate", headers=headers,
                                     json={"template_id": seeded[0].id, **body})
    problem = _problem(response, 422, code)
    if code == "custom_prompt_refused":
        assert problem["params"] == {"words": "nude, gun"}


async def test_a_good_request_while_temporal_is_down_is_503_and_stores_nothing(app_client: httpx.AsyncClient,
                                                                               seeded) -> None:  # noqa: ANN001
    headers = await register(app_client)
    [photo] = await upload_photos(app_client, headers, count=1)
    response = await app_client.post("/api/calendars/generate", headers=headers,
                                     json={"template_id": seeded[0].id, "photo_ids": [photo["id"]]})
    body = _problem(response, 503, "workflow_service_unavailable")
    assert "127.0.0.1" not in body["detail"]  # what the connection attempt said is logged, not answered
    assert (await app_client.get("/api/calendars/generate", headers=headers)).json() == []


async def test_a_bug_is_a_500_problem_that_tells_nothing_of_its_insides(app_client: httpx.AsyncClient) -> None:
    app = app_client.app  # type: ignore[attr-defined]

    @app.get("/api/boom", include_in_schema=False)
    async def boom() -> None:
        raise RuntimeError("secret internals")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://calendary.test") as client:
        body = _problem(await client.get("/api/boom"), 500, "internal_error")
    assert "secret" not in body["detail"]
