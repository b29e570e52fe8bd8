"""Accounts: register and log in. Argon2 runs in a worker thread: it is slow on purpose, and must not stall the
event loop (and every other request) while it works."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, status
from sqlalchemy.exc import IntegrityError
from sqlmodel import func, select

from api.deps import SessionDep, SettingsDep
from api.openapi import raises
from api.problems import EMAIL_TAKEN, WRONG_CREDENTIALS, ApiProblem
from api.schemas import Credentials, TokenOut, UserOut
from api.security import hash_password, issue_token, verify_password
from db.models import User
from services import ledger
from settings import Settings

router = APIRouter(prefix="/api/auth", tags=["auth"])


def _token_for(user: User, settings: Settings) -> TokenOut:
    return TokenOut(access_token=issue_token(user.id, settings), user=UserOut(id=user.id, email=user.email))


def _taken(email: str) -> ApiProblem:
    return ApiProblem(EMAIL_TAKEN, f"an account for {email} already exists", params={"email": email})


@router.post("/register", summary="Create an account (answers a bearer token)", status_code=status.HTTP_201_CREATED)
@raises(EMAIL_TAKEN)
async def register(body: Credentials, session: SessionDep, settings: SettingsDep) -> TokenOut:
    email = body.email.lower()
    if (await session.exec(select(User).where(func.lower(User.email) == email))).first():
        raise _taken(email)
    user = User(email=email, password_hash=await asyncio.to_thread(hash_password, body.password))
    session.add(user)
    try:
        await session.flush()
    except IntegrityError:
        raise _taken(email) from None
    if settings.signup_credit_kopiyky:  # committed with the account: no account ever misses its credit
        await ledger.top_up(session, user.id, settings.signup_credit_kopiyky, key=f"signup:{user.id}",
                            note="welcome credit")
    return _token_for(user, settings)


@router.post("/login", summary="Log in (answers a bearer token)")
@raises(WRONG_CREDENTIALS)
async def login(body: Credentials, session: SessionDep, settings: SettingsDep) -> TokenOut:
    user = (await session.exec(select(User).where(User.email == body.email.lower()))).first()
    if user is None or not await asyncio.to_thread(verify_password, user.password_hash, body.password):
        raise ApiProblem(WRONG_CREDENTIALS, "wrong email or password")
    return _token_for(user, settings)
