"""Accounts: register, log in, log out, reset a forgotten password.

Argon2 runs off the event loop with bounded concurrency (api.security.Passwords). Login, register and reset
requests are rate-limited per IP and per e-mail (api.rate_limits). Login does the same Argon2 work for an unknown
e-mail as for a wrong password, and a reset request answers the same 202 whether or not the account exists (the
e-mail goes out after the answer), so neither tells which e-mails have accounts. Registering a taken e-mail still
answers 409 `email_taken`: a sign-up that hid it would need e-mail verification first (left for later); the
per-IP rate keeps that question slow to ask.
"""

from __future__ import annotations

import logging
from email.message import EmailMessage

from fastapi import APIRouter, BackgroundTasks, status
from sqlalchemy.exc import IntegrityError
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import CurrentUserDep, PasswordsDep, SessionDep, SettingsDep
from api.openapi import raises
from api.problems import EMAIL_TAKEN, RESET_TOKEN_INVALID, WRONG_CREDENTIALS, ApiProblem
from api.rate_limits import LimiterDep
from api.schemas import Accepted, Credentials, PasswordResetConfirm, PasswordResetRequest, TokenOut, UserOut
from api.security import RESET_AUDIENCE, issue_reset_token, issue_token, token_claims
from db.models import User
from services import ledger
from services.mail import compose_password_reset, deliver
from settings import Settings

router = APIRouter(prefix="/api/auth", tags=["auth"])
log = logging.getLogger(__name__)


def _token_for(user: User, settings: Settings) -> TokenOut:
    return TokenOut(access_token=issue_token(user, settings), user=UserOut(id=user.id, email=user.email))


def _taken(email: str) -> ApiProblem:
    return ApiProblem(EMAIL_TAKEN, f"an account for {email} already exists", params={"email": email})


async def _user_by_email(session: AsyncSession, email: str) -> User | None:
    return (await session.exec(select(User).where(func.lower(User.email) == email))).first()


@router.post("/register", summary="Create an account (answers a bearer token)", status_code=status.HTTP_201_CREATED)
@raises(EMAIL_TAKEN)
async def register(body: Credentials, session: SessionDep, settings: SettingsDep, passwords: PasswordsDep,
                   limiter: LimiterDep) -> TokenOut:
    email = body.email.lower()
    await limiter.hit("register", email)
    password_hash = await passwords.hash(body.password)  # before the look-up: a taken e-mail answers no sooner
    if await _user_by_email(session, email):
        raise _taken(email)
    user = User(email=email, password_hash=password_hash)
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
async def login(body: Credentials, session: SessionDep, settings: SettingsDep, passwords: PasswordsDep,
                limiter: LimiterDep) -> TokenOut:
    email = body.email.lower()
    await limiter.hit("login", email)
    user = await _user_by_email(session, email)
    if not await passwords.verify(user, body.password) or user is None:
        raise ApiProblem(WRONG_CREDENTIALS, "wrong email or password")
    return _token_for(user, settings)


@router.post("/logout", summary="Log out everywhere (every token issued so far stops working)",
             status_code=status.HTTP_204_NO_CONTENT)
async def logout(user: CurrentUserDep) -> None:
    user.token_version += 1  # committed by the unit of work before the 204


@router.post("/password-reset", summary="E-mail a password-reset link (answered alike for unknown e-mails)",
             status_code=status.HTTP_202_ACCEPTED)
async def request_password_reset(body: PasswordResetRequest, session: SessionDep, settings: SettingsDep,
                                 limiter: LimiterDep, background: BackgroundTasks) -> Accepted:
    email = body.email.lower()
    await limiter.hit("password_reset", email)
    user = await _user_by_email(session, email)
    if user is not None:
        link = f"{settings.public_url.rstrip('/')}/#/reset/{issue_reset_token(user, settings)}"
        background.add_task(_send_reset, compose_password_reset(user.email, user.language, link, settings.smtp_from),
                            settings)
    return Accepted(detail="if an account has this e-mail, a link to set a new password is on its way")


async def _send_reset(message: EmailMessage, settings: Settings) -> None:
    try:
        log.info("password-reset e-mail sent to %s", await deliver(message, settings))
    except Exception:  # after the answer: nobody to tell but the log; the person asks again
        log.exception("password-reset e-mail could not be sent")


@router.post("/password-reset/confirm", summary="Set a new password with the e-mailed link's token")
@raises(RESET_TOKEN_INVALID)
async def confirm_password_reset(body: PasswordResetConfirm, session: SessionDep, settings: SettingsDep,
                                 passwords: PasswordsDep) -> TokenOut:
    claims = token_claims(body.token, settings, RESET_AUDIENCE)
    user = await session.get(User, claims[0]) if claims else None
    # The link names the token version it was made for: used once (or after a logout), it no longer matches.
    if user is None or claims is None or user.token_version != claims[1]:
        raise ApiProblem(RESET_TOKEN_INVALID, "this password-reset link is invalid, already used or expired")
    user.password_hash = await passwords.hash(body.password)
    user.token_version += 1  # the link, and every session of whoever knew the old password, end here
    return _token_for(user, settings)
