"""One database watcher per API process for every open live-events stream (api/routers/events.py).

Each stream used to poll the database itself, three statements every 0.5 s: 10,000 open pages were 60,000
statements a second. Here one task per process ticks every `POLL_SECONDS` while any stream is open and reads every
watched job at once — the jobs, then their variants' change keys (plain columns, no images, no links) — in chunks
of at most `JOBS_PER_QUERY` jobs. Only what changed is turned into DTOs: the changed variants of all jobs in one
more query, and the full snapshots of streams that opened since the last tick in one more. So a tick costs at most
four statements per `JOBS_PER_QUERY` watched jobs however many streams watch them (the ETA medians are cached,
services/eta.py), a job watched by several tabs is read once, and a tick reads at most `JOBS_PER_TICK` jobs (in
turn) besides those of streams just opened. Each tick's frames for a job are fanned out to its
streams; a stream that opens gets its snapshot from the same tick (it wakes the watcher at once, so it does not
wait for the next one) and the changes after it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.problems import NOT_FOUND
from api.schemas import CalendarGenerationStatusDto, CalendarVariantDto
from api.views import job_status_dto, ready_count, variants_by_job
from db.models import TERMINAL_JOB_STATUSES, GeneratedCalendarVariant, Job, VariantStatus
from services.eta import Latencies, LatencyMedians
from settings import Settings
from storage import Storage

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5
JOBS_PER_QUERY = 500  # bounds one statement's IN list and result; a tick reads chunk after chunk
# Bounds one tick's work: with more jobs watched, each tick reads the next JOBS_PER_TICK of them in turn (plus the
# jobs of streams waiting for their snapshot), so a change shows up to ceil(watched / JOBS_PER_TICK) ticks late.
JOBS_PER_TICK = 2000

_V = GeneratedCalendarVariant
# What makes a variant worth a new `variant` frame: a new image or attempt, a status, a score, a choice.
_KEY_COLUMNS = (col(_V.generated_file_id), col(_V.attempt), col(_V.status), col(_V.score), col(_V.is_selected),
                col(_V.month_number), col(_V.recommended), col(_V.suggested_month), col(_V.likeness_note))


def frame(event: str, payload: BaseModel | dict) -> str:
    data = payload.model_dump_json() if isinstance(payload, BaseModel) else json.dumps(payload)
    return f"event: {event}\ndata: {data}\n\n"


def _status_key(dto: CalendarGenerationStatusDto) -> tuple:
    return (dto.status, dto.progress, dto.current_step, dto.error, dto.expires_at, dto.generated_calendar_id,
            dto.generated_variants_count, dto.completed_at)


@dataclass(eq=False)
class Subscription:
    """One stream's end of the watcher: the frames of each tick that had any for its job, in order."""

    job_id: int
    frames: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    ended: bool = False  # set with the last frames: the job ended or went away, or the watcher failed
    snapshot_sent: bool = False


@dataclass
class _Watched:
    """A watched job and what its streams were last told (None: nothing yet)."""

    subscriptions: set[Subscription] = field(default_factory=set)
    status: tuple | None = None
    variants: dict[int, tuple] = field(default_factory=dict)


@dataclass
class _Read:
    """One tick's reading of one chunk of watched jobs."""

    jobs: dict[int, Job]
    keys: dict[int, dict[int, tuple]]  # job id -> variant id -> change key


class LiveEvents:
    """One per API process (`app.state.live_events`)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], storage: Storage, medians: LatencyMedians,
                 settings: Settings) -> None:
        self._sessions, self._storage, self._medians, self._settings = sessions, storage, medians, settings
        self._watched: dict[int, _Watched] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._turn = 0  # where the next tick starts reading when more than JOBS_PER_TICK jobs are watched
        self.ticks = 0  # for operators and tests: how many times the database was read

    def subscribe(self, job_id: int) -> Subscription:
        subscription = Subscription(job_id)
        self._watched.setdefault(job_id, _Watched()).subscriptions.add(subscription)
        self._wake.set()  # its snapshot now, not at the next tick
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="live-events watcher")
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        watched = self._watched.get(subscription.job_id)
        if watched is not None:
            watched.subscriptions.discard(subscription)
            if not watched.subscriptions:
                del self._watched[subscription.job_id]

    @property
    def watched_jobs(self) -> int:
        return len(self._watched)

    @property
    def streams_following(self) -> int:
        """Streams that got their snapshot and now get the changes."""
        return sum(s.snapshot_sent for watched in self._watched.values() for s in watched.subscriptions)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while self._watched:  # ends with the last stream; the next subscribe starts it again
            self._wake.clear()
            try:
                await self.tick()
            except Exception:  # a database hiccup: end the streams, the browsers reconnect by themselves
                log.exception("live events stopped for %d generation(s)", len(self._watched))
                for watched in self._watched.values():
                    for subscription in watched.subscriptions:
                        _send(subscription, "", ended=True)
                self._watched.clear()
                return
            with suppress(TimeoutError):
                async with asyncio.timeout(POLL_SECONDS):
                    await self._wake.wait()

    async def tick(self) -> None:
        """Reads every watched job once and hands each stream its frames."""
        self.ticks += 1
        # A fresh session per tick: it sees what the worker has committed since, and none is held between ticks.
        async with self._sessions() as session:
            latencies = await self._medians.recent(session, self._settings.provider)
            for chunk in _chunks(self._due(), JOBS_PER_QUERY):
                await self._tick_chunk(session, chunk, latencies)

    def _due(self) -> list[int]:
        """The jobs this tick reads: all of them, or the next JOBS_PER_TICK in turn and those awaiting a snapshot."""
        watched = list(self._watched)
        if len(watched) <= JOBS_PER_TICK:
            return watched
        start = self._turn % len(watched)
        self._turn = start + JOBS_PER_TICK
        awaiting = [job_id for job_id, w in self._watched.items() if any(not s.snapshot_sent for s in w.subscriptions)]
        return list(dict.fromkeys([*awaiting, *(watched[start:] + watched[:start])[:JOBS_PER_TICK]]))

    async def _tick_chunk(self, session: AsyncSession, job_ids: list[int], latencies: Latencies) -> None:
        read = await _read(session, job_ids)
        changed: dict[int, list[int]] = {}  # job -> variants with a new key, for jobs streams already follow
        fresh: list[int] = []  # jobs with a stream waiting for its snapshot
        for job_id in job_ids:
            watched = self._watched.get(job_id)
            if watched is None or job_id not in read.jobs:
                continue
            if watched.status is not None:
                keys = read.keys.get(job_id, {})
                changed[job_id] = [vid for vid, key in keys.items() if watched.variants.get(vid) != key]
            if any(not s.snapshot_sent for s in watched.subscriptions):
                fresh.append(job_id)
        changed_ids = [vid for ids in changed.values() for vid in ids]
        changed_dtos = await variants_by_job(session, col(_V.id).in_(changed_ids), self._storage, self._settings) \
            if changed_ids else {}
        snapshots = await variants_by_job(session, col(_V.job_id).in_(fresh), self._storage, self._settings) \
            if fresh else {}
        for job_id in job_ids:
            if (watched := self._watched.get(job_id)) is not None:
                self._fan_out(job_id, watched, read, changed_dtos.get(job_id, []),
                              snapshots.get(job_id, []) if job_id in fresh else None, latencies)

    def _fan_out(self, job_id: int, watched: _Watched, read: _Read, changed: list[CalendarVariantDto],
                 snapshot: list[CalendarVariantDto] | None, latencies: Latencies) -> None:
        job = read.jobs.get(job_id)
        if job is None:  # deleted while watched
            gone = NOT_FOUND.body(f"generation {job_id} no longer exists",
                                  params={"resource": "generation", "id": job_id})
            for subscription in watched.subscriptions:
                _send(subscription, frame("gone", gone), ended=True)
            del self._watched[job_id]
            return
        keys = read.keys.get(job_id, {})
        ready = sum(1 for key in keys.values() if key[2] == VariantStatus.ready)
        bare = job_status_dto(job, ready, [], latencies, self._settings)
        updates = [frame("variant", variant) for variant in changed]
        if watched.status is not None and _status_key(bare) != watched.status:
            updates.append(frame("status", bare))
        snapshot_frame = frame("snapshot", job_status_dto(job, ready_count(snapshot), snapshot, latencies,
                                                          self._settings)) if snapshot is not None else ""
        ended = job.status in TERMINAL_JOB_STATUSES
        for subscription in watched.subscriptions:
            if subscription.snapshot_sent:
                if updates or ended:
                    _send(subscription, "".join(updates), ended=ended)
            elif snapshot is not None:
                subscription.snapshot_sent = True
                _send(subscription, snapshot_frame, ended=ended)
            # else: opened while this tick was reading; its snapshot comes with the next tick (it woke the watcher)
        watched.status, watched.variants = _status_key(bare), keys
        if ended:  # nothing more to follow; a stream still waiting for its snapshot gets it from a fresh watch
            waiting = {s for s in watched.subscriptions if not s.snapshot_sent}
            if waiting:
                self._watched[job_id] = _Watched(subscriptions=waiting)
            else:
                del self._watched[job_id]


def _send(subscription: Subscription, text: str, *, ended: bool) -> None:
    subscription.ended = subscription.ended or ended
    subscription.frames.put_nowait(text)


async def _read(session: AsyncSession, job_ids: list[int]) -> _Read:
    jobs = (await session.exec(select(Job).where(col(Job.id).in_(job_ids)))).all()
    # sqlmodel types select() for up to four columns; it takes any number.
    query = select(col(_V.id), col(_V.job_id), *_KEY_COLUMNS)  # type: ignore[call-overload]
    keys: dict[int, dict[int, tuple]] = {}
    for variant_id, job_id, *key in (await session.exec(query.where(col(_V.job_id).in_(job_ids)))).all():
        keys.setdefault(job_id, {})[variant_id] = tuple(key)
    return _Read(jobs={job.id: job for job in jobs if job.id is not None}, keys=keys)


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
