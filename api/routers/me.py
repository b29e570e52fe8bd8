"""The caller's own account: the e-mail language, the opt-out from reminders, and erasing it."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.deps import CurrentUserDep, SessionDep, StoredObjectsDep
from api.openapi import raises
from api.problems import GENERATION_RUNNING, ApiProblem
from api.schemas import AccountOut, AccountUpdate
from db.models import User
from services.erasure import erase_account, running_generation

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


@router.delete("", summary="Delete my account and everything in it, for good", status_code=status.HTTP_204_NO_CONTENT)
@raises(GENERATION_RUNNING)
async def delete_account(user: CurrentUserDep, session: SessionDep, objects: StoredObjectsDep) -> None:
    """Photos, generations, variants, calendars, ratings and the account; the objects after the commit. Every token
    of the account stops working with it."""
    running = await running_generation(session, user.id)
    if running is not None:
        raise ApiProblem(GENERATION_RUNNING, f"generation {running} is still running; cancel it first",
                         params={"generation_id": running})
    objects.delete_after_commit(await erase_account(session, user))
