"""A calendar edit's concurrency contract: the version it names, claimed by one compare-and-set, and the render
started in the worker once the edit is committed (workflows/calendar_render.py)."""

from __future__ import annotations

import logging
import re

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client
from temporalio.service import RPCError

from api.problems import CALENDAR_EDIT_CONFLICT, CALENDAR_VERSION_REQUIRED, WORKFLOW_SERVICE_UNAVAILABLE, ApiProblem
from db.models import UserCalendar
from services.generations import retry_tuning
from settings import Settings
from workflows.models import (
    CALENDAR_EDITED_SIGNAL,
    CALENDAR_RENDER_WORKFLOW_NAME,
    CalendarEdited,
    CalendarRenderInput,
    calendar_render_workflow_id,
)

log = logging.getLogger(__name__)
_ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,10})"?\s*$')


def version_etag(version: int) -> str:
    return f'"{version}"'


def edited_version(if_match: str | None, body_version: int | None) -> int:
    """The version an edit was made on: `If-Match: "3"` (an ETag as GET answers it) or the body's `version`."""
    header = None
    if if_match is not None:
        found = _ETAG.match(if_match)
        if found is None:
            raise ApiProblem(CALENDAR_VERSION_REQUIRED, f'If-Match must be the calendar\'s ETag, "<version>"; '
                                                        f"got {if_match[:40]!r}")
        header = int(found.group(1))
    if header is not None and body_version is not None and header != body_version:
        raise ApiProblem(CALENDAR_VERSION_REQUIRED, f"If-Match names version {header} but the body {body_version}; "
                                                    "send one version")
    version = header if header is not None else body_version
    if version is None:
        raise ApiProblem(CALENDAR_VERSION_REQUIRED, "send the version you edit: If-Match: \"<version>\" (the ETag of "
                                                    "GET /api/calendars/{id}) or `version` in the body")
    return version


async def claim_version(session: AsyncSession, calendar: UserCalendar, expected: int) -> None:
    """One conditional UPDATE moves the calendar from `expected` to the next version. Of two edits made on the same
    version the second finds no such row — on PostgreSQL it waits for the first's commit and then re-reads, on
    SQLite the transactions run one after the other — and is refused with nothing changed."""
    # Nothing is written yet: end the transaction that read the calendar, so the UPDATE begins the next one. SQLite
    # then waits for the write lock and reads the latest version, instead of failing the loser with "database is
    # locked" because its snapshot predates the winner's commit.
    await session.commit()
    claimed = await session.exec(update(UserCalendar).where(
        col(UserCalendar.id) == calendar.id, col(UserCalendar.version) == expected,
    ).values(version=expected + 1).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        await session.refresh(calendar)
        raise ApiProblem(CALENDAR_EDIT_CONFLICT,
                         f"calendar {calendar.id} is at version {calendar.version}, not {expected}: it was changed "
                         "meanwhile; read it again and repeat the edit", params={"current_version": calendar.version,
                                                                                  "sent_version": expected})
    await session.refresh(calendar)  # the ORM's copy holds the claimed version, so a flush never writes it back


async def start_render(client: Client, settings: Settings, calendar: UserCalendar) -> None:
    """Signal-with-start: a render running for this calendar is told about the new version, otherwise one starts.
    Called after the commit: should Temporal fail here, the edit stays stored and the answer (503) says how to
    render it — an edit with no changes, just `version`."""
    try:
        await client.start_workflow(
            CALENDAR_RENDER_WORKFLOW_NAME, CalendarRenderInput(calendar_id=calendar.id, user_id=calendar.user_id,
                                                               retry=retry_tuning(settings)),
            id=calendar_render_workflow_id(settings.workflow_id_prefix, calendar.id), task_queue=settings.task_queue,
            start_signal=CALENDAR_EDITED_SIGNAL, start_signal_args=[CalendarEdited(version=calendar.version)],
            static_summary=f"customer {calendar.user_id}: render calendar {calendar.id} v{calendar.version}")
    except RPCError as err:
        log.warning("render of calendar %s v%s not started: %s", calendar.id, calendar.version, err)
        raise ApiProblem(WORKFLOW_SERVICE_UNAVAILABLE,
                         f"the edit is stored as version {calendar.version}, but its render could not be started; "
                         f"send an edit with version {calendar.version} and no changes to render it",
                         params={"version": calendar.version}) from None
