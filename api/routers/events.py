"""Live generation events: server-sent events (SSE) fed by polling the database.

`GET /api/calendars/generate/{job_id}/events` streams `text/event-stream`:

* `event: snapshot` — sent first on every connection: the full status DTO with all variants (exactly the body of
  `GET .../status`). A reconnect therefore always starts from a fresh, complete picture with freshly signed image
  URLs; `Last-Event-ID` is not needed and is ignored, so no `id:` lines are sent.
* `event: status` — the status DTO without its variant list (`variants: []`) whenever status, progress, step,
  error, expiry or the number of ready variants changes.
* `event: variant` — one variant DTO the moment a variant is stored, replaced by a regeneration (new image or
  attempt), fails, or is selected.
* a heartbeat every 15 s of silence: a `: heartbeat` comment line (keeps proxies from closing an idle stream) in an
  `event: heartbeat` frame — comments never reach page scripts, the event lets the page notice a stream that went
  silent without closing (a dead network path) and reconnect. `retry:` tells the browser how soon to reconnect.

The stream ends after the job's terminal status (completed, failed, expired, cancelled) has been sent, and when the
client goes away. A stream also ends after `MAX_STREAM_SECONDS` with `event: renew`: the page reconnects at once and
gets a fresh snapshot — image URLs are signed for minutes, not hours — and no connection outlives a server restart's
grace period by much. The workflow writes every change to the database first, so the database is the one source of
truth here, and the stream works while Temporal or the worker is down.

Browsers' `EventSource` cannot send an Authorization header, and a 7-day bearer token in a URL ends up in access
logs and browser history. So the page first asks `POST .../events/ticket` (with its bearer token) for a ticket:
signed for this user and this generation only, good for opening a stream for `events_ticket_ttl` (60 s), revoked
with the user's tokens; the stream takes it as `?ticket=`. A user holds at most `max_streams_per_user` streams at
once (api.streams); one more answers 429 `too_many_streams`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import (
    BearerDep,
    CurrentUserDep,
    IdPath,
    OwnedJob,
    SessionDep,
    SessionFactoryDep,
    SettingsDep,
    StorageDep,
    owned_job,
    user_for_token,
)
from api.problems import NOT_FOUND
from api.schemas import CalendarGenerationStatusDto, EventsTicket
from api.security import events_audience, issue_events_ticket
from api.streams import StreamSlots
from api.views import status_dto, status_dtos, variant_dtos
from db.models import TERMINAL_JOB_STATUSES, GeneratedCalendarVariant, Job
from settings import Settings
from storage import Storage

router = APIRouter(prefix="/api/calendars/generate", tags=["generations"])
log = logging.getLogger(__name__)

POLL_SECONDS = 0.5
HEARTBEAT_SECONDS = 15.0
RETRY_MILLISECONDS = 2000
HEARTBEAT_FRAME = ": heartbeat\nevent: heartbeat\ndata: {}\n\n"
MAX_STREAM_SECONDS = 600.0  # below the signed URLs' lifetime (presigned_url_ttl, 15 min by default)
RENEW_FRAME = "event: renew\ndata: {}\n\n"


def _frame(event: str, payload: BaseModel | dict) -> str:
    data = payload.model_dump_json() if isinstance(payload, BaseModel) else json.dumps(payload)
    return f"event: {event}\ndata: {data}\n\n"


def _status_key(dto: CalendarGenerationStatusDto) -> tuple:
    return (dto.status, dto.progress, dto.current_step, dto.error, dto.expires_at, dto.generated_calendar_id,
            dto.generated_variants_count, dto.completed_at)


def _variant_key(row: GeneratedCalendarVariant) -> tuple:
    return (row.generated_file_id, row.attempt, row.status, row.score, row.is_selected, row.month_number,
            row.recommended, row.suggested_month, row.likeness_note)


class _JobWatcher:
    """Remembers what this connection has sent and turns the database's current state into the next frames."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], job_id: int, storage: Storage,
                 settings: Settings) -> None:
        self._sessions, self._job_id = sessions, job_id
        self._storage, self._settings = storage, settings
        self._status: tuple | None = None
        self._variants: dict[int, tuple] = {}
        self.finished = False

    async def frames(self) -> list[str]:
        # A fresh session per poll: each sees what the worker has committed since, and none is held between polls.
        async with self._sessions() as session:
            job = await session.get(Job, self._job_id)
            if job is None:  # deleted while watched
                self.finished = True
                gone = NOT_FOUND.body(f"generation {self._job_id} no longer exists",
                                      params={"resource": "generation", "id": self._job_id})
                return [_frame("gone", gone)]
            rows = (await session.exec(select(GeneratedCalendarVariant).where(
                GeneratedCalendarVariant.job_id == self._job_id))).all()
            keys = {row.id: _variant_key(row) for row in rows}
            first = self._status is None
            changed = [vid for vid, key in keys.items() if self._variants.get(vid) != key]
            frames: list[str] = []
            if first:
                dto = await status_dto(session, job, self._storage, self._settings)
                frames.append(_frame("snapshot", dto))
            else:
                variants = await variant_dtos(session, self._job_id, self._storage, self._settings) \
                    if changed else None
                [dto] = await status_dtos(session, [job], self._settings)
                for variant in variants or []:
                    if variant.id in changed:
                        frames.append(_frame("variant", variant))
                if _status_key(dto) != self._status:
                    frames.append(_frame("status", dto))
            self._status, self._variants = _status_key(dto), keys
            self.finished = job.status in TERMINAL_JOB_STATUSES
            return frames


async def get_watched_job(
    job_id: IdPath,
    session: SessionDep,
    settings: SettingsDep,
    credentials: BearerDep,
    ticket: Annotated[str | None, Query(max_length=2048, description=(
        "a ticket from POST .../events/ticket, for clients (EventSource) that cannot send an Authorization "
        "header"))] = None,
) -> Job:
    """The caller's job, the caller known by the Authorization header or, for EventSource, the `ticket` query."""
    if credentials:
        user = await user_for_token(session, settings, credentials.credentials)
    else:
        user = await user_for_token(session, settings, ticket, audience=events_audience(job_id))
    return await owned_job(session, job_id, user)


WatchedJob = Annotated[Job, Depends(get_watched_job)]


@router.post("/{job_id}/events/ticket", summary="A short-lived ticket to open this generation's event stream")
async def events_ticket(job: OwnedJob, user: CurrentUserDep, settings: SettingsDep) -> EventsTicket:
    return EventsTicket(ticket=issue_events_ticket(user, job.id, settings),
                        expires_in=int(settings.events_ticket_ttl.total_seconds()))


def get_stream_slots(request: Request) -> StreamSlots:
    return request.app.state.streams


@router.get(
    "/{job_id}/events", summary="Follow a generation live (server-sent events)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}},
                     "description": "Server-sent events: snapshot, status, variant (see the module docs)."}},
)
async def generation_events(
    job: WatchedJob,
    request: Request,
    sessions: SessionFactoryDep,
    storage: StorageDep,
    settings: SettingsDep,
    slots: Annotated[StreamSlots, Depends(get_stream_slots)],
) -> StreamingResponse:
    """Live status and variants of one generation as server-sent events (a full snapshot on every connect)."""
    job_id = job.id
    assert job_id is not None
    watcher = _JobWatcher(sessions, job_id, storage, settings)
    slots.take(job.user_id)

    async def stream() -> AsyncIterator[str]:
        with slots.held(job.user_id):
            async for frames in _frames(watcher, request, job_id):
                yield frames

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache, no-store", "X-Accel-Buffering": "no"})


async def _frames(watcher: _JobWatcher, request: Request, job_id: int) -> AsyncIterator[str]:
    yield f"retry: {RETRY_MILLISECONDS}\n\n"
    opened = last_sent = time.monotonic()
    while True:
        try:
            frames = await watcher.frames()
        except Exception:  # a database hiccup: end the stream, the browser reconnects by itself
            log.exception("live events of generation %s stopped", job_id)
            return
        if frames:
            yield "".join(frames)
            last_sent = time.monotonic()
        if watcher.finished:
            return
        if time.monotonic() - opened >= MAX_STREAM_SECONDS:
            yield RENEW_FRAME
            return
        if time.monotonic() - last_sent >= HEARTBEAT_SECONDS:
            yield HEARTBEAT_FRAME
            last_sent = time.monotonic()
        await asyncio.sleep(POLL_SECONDS)
        if await request.is_disconnected():
            return
