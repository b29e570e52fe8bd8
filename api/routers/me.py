"""The caller's own account: the e-mail language, the opt-out from reminders, and erasing it."""

from __future__ import annotations

import logging

from fastapi import APIRouter, status
from temporalio.service import RPCError

from api.deps import CurrentUserDep, SessionDep, SettingsDep, StorageDep, StoredObjectsDep, TemporalDep
from api.openapi import raises
from api.problems import GENERATION_RUNNING, WORKFLOW_SERVICE_UNAVAILABLE, ApiProblem
from api.schemas import AccountOut, AccountUpdate
from contracts.messages import AccountRef
from db.models import User
from services.erasure import erase_account, running_generation, sent_image_digests, start_account_erasure

router = APIRouter(prefix="/api/me", tags=["account"])
log = logging.getLogger(__name__)


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
async def delete_account(user: CurrentUserDep, session: SessionDep, objects: StoredObjectsDep, temporal: TemporalDep,
                         settings: SettingsDep, storage: StorageDep) -> None:
    """Photos, generations, variants, calendars, ratings and the account; the objects after the commit; the trained
    models and uploads at the image provider by the worker (AccountErasureWorkflow). Every token of the account
    stops working with it."""
    running = await running_generation(session, user.id)
    if running is not None:
        raise ApiProblem(GENERATION_RUNNING, f"generation {running} is still running; cancel it first",
                         params={"generation_id": running})
    client = await temporal.client()  # before anything is erased: with Temporal down, 503 and nothing changes
    account = AccountRef(user_id=user.id, created_at=user.created_at)
    digests = await sent_image_digests(session, storage, user.id)
    objects.delete_after_commit(await erase_account(session, user))
    await session.flush()
    # Started before the commit, so a lost start can't leave the provider's copies behind; the workflow waits for
    # this commit and deletes nothing if it never comes.
    try:
        await start_account_erasure(client, settings, account, digests)
    except RPCError as err:
        log.warning("erasure of account %s at the provider not started: %s", account.user_id, err)
        raise ApiProblem(WORKFLOW_SERVICE_UNAVAILABLE, "could not erase the account right now; nothing was deleted, "
                                                       "please try again in a minute") from None
