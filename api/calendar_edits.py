"""A calendar edit's concurrency contract: the version it names, claimed by one compare-and-set, and the render
started in the worker once the edit is committed (workflows/calendar_render.py), or by the job reconciler when
that start fails."""

from __future__ import annotations

import logging
import re

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.service import RPCError

from api.problems import CALENDAR_EDIT_CONFLICT, CALENDAR_VERSION_REQUIRED, ApiProblem
from api.temporal import TemporalConnection
from db.models import UserCalendar
from services.render_starts import signal_render
from settings import Settings

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


async def start_render(connection: TemporalConnection, settings: Settings, calendar: UserCalendar) -> None:
    """Called after the commit. The edit is stored either way: should Temporal be unreachable now, the answer is the
    same 202 (the calendar shows `rendering`) and the job reconciler starts the render once the calendar has been
    quiet for `reconcile_grace` (activities/reconciler.py)."""
    client = await connection.get()
    if client is None:
        log.warning("render of calendar %s v%s left to the reconciler: Temporal unreachable", calendar.id,
                    calendar.version)
        return
    try:
        await signal_render(client, settings, calendar_id=calendar.id, user_id=calendar.user_id,
                            version=calendar.version)
    except RPCError as err:
        log.warning("render of calendar %s v%s left to the reconciler: %s", calendar.id, calendar.version, err)
