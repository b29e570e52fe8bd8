"""The caller's own account: the e-mail language and the opt-out from reminders."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentUserDep, SessionDep
from api.schemas import AccountOut, AccountUpdate
from db.models import User

router = APIRouter(prefix="/api/me", tags=["account"])


def _account(user: User) -> AccountOut:
    return AccountOut(id=user.id, email=user.email, language="en" if user.language == "en" else "uk",
                      email_notifications=user.email_notifications)


@router.get("")
async def get_account(user: CurrentUserDep) -> AccountOut:
    return _account(user)


@router.patch("")
async def update_account(body: AccountUpdate, user: CurrentUserDep, session: SessionDep) -> AccountOut:
    if body.language is not None:
        user.language = body.language
    if body.email_notifications is not None:
        user.email_notifications = body.email_notifications
    session.add(user)
    return _account(user)
