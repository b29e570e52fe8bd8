"""Erasure: a customer deletes a calendar, a photo, or the whole account, rows and stored objects alike.

Each function deletes the rows in the caller's transaction (children before parents, so every foreign key holds
at each step) and answers the object keys that were theirs; the caller deletes those objects only after the commit
(api.unit_of_work: `delete_after_commit`), so a failed commit leaves everything as it was, and a crash after it
leaves only unreferenced objects for the sweep — never a row whose object is gone.

What the image provider keeps (trained models, uploaded photos on Replicate) is erased by the worker, which alone
holds the provider's token: `start_account_erasure` starts AccountErasureWorkflow for it.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import delete, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from contracts.messages import AccountRef
from db.files import calendar_object_keys, object_keys
from db.models import (
    TERMINAL_JOB_STATUSES,
    CalendarMonth,
    CalendarRating,
    FileKind,
    FluxModel,
    GeneratedCalendarVariant,
    Job,
    LedgerEntry,
    Quote,
    Training,
    UploadedFile,
    User,
    UserCalendar,
)
from services.generations import retry_tuning
from settings import Settings
from storage import ObjectNotFound, Storage
from workflows.models import ACCOUNT_ERASURE_WORKFLOW_NAME, AccountErasureInput, account_erasure_workflow_id


async def erase_calendar(session: AsyncSession, calendar: UserCalendar) -> list[str]:
    """The calendar, its months and rating; its generation stays (its variants are the customer's images) and
    no longer names it."""
    await session.exec(delete(CalendarRating).where(col(CalendarRating.calendar_id) == calendar.id))
    await session.exec(delete(CalendarMonth).where(col(CalendarMonth.calendar_id) == calendar.id))
    await session.exec(update(Job).where(col(Job.calendar_id) == calendar.id).values(calendar_id=None))
    keys = calendar_object_keys(calendar)
    await session.delete(calendar)
    return keys


async def calendar_showing_photo(session: AsyncSession, photo_id: int) -> int | None:
    """A calendar whose months show the photo or a variant made from it. Calendars are live until deleted (there
    is no other end): such a photo stays until that calendar is deleted."""
    made_from = select(GeneratedCalendarVariant).where(GeneratedCalendarVariant.source_photo_id == photo_id)
    variant_ids = made_from.with_only_columns(col(GeneratedCalendarVariant.id))
    variant_files = made_from.with_only_columns(col(GeneratedCalendarVariant.generated_file_id))
    return (await session.exec(select(CalendarMonth.calendar_id).where(or_(
        col(CalendarMonth.file_id) == photo_id, col(CalendarMonth.variant_id).in_(variant_ids),
        col(CalendarMonth.file_id).in_(variant_files))).limit(1))).first()


async def erase_photo(session: AsyncSession, photo: UploadedFile) -> list[str]:
    """The photo, and the variants made from it with their images (a finished generation's, whose calendar was
    deleted; failed attempts); the caller checked that no running generation and no calendar uses it."""
    variants = (await session.exec(select(GeneratedCalendarVariant).where(
        GeneratedCalendarVariant.source_photo_id == photo.id))).all()
    file_ids = {v.generated_file_id for v in variants if v.generated_file_id is not None} - {photo.id}
    files = (await session.exec(select(UploadedFile).where(col(UploadedFile.id).in_(file_ids)))).all()
    keys = [key for file in [*files, photo] for key in object_keys(file)]
    # Children first: a variant points at its image's row and at the photo.
    await session.exec(delete(GeneratedCalendarVariant).where(
        col(GeneratedCalendarVariant.source_photo_id) == photo.id))
    await session.exec(delete(UploadedFile).where(col(UploadedFile.id).in_(file_ids)))
    await session.delete(photo)
    return keys


async def running_generation(session: AsyncSession, user_id: int) -> int | None:
    """A generation of the user's whose workflow still runs (it would write rows and objects meanwhile)."""
    return (await session.exec(select(Job.id).where(
        Job.user_id == user_id, col(Job.status).not_in(list(TERMINAL_JOB_STATUSES))))).first()


async def erase_account(session: AsyncSession, user: User) -> list[str]:
    """Every row of the user's and the account itself; the caller checked that no generation runs."""
    keys: list[str] = []
    for calendar in (await session.exec(select(UserCalendar).where(UserCalendar.user_id == user.id))).all():
        keys += await erase_calendar(session, calendar)
    files = (await session.exec(select(UploadedFile).where(UploadedFile.user_id == user.id))).all()
    keys += [key for file in files for key in object_keys(file)]
    models = select(FluxModel.id).where(FluxModel.user_id == user.id)
    for statement in (
        # The account's money history goes with it (entries point at its jobs); an operator who must keep accounting
        # records exports them first (docs/operations.md).
        delete(LedgerEntry).where(col(LedgerEntry.user_id) == user.id),
        delete(Quote).where(col(Quote.user_id) == user.id),
        delete(GeneratedCalendarVariant).where(col(GeneratedCalendarVariant.user_id) == user.id),
        delete(Job).where(col(Job.user_id) == user.id),
        delete(Training).where(col(Training.flux_model_id).in_(models)),
        delete(FluxModel).where(col(FluxModel.user_id) == user.id),
        delete(UploadedFile).where(col(UploadedFile.user_id) == user.id),
    ):
        await session.exec(statement)
    await session.delete(user)
    return keys


async def sent_image_digests(session: AsyncSession, storage: Storage, user_id: int) -> list[str]:
    """The SHA-256 of every image of the user's the image provider may have been sent, by which it names its copies
    (`photo-{sha256[:16]}.jpg`): photos and variants are sent as stored, and each row records its stored bytes'
    digest. Only a photo stored before that was recorded (migration 0015) has its object read and hashed here."""
    files = (await session.exec(select(UploadedFile).where(
        UploadedFile.user_id == user_id, col(UploadedFile.kind).in_([FileKind.photo, FileKind.variant])))).all()
    digests = []
    for file in files:
        if file.stored_sha256 is not None:
            digests.append(file.stored_sha256)
        else:
            try:
                digests.append(hashlib.sha256((await storage.get(file.storage_key)).data).hexdigest())
            except ObjectNotFound:  # never stored, so never sent
                continue
    return digests


async def start_account_erasure(client: Client, settings: Settings, account: AccountRef,
                                photo_sha256: list[str]) -> None:
    """Starts AccountErasureWorkflow (the provider's copies); called before the account's deletion commits, and
    it waits for that commit. Raises RPCError when Temporal refuses or can't be reached: then nothing is erased."""
    await client.start_workflow(
        ACCOUNT_ERASURE_WORKFLOW_NAME,
        AccountErasureInput(account=account, photo_sha256=photo_sha256,
                            provider_task_queue=settings.provider_task_queue, retry=retry_tuning(settings),
                            heartbeat_timeout=settings.provider_heartbeat_timeout),
        id=account_erasure_workflow_id(settings.workflow_id_prefix, account), task_queue=settings.task_queue,
        static_summary=f"erase customer {account.user_id} at the image provider")
