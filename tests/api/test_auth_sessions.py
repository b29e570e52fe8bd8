"""Logout, password reset by e-mailed link, and Argon2 kept off the event loop with bounded concurrency."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from email.message import EmailMessage

import httpx
import pytest
from argon2 import PasswordHasher

import api.security
from api.security import Passwords
from settings import Settings
from testkit.api import register
from testkit.outbox import outbox


def _bearer(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def _outbox(settings: Settings) -> list[EmailMessage]:
    return [message for _, message in outbox(settings.outbox_dir)]


async def test_logout_revokes_every_token_of_the_account(app_client: httpx.AsyncClient) -> None:
    first = await register(app_client, "olena@example.com", "the right password")
    second = await app_client.post("/api/auth/login", json={"email": "olena@example.com",
                                                            "password": "the right password"})
    other = {"Authorization": f"Bearer {second.json()['access_token']}"}
    assert (await app_client.get("/api/me", headers=other)).status_code == 200

    assert (await app_client.post("/api/auth/logout", headers=first)).status_code == 204
    for headers in (first, other):
        refused = await app_client.get("/api/me", headers=headers)
        assert refused.status_code == 401 and refused.json()["code"] == "auth_required"
    again = await app_client.post("/api/auth/login", json={"email": "olena@example.com",
                                                           "password": "the right password"})
    assert (await app_client.get("/api/me", headers={
        "Authorization": f"Bearer {again.json()['access_token']}"})).status_code == 200


async def test_a_reset_link_sets_a_new_password_once_and_ends_old_sessions(
        app_client: httpx.AsyncClient, database: Settings) -> None:
    old = await register(app_client, "taras@example.com", "the old password")
    asked = await app_client.post("/api/auth/password-reset", json={"email": "Taras@example.com"})
    assert asked.status_code == 202
    [message] = _outbox(database)
    assert message["To"] == "taras@example.com"
    link = re.search(r"/#/reset/(\S+)", message.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    assert link is not None
    token = link.group(1)

    done = await app_client.post("/api/auth/password-reset/confirm", json={"token": token,
                                                                           "password": "the new password"})
    assert done.status_code == 200 and done.json()["user"]["email"] == "taras@example.com"
    assert (await app_client.get("/api/me", headers=old)).status_code == 401
    assert (await app_client.post("/api/auth/login", json={"email": "taras@example.com",
                                                           "password": "the old password"})).status_code == 401
    assert (await app_client.post("/api/auth/login", json={"email": "taras@example.com",
                                                           "password": "the new password"})).status_code == 200
    reused = await app_client.post("/api/auth/password-reset/confirm", json={"token": token,
                                                                             "password": "a third password"})
    assert reused.status_code == 422 and reused.json()["code"] == "reset_token_invalid"


async def test_a_reset_for_an_unknown_email_answers_alike_and_sends_nothing(
        app_client: httpx.AsyncClient, database: Settings) -> None:
    await register(app_client, "known@example.com")
    known = await app_client.post("/api/auth/password-reset", json={"email": "known@example.com"})
    unknown = await app_client.post("/api/auth/password-reset", json={"email": "nobody@example.com"})
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    assert [m["To"] for m in _outbox(database)] == ["known@example.com"]


async def test_an_access_token_is_no_reset_token(app_client: httpx.AsyncClient) -> None:
    headers = await register(app_client, "ivan@example.com")
    refused = await app_client.post("/api/auth/password-reset/confirm",
                                    json={"token": _bearer(headers), "password": "a new password"})
    assert refused.status_code == 422 and refused.json()["code"] == "reset_token_invalid"


async def test_login_for_an_unknown_or_unconfirmed_email_does_the_same_argon2_work(
        app_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    await register(app_client, "known@example.com", "the right password")
    await app_client.post("/api/auth/register", json={"email": "unconfirmed@example.com",
                                                      "password": "a wrong password"})  # this one's right one
    verified: list[str] = []
    real = api.security.verify_password

    def counting(password_hash: str, password: str) -> bool:
        verified.append(password)
        return real(password_hash, password)

    monkeypatch.setattr(api.security, "verify_password", counting)
    for address in ("known@example.com", "nobody@example.com", "unconfirmed@example.com"):
        answer = await app_client.post("/api/auth/login", json={"email": address, "password": "a wrong password"})
        assert answer.status_code == 401
        assert answer.json()["detail"] == "wrong e-mail or password, or the e-mail is not confirmed yet"
    assert verified == ["a wrong password"] * 3


async def test_passwords_are_hashed_at_the_configured_cost_and_verified_at_any(settings: Settings) -> None:
    """The suite hashes cheaply (testkit.settings); what a deployment configures is what a new hash costs, and a hash
    made at one cost still verifies once the cost is raised."""
    cheap = await Passwords(settings).hash("a password")
    assert cheap.startswith("$argon2id$v=19$m=32,t=1,")
    dearer = Passwords(settings.model_copy(update={"password_hash_time_cost": 2, "password_hash_memory_kib": 64}))
    dear = await dearer.hash("a password")
    assert dear.startswith("$argon2id$v=19$m=64,t=2,")
    assert api.security.verify_password(cheap, "a password") and api.security.verify_password(dear, "a password")
    assert not api.security.verify_password(cheap, "another password")


async def test_hashing_runs_off_the_event_loop_at_most_n_at_once(settings: Settings,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    running, most, lock = 0, 0, threading.Lock()

    def slow_hash(password: str, hasher: PasswordHasher) -> str:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.1)
        with lock:
            running -= 1
        return password

    monkeypatch.setattr(api.security, "hash_password", slow_hash)
    passwords = Passwords(settings.model_copy(update={"password_hash_concurrency": 2}))
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    beat = asyncio.create_task(ticker())
    started = time.monotonic()
    await asyncio.gather(*(passwords.hash(f"pw{n}") for n in range(6)))
    elapsed = time.monotonic() - started
    beat.cancel()
    assert most == 2
    assert elapsed >= 0.3  # 6 hashes, 2 at a time, 0.1 s each
    assert ticks >= 15  # the loop kept running meanwhile

