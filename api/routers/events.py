"""Live generation events: server-sent events (SSE) fed by one database watcher per process (api/live_events.py).

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
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from api.deps import (
    BearerDep,
    CurrentUserDep,
    IdPath,
    OwnedJob,
    SessionDep,
    SettingsDep,
    owned_job,
    user_for_token,
)
from api.live_events import LiveEvents, Subscription
from api.schemas import EventsTicket
from api.security import events_audience, issue_events_ticket
from api.streams import StreamSlots
from db.models import Job

router = APIRouter(prefix="/api/calendars/generate", tags=["generations"])

# How often a stream looks at its own connection (gone? heartbeat due? renew?) while no frames come: no database.
WAKE_SECONDS = 0.5
HEARTBEAT_SECONDS = 15.0
RETRY_MILLISECONDS = 2000
HEARTBEAT_FRAME = ": heartbeat\nevent: heartbeat\ndata: {}\n\n"
MAX_STREAM_SECONDS = 600.0  # below the signed URLs' lifetime (presigned_url_ttl, 15 min by default)
RENEW_FRAME = "event: renew\ndata: {}\n\n"


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


def get_live_events(request: Request) -> LiveEvents:
    return request.app.state.live_events


@router.get(
    "/{job_id}/events", summary="Follow a generation live (server-sent events)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}},
                     "description": "Server-sent events: snapshot, status, variant (see the module docs)."}},
)
async def generation_events(
    job: WatchedJob,
    request: Request,
    slots: Annotated[StreamSlots, Depends(get_stream_slots)],
    live: Annotated[LiveEvents, Depends(get_live_events)],
) -> StreamingResponse:
    """Live status and variants of one generation as server-sent events (a full snapshot on every connect)."""
    job_id = job.id
    assert job_id is not None
    slots.take(job.user_id)

    async def stream() -> AsyncIterator[str]:
        with slots.held(job.user_id):
            subscription = live.subscribe(job_id)
            try:
                async for frames in _frames(subscription, request):
                    yield frames
            finally:
                live.unsubscribe(subscription)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache, no-store", "X-Accel-Buffering": "no"})


async def _frames(subscription: Subscription, request: Request) -> AsyncIterator[str]:
    yield f"retry: {RETRY_MILLISECONDS}\n\n"
    opened = last_sent = time.monotonic()
    snapshot_out = False
    while True:
        try:
            async with asyncio.timeout(WAKE_SECONDS):
                frames = await subscription.frames.get()
        except TimeoutError:
            frames = ""
        if frames:
            yield frames
            last_sent, snapshot_out = time.monotonic(), True
        if subscription.ended and subscription.frames.empty():
            return
        if not snapshot_out:  # the snapshot comes first, before any renew or heartbeat
            continue
        if time.monotonic() - opened >= MAX_STREAM_SECONDS:
            yield RENEW_FRAME
            return
        if time.monotonic() - last_sent >= HEARTBEAT_SECONDS:
            yield HEARTBEAT_FRAME
            last_sent = time.monotonic()
        if subscription.frames.empty() and await request.is_disconnected():
            return
