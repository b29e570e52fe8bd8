"""Accounts: sign up and confirm the e-mail, log in, log out, reset a forgotten password.

Argon2 runs off the event loop with bounded concurrency (api.security.Passwords). Login, register and reset
requests are rate-limited per IP and per e-mail (api.rate_limits). No answer tells which e-mails have accounts:
- register answers the same 202 after the same Argon2 work whether or not the e-mail is taken. A new e-mail gets an
  unconfirmed account and a confirmation link (`#/verify/<token>`); a taken one changes nothing in the database, and
  its owner is e-mailed that someone tried to sign up (sign in, or reset the password). The e-mails go out after the
  answer.
- verify (the link's token) confirms the e-mail, grants the welcome credit (so an address nobody reads earns none)
  and signs in. The token names the account's token version, which confirming increments: the link works once.
- login answers an unconfirmed account exactly as a wrong password (code, message, Argon2 work): otherwise
  register-then-login would tell whether the e-mail was taken. It does the same work for an unknown e-mail too.
- a reset request answers the same 202 whether or not the account exists; a completed reset proves the person reads
  the address, so it confirms the e-mail as well.
"""

from __future__ import annotations

import logging
from email.message import EmailMessage

from fastapi import APIRouter, BackgroundTasks, status
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import CurrentUserDep, PasswordsDep, SessionDep, SettingsDep
from api.openapi import raises
from api.problems import RESET_TOKEN_INVALID, VERIFICATION_TOKEN_INVALID, WRONG_CREDENTIALS, ApiProblem
from api.rate_limits import LimiterDep
from api.schemas import (
    Accepted,
    Credentials,
    EmailVerification,
    PasswordResetConfirm,
    PasswordResetRequest,
    Registration,
    TokenOut,
    UserOut,
)
from api.security import (
    RESET_AUDIENCE,
    VERIFICATION_AUDIENCE,
    issue_reset_token,
    issue_token,
    issue_verification_token,
    token_claims,
)
from db.models import User, utcnow
from services import ledger
from services.mail import AccountMail, compose_account_mail, deliver
from settings import Settings

router = APIRouter(prefix="/api/auth", tags=["auth"])
log = logging.getLogger(__name__)


def _token_for(user: User, settings: Settings) -> TokenOut:
    return TokenOut(access_token=issue_token(user, settings), user=UserOut(id=user.id, email=user.email))


async def _user_by_email(session: AsyncSession, email: str) -> User | None:
    return (await session.exec(select(User).where(func.lower(User.email) == email))).first()


@router.post("/register", summary="Sign up: e-mails a confirmation link (answered alike for taken e-mails)",
             status_code=status.HTTP_202_ACCEPTED)
async def register(body: Registration, session: SessionDep, settings: SettingsDep, passwords: PasswordsDep,
                   limiter: LimiterDep, background: BackgroundTasks) -> Accepted:
    email = body.email.lower()
    await limiter.hit("register", email)
    password_hash = await passwords.hash(body.password)  # before the look-up: a taken e-mail answers no sooner
    owner = await _user_by_email(session, email)
    if owner is None:
        user = User(email=email, password_hash=password_hash, language=body.language)
        session.add(user)
        # Two sign-ups of one new e-mail at the same moment: the unique index refuses the second here (409
        # write_conflict), which tells its sender nothing about accounts made earlier.
        await session.flush()
        _mail_after_answer(background, AccountMail.signup_confirmation, user,
                           _link(settings, f"verify/{issue_verification_token(user, settings)}"), settings)
    else:
        _mail_after_answer(background, AccountMail.signup_attempt, owner, _link(settings, "forgot"), settings)
    return Accepted(detail="check your e-mail to finish signing up")


@router.post("/verify", summary="Confirm the e-mail with the link's token (signs in; grants the welcome credit)")
@raises(VERIFICATION_TOKEN_INVALID)
async def verify_email(body: EmailVerification, session: SessionDep, settings: SettingsDep) -> TokenOut:
    user = await _user_of_link(session, body.token, settings, VERIFICATION_AUDIENCE)
    if user is None:
        raise ApiProblem(VERIFICATION_TOKEN_INVALID,
                         "this confirmation link is invalid, already used or expired; if the e-mail is confirmed, "
                         "sign in")
    await _confirm_email(session, user, settings)
    user.token_version += 1  # the link has done its work: a second use finds the version changed
    return _token_for(user, settings)


async def _user_of_link(session: AsyncSession, token: str, settings: Settings, audience: str) -> User | None:
    """The user an e-mailed link's token names, while the token is valid for `audience` and unused: it names the
    token version it was made for, which using the link (or a logout) increments."""
    claims = token_claims(token, settings, audience)
    user = await session.get(User, claims[0]) if claims else None
    return user if user is not None and claims is not None and user.token_version == claims[1] else None


async def _confirm_email(session: AsyncSession, user: User, settings: Settings) -> None:
    """Marks the e-mail confirmed, and grants the welcome credit the first time (its key makes a repeat a no-op)."""
    if user.email_verified_at is not None:
        return
    user.email_verified_at = utcnow()
    if settings.signup_credit_kopiyky:  # committed with the confirmation: no confirmed account misses its credit
        await ledger.top_up(session, user.id, settings.signup_credit_kopiyky, key=f"signup:{user.id}",
                            note="welcome credit")


def _link(settings: Settings, route: str) -> str:
    return f"{settings.public_url.rstrip('/')}/#/{route}"


@router.post("/login", summary="Log in (answers a bearer token)")
@raises(WRONG_CREDENTIALS)
async def login(body: Credentials, session: SessionDep, settings: SettingsDep, passwords: PasswordsDep,
                limiter: LimiterDep) -> TokenOut:
    email = body.email.lower()
    await limiter.hit("login", email)
    user = await _user_by_email(session, email)
    # An unconfirmed account answers as a wrong password, after the same work: else register-then-login would
    # tell whether the e-mail had an account already.
    if not await passwords.verify(user, body.password) or user is None or user.email_verified_at is None:
        raise ApiProblem(WRONG_CREDENTIALS, "wrong e-mail or password, or the e-mail is not confirmed yet")
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
        _mail_after_answer(background, AccountMail.password_reset, user,
                           _link(settings, f"reset/{issue_reset_token(user, settings)}"), settings)
    return Accepted(detail="if an account has this e-mail, a link to set a new password is on its way")


def _mail_after_answer(background: BackgroundTasks, kind: AccountMail, user: User, link: str,
                       settings: Settings) -> None:
    """Composed now, in the user's language; sent after the answer, so how long sending takes tells nothing."""
    message = compose_account_mail(kind, user.email, user.language, link, settings.smtp_from)
    background.add_task(_send, kind, message, settings)


async def _send(kind: AccountMail, message: EmailMessage, settings: Settings) -> None:
    try:
        log.info("%s e-mail sent to %s", kind, await deliver(message, settings))
    except Exception:  # after the answer: nobody to tell but the log; the person asks again
        log.exception("%s e-mail could not be sent", kind)


@router.post("/password-reset/confirm", summary="Set a new password with the e-mailed link's token")
@raises(RESET_TOKEN_INVALID)
async def confirm_password_reset(body: PasswordResetConfirm, session: SessionDep, settings: SettingsDep,
                                 passwords: PasswordsDep) -> TokenOut:
    user = await _user_of_link(session, body.token, settings, RESET_AUDIENCE)
    if user is None:
        raise ApiProblem(RESET_TOKEN_INVALID, "this password-reset link is invalid, already used or expired")
    user.password_hash = await passwords.hash(body.password)
    await _confirm_email(session, user, settings)  # the link reached the address: it is the person's
    user.token_version += 1  # the link, and every session of whoever knew the old password, end here
    return _token_for(user, settings)
