"""Two customers on one API: the owner, with a photo, a generation (with a variant) and a calendar; and an intruder."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from pydantic import SecretStr
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from db.models import CalendarMonth, GeneratedCalendarVariant, UserCalendar, VariantStatus
from settings import Settings
from testkit.api import add_job, register, running_api, upload_photos
from testkit.fake_replicate.webhooks import SENDER


@dataclass
class World:
    api: httpx.AsyncClient
    settings: Settings
    owner: dict[str, str]
    intruder: dict[str, str]
    ids: dict[str, int]  # the owner's, by path parameter name: photo_id, job_id, variant_id, calendar_id
    temporal: Client


@pytest.fixture
def secured(database: Settings) -> Settings:
    """The test settings with the webhook route configured (else it answers 503 before any check)."""
    replicate = database.replicate.model_copy(update={"webhook_secret": SecretStr(SENDER.secret)})
    return database.model_copy(update={"replicate": replicate})


@pytest.fixture
async def world(secured: Settings, dev_server: WorkflowEnvironment) -> AsyncIterator[World]:
    # Temporal (no worker): erasing the account starts its provider-side erasure workflow.
    async with running_api(secured, temporal=dev_server.client) as api:
        owner = await register(api, "owner@example.com")
        intruder = await register(api, "intruder@example.com")
        [photo] = await upload_photos(api, owner, count=1)
        job_id = await add_job(api, owner, photo_ids=[photo["id"]], status="ready_for_selection")
        async with api.app.state.sessions() as session:  # type: ignore[attr-defined]
            user_id = (await api.get("/api/me", headers=owner)).json()["id"]
            variant = GeneratedCalendarVariant(user_id=user_id, job_id=job_id, template_id=1,
                                               source_photo_id=photo["id"], variant_number=1,
                                               status=VariantStatus.ready, generated_file_id=photo["id"])
            calendar = UserCalendar(user_id=user_id, template_id=1, year=2027)
            session.add_all([variant, calendar])
            await session.flush()
            session.add_all([CalendarMonth(calendar_id=calendar.id, month=m, file_id=photo["id"])
                             for m in range(1, 13)])
            await session.commit()
            ids = {"photo_id": photo["id"], "job_id": job_id, "variant_id": variant.id, "calendar_id": calendar.id}
        yield World(api=api, settings=secured, owner=owner, intruder=intruder, ids=ids, temporal=dev_server.client)
