"""Sign-up with e-mail confirmation, login, and that no answer tells which e-mails have accounts."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlmodel import col, select

from api.security import issue_verification_token
from db.models import LedgerEntry, User
from settings import Settings
from testkit.api import register
from testkit.outbox import link_token, outbox, take_link_token


async def _rows(api: httpx.AsyncClient) -> list[tuple]:
    """Every account and ledger row, as plain values: what a sign-up could change."""
    async with api.app.state.sessions() as session:  # type: ignore[attr-defined]
        users = (await session.exec(select(User).order_by(col(User.id)))).all()
        entries = (await session.exec(select(LedgerEntry).order_by(col(LedgerEntry.id)))).all()
        return [tuple(row.model_dump().values()) for row in [*users, *entries]]


async def test_register_confirm_then_login(app_client: httpx.AsyncClient, database: Settings) -> None:
    response = await app_client.post("/api/auth/register", json={"email": "Olena@Example.com",
                                                                 "password": "long enough pw"})
    assert response.status_code == 202 and response.json()["status"] == "accepted"
    [(_, message)] = outbox(database.outbox_dir)
    assert (message["To"], message["Subject"]) == ("olena@example.com", "Підтвердьте e-mail")
    token = link_token(message, "verify")
    assert token is not None

    verified = await app_client.post("/api/auth/verify", json={"token": token})
    assert verified.status_code == 200 and verified.json()["user"]["email"] == "olena@example.com"
    assert (await app_client.get("/api/me", headers={
        "Authorization": f"Bearer {verified.json()['access_token']}"})).status_code == 200
    login = await app_client.post("/api/auth/login", json={"email": "olena@example.com", "password": "long enough pw"})
    assert login.status_code == 200
    me = await app_client.get("/api/photos", headers={"Authorization": f"Bearer {login.json()['access_token']}"})
    assert me.status_code == 200 and me.json() == []


async def test_register_answers_a_taken_email_exactly_as_a_new_one_and_changes_nothing(
        app_client: httpx.AsyncClient, database: Settings) -> None:
    await register(app_client, "taras@example.com", "the owner's password")
    before = await _rows(app_client)
    taken = await app_client.post("/api/auth/register", json={"email": "TARAS@example.com",
                                                              "password": "someone else's"})
    assert await _rows(app_client) == before  # not the password, not the credit: nothing
    new = await app_client.post("/api/auth/register", json={"email": "petro@example.com", "password": "12345678"})
    assert (taken.status_code, taken.headers["content-type"], taken.content) == \
        (new.status_code, new.headers["content-type"], new.content)
    assert taken.status_code == 202

    # The owner is told, with the way back in; the newcomer gets a confirmation link.
    notice = next(message for _, message in outbox(database.outbox_dir) if message["To"] == "taras@example.com")
    text = notice.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "/#/forgot" in text and link_token(notice, "verify") is None and "Хтось (можливо, ви)" in text
    assert take_link_token(database.outbox_dir, "petro@example.com", "verify") is not None
    owner = await app_client.post("/api/auth/login", json={"email": "taras@example.com",
                                                           "password": "the owner's password"})
    assert owner.status_code == 200


async def test_the_owners_notice_is_in_the_owners_language(app_client: httpx.AsyncClient, database: Settings) -> None:
    headers = await register(app_client, "ivan@example.com")
    assert (await app_client.patch("/api/me", headers=headers, json={"language": "en"})).status_code == 200
    await app_client.post("/api/auth/register", json={"email": "ivan@example.com", "password": "12345678"})
    [(_, notice)] = outbox(database.outbox_dir)
    assert notice["Subject"] == "Someone tried to sign up with your address"


async def test_sign_up_in_english_confirms_and_keeps_writing_in_english(app_client: httpx.AsyncClient,
                                                                          database: Settings) -> None:
    refused = await app_client.post("/api/auth/register", json={"email": "emma@example.com", "password": "12345678",
                                                                "language": "de"})
    assert refused.status_code == 422 and "language" in refused.text
    accepted = await app_client.post("/api/auth/register", json={"email": "emma@example.com", "password": "12345678",
                                                                 "language": "en"})
    assert accepted.status_code == 202
    [(_, message)] = outbox(database.outbox_dir)
    assert message["Subject"] != "Підтвердьте e-mail" and "confirm" in message["Subject"].lower()
    verified = await app_client.post("/api/auth/verify", json={"token": link_token(message, "verify")})
    me = await app_client.get("/api/me", headers={"Authorization": f"Bearer {verified.json()['access_token']}"})
    assert me.json()["language"] == "en"


async def test_login_before_confirmation_answers_as_a_wrong_password(app_client: httpx.AsyncClient) -> None:
    await register(app_client, "known@example.com", "the right password")
    wrong = await app_client.post("/api/auth/login", json={"email": "known@example.com", "password": "a wrong one"})
    await app_client.post("/api/auth/register", json={"email": "new@example.com", "password": "the right password"})
    unconfirmed = await app_client.post("/api/auth/login", json={"email": "new@example.com",
                                                                 "password": "the right password"})
    assert (unconfirmed.status_code, unconfirmed.json()) == (wrong.status_code, wrong.json())
    assert wrong.status_code == 401 and wrong.json()["code"] == "wrong_credentials"
    assert wrong.json()["detail"] == "wrong e-mail or password, or the e-mail is not confirmed yet"


async def test_confirming_grants_the_welcome_credit_once(app_client: httpx.AsyncClient, database: Settings) -> None:
    await app_client.post("/api/auth/register", json={"email": "olena@example.com", "password": "long enough pw"})
    token = take_link_token(database.outbox_dir, "olena@example.com", "verify")
    async with app_client.app.state.sessions() as session:  # type: ignore[attr-defined]
        assert (await session.exec(select(LedgerEntry))).all() == []  # an unconfirmed address earns nothing
    first = await app_client.post("/api/auth/verify", json={"token": token})
    again = await app_client.post("/api/auth/verify", json={"token": token})
    assert first.status_code == 200
    assert again.status_code == 422 and again.json()["code"] == "verification_token_invalid"
    account = await app_client.get("/api/account", headers={"Authorization": f"Bearer {first.json()['access_token']}"})
    assert account.json()["balance_uah"] == database.signup_credit_kopiyky / 100 > 0
    assert len(account.json()["entries"]) == 1


async def test_forged_expired_and_foreign_tokens_confirm_nothing(app_client: httpx.AsyncClient,
                                                                 database: Settings) -> None:
    headers = await register(app_client, "ivan@example.com")  # its access token is no confirmation token
    await app_client.post("/api/auth/register", json={"email": "olena@example.com", "password": "long enough pw"})
    async with app_client.app.state.sessions() as session:  # type: ignore[attr-defined]
        user = (await session.exec(select(User).where(User.email == "olena@example.com"))).one()
    expired = issue_verification_token(user, database.model_copy(update={
        "email_verification_ttl": timedelta(seconds=-1)}))
    for token in ("not.a.token", headers["Authorization"].removeprefix("Bearer "), expired):
        refused = await app_client.post("/api/auth/verify", json={"token": token})
        assert refused.status_code == 422 and refused.json()["code"] == "verification_token_invalid", token
    unconfirmed = await app_client.post("/api/auth/login", json={"email": "olena@example.com",
                                                                 "password": "long enough pw"})
    assert unconfirmed.status_code == 401


async def test_a_completed_password_reset_confirms_the_email(app_client: httpx.AsyncClient,
                                                             database: Settings) -> None:
    await app_client.post("/api/auth/register", json={"email": "olena@example.com", "password": "long enough pw"})
    assert take_link_token(database.outbox_dir, "olena@example.com", "verify") is not None  # never opened
    await app_client.post("/api/auth/password-reset", json={"email": "olena@example.com"})
    reset = take_link_token(database.outbox_dir, "olena@example.com", "reset")
    done = await app_client.post("/api/auth/password-reset/confirm", json={"token": reset,
                                                                           "password": "a new password"})
    assert done.status_code == 200
    login = await app_client.post("/api/auth/login", json={"email": "olena@example.com", "password": "a new password"})
    assert login.status_code == 200
    account = await app_client.get("/api/account", headers={"Authorization": f"Bearer {login.json()['access_token']}"})
    assert account.json()["balance_uah"] == database.signup_credit_kopiyky / 100  # the address is proven now


async def test_wrong_password_is_unauthorized(app_client: httpx.AsyncClient) -> None:
    await register(app_client, "ivan@example.com", "the right password")
    response = await app_client.post("/api/auth/login", json={"email": "ivan@example.com", "password": "the wrong one"})
    assert response.status_code == 401 and response.json()["code"] == "wrong_credentials"


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
