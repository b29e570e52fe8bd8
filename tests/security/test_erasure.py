"""A customer erases a calendar, or the whole account: rows and stored objects go, after the commit; another
customer's data stays; nothing is erased while a generation still runs."""

from __future__ import annotations

import hashlib

from sqlmodel import col, select
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter

from contracts.messages import AccountRef
from db.models import (
    CalendarMonth,
    CalendarRating,
    GeneratedCalendarVariant,
    Job,
    UploadedFile,
    User,
    UserCalendar,
)
from storage import StoredObject
from storage.keys import calendar_page_key, calendar_pdf_key, webp_key
from testkit.api import register, upload_photos
from tests.security.conftest import World
from workflows.models import AccountErasureInput, account_erasure_workflow_id


async def _rendered(world: World) -> list[str]:
    """Gives the owner's calendar a stored PDF and cover page, and its generation a link to it; their keys."""
    storage = world.api.app.state.storage  # type: ignore[attr-defined]
    async with world.api.app.state.sessions() as session:  # type: ignore[attr-defined]
        calendar = await session.get(UserCalendar, world.ids["calendar_id"])
        job = await session.get(Job, world.ids["job_id"])
        assert calendar is not None and job is not None
        owner, calendar_id = calendar.user_id, calendar.id
        page = calendar_page_key(owner, calendar_id, 1, 0)
        keys = [calendar_pdf_key(owner, calendar_id, 1), page, webp_key(page)]
        for key in keys:
            await storage.put(key, b"rendered", "application/octet-stream")
        calendar.pdf_key, calendar.page_keys, calendar.page_webp_keys = keys[0], [page], [keys[2]]
        calendar.job_id = job.id
        job.status, job.calendar_id = "completed", calendar.id
        session.add_all([calendar, job, CalendarRating(user_id=calendar.user_id, calendar_id=calendar.id, stars=5)])
        await session.commit()
    return keys


async def _count(world: World, model: type, **where: int) -> int:
    async with world.api.app.state.sessions() as session:  # type: ignore[attr-defined]
        statement = select(model)
        for name, value in where.items():
            statement = statement.where(col(getattr(model, name)) == value)
        return len((await session.exec(statement)).all())


async def _exists(world: World, key: str) -> bool:
    return await world.api.app.state.storage.exists(key)  # type: ignore[attr-defined]


async def test_deleting_a_calendar_erases_it_and_keeps_its_generation(world: World) -> None:
    keys = await _rendered(world)
    calendar_id = world.ids["calendar_id"]

    assert (await world.api.delete(f"/api/calendars/{calendar_id}", headers=world.owner)).status_code == 204

    assert (await world.api.get(f"/api/calendars/{calendar_id}", headers=world.owner)).status_code == 404
    assert [await _exists(world, key) for key in keys] == [False, False, False]
    assert await _count(world, CalendarMonth, calendar_id=calendar_id) == 0
    assert await _count(world, CalendarRating, calendar_id=calendar_id) == 0
    status = (await world.api.get(f"/api/calendars/generate/{world.ids['job_id']}/status", headers=world.owner)).json()
    assert status["status"] == "completed" and status["generated_calendar_id"] is None
    assert len(status["variants"]) == 1  # the customer's images stay with the generation


async def test_a_calendar_still_being_made_is_not_deleted(world: World) -> None:
    await _rendered(world)
    async with world.api.app.state.sessions() as session:  # type: ignore[attr-defined]
        job = await session.get(Job, world.ids["job_id"])
        assert job is not None
        job.status = "finalizing"
        session.add(job)
        await session.commit()
    refused = await world.api.delete(f"/api/calendars/{world.ids['calendar_id']}", headers=world.owner)
    assert refused.status_code == 409 and refused.json()["code"] == "calendar_render_pending"
    assert await _count(world, UserCalendar, id=world.ids["calendar_id"]) == 1


def _erasure(world: World, account: AccountRef) -> WorkflowHandle:
    return world.temporal.get_workflow_handle(account_erasure_workflow_id(world.settings.workflow_id_prefix, account))


async def _erasure_digests(erasure: WorkflowHandle) -> list[str]:
    """The digests the account's provider erasure was started with (its input, from its history)."""
    [erasure_input] = await pydantic_data_converter.decode(
        (await erasure.fetch_history()).events[0].workflow_execution_started_event_attributes.input.payloads,
        [AccountErasureInput])
    return list(erasure_input.photo_sha256)


async def test_a_photo_stored_before_digests_were_recorded_is_still_named_for_erasure(world: World) -> None:
    storage = world.api.app.state.storage  # type: ignore[attr-defined]
    async with world.api.app.state.sessions() as session:  # type: ignore[attr-defined]
        photo = await session.get(UploadedFile, world.ids["photo_id"])
        assert photo is not None and photo.stored_sha256 is not None
        user = await session.get(User, photo.user_id)
        assert user is not None
        account = AccountRef(user_id=user.id, created_at=user.created_at)
        photo.stored_sha256 = None  # as migration 0015 leaves the rows stored before it
        session.add(photo)
        await session.commit()
        sent = hashlib.sha256((await storage.get(photo.storage_key)).data).hexdigest()
    await _rendered(world)  # the generation has ended: the account may go

    assert (await world.api.delete("/api/me", headers=world.owner)).status_code == 204
    erasure = _erasure(world, account)
    assert sent in await _erasure_digests(erasure)  # read back from storage and hashed, once
    await erasure.terminate("no worker in this test")


async def test_deleting_the_account_erases_everything_of_it_and_nothing_else(world: World) -> None:
    keys = await _rendered(world)
    [other_photo] = await upload_photos(world.api, world.intruder, count=1)
    owner_id = (await world.api.get("/api/me", headers=world.owner)).json()["id"]
    storage = world.api.app.state.storage  # type: ignore[attr-defined]
    owned_keys = keys + await storage.list_keys(f"users/{owner_id}/")
    assert len(owned_keys) >= 4  # the photo and its thumbnail, the PDF and the page

    async with world.api.app.state.sessions() as session:  # type: ignore[attr-defined]
        user = await session.get(User, owner_id)
        assert user is not None
        account = AccountRef(user_id=owner_id, created_at=user.created_at)
        photos = (await session.exec(select(UploadedFile).where(UploadedFile.user_id == owner_id))).all()
    # The stored bytes' digests: what the provider was sent and names its copies by.
    sent = sorted({hashlib.sha256((await storage.get(photo.storage_key)).data).hexdigest() for photo in photos})
    reads: list[str] = []
    read = storage.get

    async def counted(key: str) -> StoredObject:
        reads.append(key)
        return await read(key)

    storage.get = counted
    try:
        assert (await world.api.delete("/api/me", headers=world.owner)).status_code == 204
    finally:
        storage.get = read
    assert reads == []  # named from the rows: no stored photo read back (and hashed) while the customer waits

    assert (await world.api.get("/api/me", headers=world.owner)).status_code == 401
    login = await world.api.post("/api/auth/login", json={"email": "owner@example.com",
                                                          "password": "correct horse battery"})
    assert login.status_code == 401
    for model in (UploadedFile, Job, GeneratedCalendarVariant, UserCalendar, CalendarRating):
        assert await _count(world, model, user_id=owner_id) == 0, model.__name__
    assert await _count(world, User, id=owner_id) == 0
    assert [key for key in owned_keys if await _exists(world, key)] == []
    # What the image provider keeps is erased by the worker: its workflow was started with the account's photos.
    erasure = _erasure(world, account)
    started = await erasure.describe()
    assert (started.workflow_type, started.status) == ("AccountErasureWorkflow", WorkflowExecutionStatus.RUNNING)
    assert sorted(set(await _erasure_digests(erasure))) == sent
    await erasure.terminate("no worker in this test")  # no later test's worker may pick it up
    # The other customer's photo is untouched, and the e-mail can be used again.
    assert (await world.api.get(f"/api/photos/{other_photo['id']}", headers=world.intruder)).status_code == 200
    await register(world.api, "owner@example.com")


async def test_an_account_with_a_running_generation_is_not_deleted(world: World) -> None:
    refused = await world.api.delete("/api/me", headers=world.owner)  # the world's generation is choosing
    assert refused.status_code == 409 and refused.json()["code"] == "generation_running"
    assert refused.json()["params"]["generation_id"] == world.ids["job_id"]
    assert (await world.api.get("/api/me", headers=world.owner)).status_code == 200
    assert (await world.api.get(f"/api/photos/{world.ids['photo_id']}", headers=world.owner)).status_code == 200


async def test_a_photo_is_deleted_once_no_running_generation_and_no_calendar_uses_it(world: World) -> None:
    photo_id, calendar_id = world.ids["photo_id"], world.ids["calendar_id"]
    path = f"/api/photos/{photo_id}"
    # The world's generation is choosing variants made from it.
    in_use = await world.api.delete(path, headers=world.owner)
    assert in_use.status_code == 409 and in_use.json()["code"] == "photo_in_use"
    assert in_use.json()["params"] == {"photo_id": photo_id, "generation_id": world.ids["job_id"]}

    await _rendered(world)  # the generation completed; its calendar shows the photo
    in_calendar = await world.api.delete(path, headers=world.owner)
    assert in_calendar.status_code == 409 and in_calendar.json()["code"] == "photo_in_calendar"
    assert in_calendar.json()["params"] == {"photo_id": photo_id, "calendar_id": calendar_id}
    assert (await world.api.get(path, headers=world.owner)).status_code == 200

    photo_keys = await world.api.app.state.storage.list_keys(  # type: ignore[attr-defined]
        f"users/{(await world.api.get('/api/me', headers=world.owner)).json()['id']}/photos")
    assert photo_keys  # the image and its thumbnails
    assert (await world.api.delete(f"/api/calendars/{calendar_id}", headers=world.owner)).status_code == 204
    assert (await world.api.delete(path, headers=world.owner)).status_code == 204

    assert (await world.api.get(path, headers=world.owner)).status_code == 404
    assert await _count(world, GeneratedCalendarVariant, source_photo_id=photo_id) == 0
    assert await _count(world, UploadedFile, id=photo_id) == 0
    assert [key for key in photo_keys if await _exists(world, key)] == []
    status = (await world.api.get(f"/api/calendars/generate/{world.ids['job_id']}/status", headers=world.owner))
    assert status.status_code == 200 and status.json()["variants"] == []  # the ended generation keeps its row
