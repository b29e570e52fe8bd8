"""Login, register, password reset, upload and generate are limited per client IP and per account: one call over
the rate answers 429 `rate_limited` with Retry-After, the other callers go on, and the window lets calls through
again once it has passed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from api.main import create_app
from db.seed import seed_templates
from settings import Settings
from testkit.api import register, upload_photos


@asynccontextmanager
async def _clients(settings: Settings, *ips: str) -> AsyncIterator[list[httpx.AsyncClient]]:
    """One API, and a client for each caller address."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        async with app.state.sessions() as session:
            await seed_templates(session)
            await session.commit()
        clients = [httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(ip, 40000)),
                                     base_url="http://calendary.test") for ip in ips]
        try:
            yield clients
        finally:
            for client in clients:
                await client.aclose()


def _limited(response: httpx.Response) -> int:
    assert response.status_code == 429, response.text
    assert response.json()["code"] == "rate_limited"
    wait = int(response.headers["Retry-After"])
    assert 1 <= wait <= 60 and response.json()["params"]["retry_after"] == wait
    return wait


async def _login(client: httpx.AsyncClient, email: str) -> httpx.Response:
    return await client.post("/api/auth/login", json={"email": email, "password": "a wrong password"})


async def test_guessing_one_accounts_password_from_many_addresses_is_stopped(database: Settings) -> None:
    settings = database.model_copy(update={"rate_limit_login": "3/minute"})
    async with _clients(settings, "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4") as (a, b, c, d):
        await register(a, "victim@example.com", outbox=settings.outbox_dir)
        for client in (a, b, c):
            assert (await _login(client, "victim@example.com")).status_code == 401
        _limited(await _login(d, "victim@example.com"))  # a fresh address, the same account
        assert (await _login(d, "other@example.com")).status_code == 401  # other accounts are not locked


async def test_one_address_trying_many_accounts_is_stopped(database: Settings) -> None:
    settings = database.model_copy(update={"rate_limit_login": "3/minute", "rate_limit_register": "2/minute"})
    async with _clients(settings, "10.0.0.1", "10.0.0.2") as (attacker, neighbour):
        for n in range(3):
            assert (await _login(attacker, f"guess{n}@example.com")).status_code == 401
        _limited(await _login(attacker, "guess9@example.com"))
        assert (await _login(neighbour, "guess9@example.com")).status_code == 401
        await register(attacker, "one@example.com", outbox=settings.outbox_dir)
        await register(attacker, "two@example.com", outbox=settings.outbox_dir)
        _limited(await attacker.post("/api/auth/register", json={"email": "three@example.com",
                                                                 "password": "long enough"}))
        for _ in range(2):  # reset requests have a count of their own, at the register rate
            assert (await attacker.post("/api/auth/password-reset", json={"email": "x@example.com"})).status_code == 202
        _limited(await attacker.post("/api/auth/password-reset", json={"email": "one@example.com"}))


async def test_uploads_and_generation_starts_are_limited_per_account(database: Settings) -> None:
    settings = database.model_copy(update={"rate_limit_upload": "2/minute", "rate_limit_generate": "1/minute"})
    async with _clients(settings, "10.0.0.1", "10.0.0.2") as (home, phone):
        headers = await register(home, outbox=settings.outbox_dir)
        [photo] = await upload_photos(home, headers, count=1)
        await upload_photos(phone, headers, count=1)
        _limited(await home.post("/api/photos", headers=headers,
                                 files=[("files", ("p.jpg", b"not even read", "image/jpeg"))]))
        body = {"template_id": 1, "photo_ids": [photo["id"]]}
        # No Temporal in this test: the first start gets that far (503); the next is refused before it.
        first = await home.post("/api/calendars/generate", headers=headers, json=body)
        assert first.status_code == 503, first.text
        _limited(await phone.post("/api/calendars/generate", headers=headers, json=body))


async def test_the_window_lets_calls_through_again(database: Settings) -> None:
    settings = database.model_copy(update={"rate_limit_login": "2 per 5 seconds"})
    async with _clients(settings, "10.0.0.1") as (client,):
        for _ in range(2):
            assert (await _login(client, "someone@example.com")).status_code == 401
        wait = _limited(await _login(client, "someone@example.com"))
        await asyncio.sleep(wait)
        assert (await _login(client, "someone@example.com")).status_code == 401
