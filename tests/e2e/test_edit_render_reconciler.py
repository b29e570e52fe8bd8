"""An edit's render is never lost: with Temporal unreachable the edit is still accepted (202, `rendering`), and the
job reconciler's pass — real activities, a real Temporal server — renders it once the calendar has been quiet for
the grace; a calendar already rendered is left alone, and a render in flight is told again, not run twice."""

from __future__ import annotations

import asyncio
import io
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import update
from sqlmodel import select
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from activities.reconciler import ReconcilerActivities
from contracts.messages import ReconcileReport
from db.models import CalendarMonth, Template, UploadedFile, UserCalendar, utcnow
from db.session import session_scope
from services.calendar_render import render_and_store
from services.render_starts import signal_render
from testkit.api import register, upload_photos
from testkit.journey import wait_for_render
from testkit.stack import Stack, build_stack
from testkit.temporal import start_dev_server
from workflows.models import calendar_render_workflow_id


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest) -> dict[str, str]:
    """The stack's database: its SQLite file, then a fresh PostgreSQL database."""
    return {"database_url": request.getfixturevalue("postgres_url")} if request.param == "postgres" else {}


async def _rendered_calendar(stack: Stack, headers: dict[str, str]) -> int:
    """A calendar of the customer's photo (12 months) at version 1, rendered, as a finished generation leaves it."""
    [photo] = await upload_photos(stack.api, headers, count=1)
    async with session_scope(stack.deps.sessions) as session:
        owner = await session.get(UploadedFile, photo["id"])
        template = (await session.exec(select(Template))).first()
        assert owner is not None and template is not None
        calendar = UserCalendar(user_id=owner.user_id, template_id=template.id, year=2027)
        session.add(calendar)
        await session.flush()
        session.add_all([CalendarMonth(calendar_id=calendar.id, month=month, file_id=photo["id"])
                         for month in range(1, 13)])
        await session.flush()
        await render_and_store(session, stack.deps.storage, calendar)
        return calendar.id


async def _edit(stack: Stack, headers: dict[str, str], calendar_id: int, title: str) -> dict:
    answer = await stack.api.patch(f"/api/calendars/{calendar_id}", headers={**headers, "If-Match": '"1"'},
                                   json={"title": title})
    assert answer.status_code == 202, answer.text
    return answer.json()


async def _quiet(stack: Stack) -> None:
    """Every calendar untouched for longer than the reconciler's grace."""
    async with session_scope(stack.deps.sessions) as session:
        await session.exec(update(UserCalendar).values(
            updated_at=utcnow() - stack.settings.reconcile_grace - timedelta(minutes=1)))


async def _reconcile(stack: Stack, env: WorkflowEnvironment) -> ReconcileReport:
    return await ActivityEnvironment().run(ReconcilerActivities(stack.deps, env.client).reconcile_jobs)


async def _render_state(stack: Stack, calendar_id: int) -> UserCalendar:
    async with stack.deps.sessions() as session:
        calendar = await session.get(UserCalendar, calendar_id)
    assert calendar is not None
    return calendar


def _cover_words(pdf: bytes) -> list[str]:
    return PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split()


async def test_an_edit_made_while_temporal_is_down_is_rendered_by_the_reconciler(
        tmp_path: Path, dev_server: WorkflowEnvironment, database: dict[str, str]) -> None:
    lost = await start_dev_server()  # the Temporal the API connected to, gone by the time of the edit
    async for stack in build_stack(tmp_path, lost, **database):
        headers = await register(stack.api)
        edited_id, untouched_id = await _rendered_calendar(stack, headers), await _rendered_calendar(stack, headers)
        untouched = await _render_state(stack, untouched_id)
        await lost.shutdown()

        answer = await _edit(stack, headers, edited_id, "Рік без Temporal")
        assert (answer["status"], answer["version"]) == ("rendering", 2)
        stored = (await stack.api.get(f"/api/calendars/{edited_id}", headers=headers)).json()
        assert (stored["status"], stored["title"]) == ("rendering", "Рік без Temporal")

        # Temporal is back (another server: the reconciler's client and the worker use it).
        assert (await _reconcile(stack, dev_server)).renders_requested == []  # edited only now: within the grace
        await _quiet(stack)
        assert (await _reconcile(stack, dev_server)).renders_requested == [edited_id]
        async with replace(stack, env=dev_server).worker():
            done = await wait_for_render(stack.api, headers, edited_id)
        assert (done["status"], done["version"], done["render_error"]) == ("ready", 2, None)
        assert _cover_words((await stack.api.get(done["pdf_url"], headers=headers)).content) == \
            ["Рік", "без", "Temporal", "2027"]

        # Rendered now, like the calendar nobody edited: a later pass asks for nothing.
        await _quiet(stack)
        assert (await _reconcile(stack, dev_server)).renders_requested == []
        assert (await _render_state(stack, untouched_id)).render_revision == untouched.render_revision == 1


async def test_a_render_in_flight_is_signalled_again_not_run_twice(tmp_path: Path,
                                                                   dev_server: WorkflowEnvironment) -> None:
    async for stack in build_stack(tmp_path, dev_server):
        headers = await register(stack.api)
        calendar_id = await _rendered_calendar(stack, headers)
        await _edit(stack, headers, calendar_id, "Один раз")  # no worker yet: the render's run waits for one
        handle = dev_server.client.get_workflow_handle(
            calendar_render_workflow_id(stack.settings.workflow_id_prefix, calendar_id), result_type=int)
        run_id = (await handle.describe()).run_id

        await _quiet(stack)
        assert (await _reconcile(stack, dev_server)).renders_requested == [calendar_id]
        async with stack.worker():
            done = await wait_for_render(stack.api, headers, calendar_id)
            assert (done["status"], done["version"], done["title"]) == ("ready", 2, "Один раз")
            assert await asyncio.wait_for(handle.result(), 30) == 1  # one render, by the run the API started
            assert (await handle.describe()).run_id == run_id

            # Asked once more after that render ended (by a pass that read the row just before it ended): a new run
            # finds the version drawn and draws nothing.
            drawn = await _render_state(stack, calendar_id)
            await signal_render(dev_server.client, stack.settings, calendar_id=calendar_id, user_id=drawn.user_id,
                                version=2)
            assert await asyncio.wait_for(handle.result(), 30) == 1
            assert (await handle.describe()).run_id != run_id
        assert (await _render_state(stack, calendar_id)).render_revision == drawn.render_revision
