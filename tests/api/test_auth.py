from __future__ import annotations

import pytest

from testkit.api import register


async def test_register_then_login(app_client) -> None:  # noqa: ANN001
    response = await app_client.post("/api/auth/register", json={"email": "Olena@Example.com",
                                                                 "password": "long enough pw"})
    assert response.status_code == 201
    body = response.json()
    assert body["token_type"] == "bearer" and body["user"]["email"] == "olena@example.com"

    login = await app_client.post("/api/auth/login", json={"email": "olena@example.com", "password": "long enough pw"})
    assert login.status_code == 200
    me = await app_client.get("/api/photos", headers={"Authorization": f"Bearer {login.json()['access_token']}"})
    assert me.status_code == 200 and me.json() == []


async def test_duplicate_email_is_a_conflict(app_client) -> None:  # noqa: ANN001
    await register(app_client, "taras@example.com")
    again = await app_client.post("/api/auth/register", json={"email": "TARAS@example.com", "password": "12345678"})
    assert again.status_code == 409 and again.json()["code"] == "email_taken"
    assert again.headers["content-type"] == "application/problem+json"


async def test_wrong_password_is_unauthorized(app_client) -> None:  # noqa: ANN001
    await register(app_client, "ivan@example.com", "the right password")
    response = await app_client.post("/api/auth/login", json={"email": "ivan@example.com", "password": "the wrong one"})
    assert response.status_code == 401 and response.json()["code"] == "wrong_credentials"
    assert response.json()["detail"] == "wrong email or password"


@pytest.mark.parametrize(("body", "field"), [
    ({"email": "not-an-email", "password": "12345678"}, "email"),
    ({"email": "a@example.com", "password": "short"}, "password"),
    ({"email": "a@example.com"}, "password"),
])
async def test_bad_credentials_name_the_field(app_client, body: dict, field: str) -> None:  # noqa: ANN001
    response = await app_client.post("/api/auth/register", json=body)
    problem = response.json()
    assert response.status_code == problem["status"] == 422 and problem["code"] == "validation_failed"
    assert any(error["field"] == field for error in problem["errors"]), problem


@pytest.mark.parametrize("path", ["/api/photos", "/api/templates/1", "/api/calendars", "/api/calendars/generate",
                                  "/api/photos/1", "/api/calendars/generate/1/status"])
async def test_api_routes_need_a_token(app_client, path: str) -> None:  # noqa: ANN001
    assert (await app_client.get(path)).status_code == 401
    forged = await app_client.get(path, headers={"Authorization": "Bearer not.a.token"})
    assert forged.status_code == 401
