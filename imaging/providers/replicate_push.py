"""Completion pushed by webhooks: a waiting job learns its end within ~0.1 s of the webhook, with no loop per job.

Replicate POSTs each job's final state to our API (api/routers/webhooks.py), which stores it in `webhook_event`.
One `CompletionHub` per worker process stands between those events and every job the process waits on:

- the tail: one task reads the final states stored since its cursor (`WebhookEvents.finals_since`) every
  `push_tail_interval_seconds` while anything waits, and completes the wait of each job it finds. One small indexed
  query per process and interval, however many jobs wait (the status hint it replaces read the table twice a
  second *per job*). A wait that begins after its job's webhook was stored finds it with one lookup
  (`WebhookEvents.final_state`) when it registers;
- the batched reconciler: a webhook can be lost (our API down past Replicate's retries, a network fault). While jobs
  have waited longer than `push_list_interval_seconds`, one task lists the account's newest jobs (`GET
  /v1/predictions`, 100 a page, newest first) down to the oldest job waited on, completes the waits of those found
  final and notes the status of those still running. It lists no more often than once a minute per 100 jobs it
  covers, so it costs at most one read per job in flight a minute, far less with many jobs in flight;
- the wait's own timeout (replicate_waiting.py): a job neither pushed nor listed for `push_read_after_seconds` is
  read once on its own, and the deadlines are judged on those fresh statuses.

Why not Temporal's asynchronous activity completion (the API completing a wait activity by its task token)? It needs
the synthesis split into three activities, task tokens stored per job, and a patched command order in every running
generation; this gives the same latency to the same single activity, which keeps its retry, resume and
never-pay-twice behaviour unchanged. What it costs: the waiting activity keeps its worker slot (an asyncio task
holding nothing but a future), and each worker process reads the event table twenty times a second while it waits
on anything (docs/scaling.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from imaging.providers.base import ProviderError
from imaging.providers.replicate_api import JobKind, JobReader, JobSnapshot
from imaging.providers.replicate_settings import ReplicateSettings

log = logging.getLogger(__name__)
_PAGE_SIZE = 100  # jobs per page of Replicate's list endpoints
_RETRY_AFTER_FAILURE_SECONDS = 1.0


class WebhookEvents(Protocol):
    """Where the webhook route stores what Replicate pushed (activities/webhook_events.py reads our table)."""

    async def finals_since(self, cursor: int | None) -> tuple[int, list[Mapping[str, Any]]]:
        """The final job states stored after `cursor` (None: from now on) and the cursor to pass next time."""
        ...

    async def final_state(self, job_id: str) -> Mapping[str, Any] | None:
        """The newest final state stored for one job, if any."""
        ...


@dataclass
class _Waiter:
    kind: JobKind
    created_at: float  # the job's creation (server clock), for the batched reconciler's lower bound
    future: asyncio.Future[JobSnapshot]
    registered_at: float = field(default_factory=time.monotonic)
    waits: int = 0


class CompletionHub:
    def __init__(self, events: WebhookEvents, jobs: JobReader, settings: ReplicateSettings) -> None:
        self._events = events
        self._jobs = jobs
        self._settings = settings
        self._waiters: dict[str, _Waiter] = {}
        self._listed: dict[str, tuple[float, JobSnapshot]] = {}  # running jobs the reconciler saw: when, as what
        self._cursor: int | None = None
        self._busy = asyncio.Event()  # set while anything waits
        self._tasks: list[asyncio.Task[None]] = []
        self._started = asyncio.Lock()

    async def wait(self, kind: JobKind, job: JobSnapshot, seconds: float) -> JobSnapshot | None:
        """The job's final state as soon as a webhook (or the batched reconciler) tells it, or None after
        `seconds` without news."""
        await self._start()
        waiter = self._waiters.get(job.id)
        if waiter is None:
            created = job.created_at.timestamp() if job.created_at else time.time()
            waiter = self._waiters[job.id] = _Waiter(kind, created, asyncio.get_running_loop().create_future())
            self._busy.set()
        waiter.waits += 1
        try:
            if not waiter.future.done():  # registered first: a webhook stored from now on reaches the tail
                self._finish(await self._stored_final(job.id))
            async with asyncio.timeout(seconds):
                return await asyncio.shield(waiter.future)
        except TimeoutError:
            return None
        finally:
            waiter.waits -= 1
            if not waiter.waits:
                self._waiters.pop(job.id, None)
                if not self._waiters:
                    self._busy.clear()

    def listed(self, job_id: str, within: float) -> JobSnapshot | None:
        """The job as the batched reconciler last listed it, if that was less than `within` seconds ago."""
        seen = self._listed.get(job_id)
        return seen[1] if seen is not None and time.monotonic() - seen[0] < within else None

    async def aclose(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def _start(self) -> None:
        async with self._started:
            if self._tasks:
                return
            # The cursor is taken before the first wait registers, so no event falls between it and the lookup.
            try:
                self._cursor, _ = await self._events.finals_since(None)
            except Exception as exc:  # noqa: BLE001 - the tail takes it later; meanwhile the reads and lists cover
                log.warning("reading webhook events failed: %r", exc)
            self._tasks = [asyncio.create_task(self._tail(), name="replicate-webhook-tail"),
                           asyncio.create_task(self._reconcile(), name="replicate-batched-reconciler")]

    async def _stored_final(self, job_id: str) -> JobSnapshot | None:
        try:
            payload = await self._events.final_state(job_id)
        except Exception as exc:  # noqa: BLE001 - the tail and the reconciler still cover this job
            log.warning("looking up webhooks of %s failed: %r", job_id, exc)
            return None
        return JobSnapshot.from_json(dict(payload)) if payload else None

    def _finish(self, job: JobSnapshot | None) -> None:
        if job is None or job.is_running:
            return
        self._listed.pop(job.id, None)
        waiter = self._waiters.get(job.id)
        if waiter is not None and not waiter.future.done():
            waiter.future.set_result(job)

    async def _tail(self) -> None:
        while True:
            await self._busy.wait()
            try:
                self._cursor, finals = await self._events.finals_since(self._cursor)
                for payload in finals:
                    self._finish(JobSnapshot.from_json(dict(payload)))
            except Exception as exc:  # noqa: BLE001 - a database blip: the next round reads the same events again
                log.warning("reading webhook events failed: %r", exc)
                await asyncio.sleep(_RETRY_AFTER_FAILURE_SECONDS)
            await asyncio.sleep(self._settings.push_tail_interval_seconds)

    async def _reconcile(self) -> None:
        interval = self._settings.push_list_interval_seconds
        while True:
            await self._busy.wait()
            await asyncio.sleep(interval)
            pages, retry_after = 0, 0.0
            for kind in ("prediction", "training"):
                try:
                    pages += await self._reconcile_kind(kind)
                except ProviderError as exc:  # throttled or down: the waits' own reads remain
                    log.warning("listing %ss failed: %s", kind, exc)
                    retry_after = max(retry_after, exc.retry_after or 0.0)
            # At most one page a minute per job in flight: the budget of one read per job in flight a minute; and
            # never before a 429's Retry-After.
            interval = max(self._settings.push_list_interval_seconds, 60.0 * pages / max(len(self._waiters), 1),
                           retry_after)

    async def _reconcile_kind(self, kind: JobKind) -> int:
        """List the newest jobs of one kind down to the oldest one waited on for a while; the pages read."""
        quiet_since = time.monotonic() - self._settings.push_list_interval_seconds / 2
        waiting = {job_id: w for job_id, w in self._waiters.items()
                   if w.kind == kind and not w.future.done() and w.registered_at <= quiet_since}
        if not waiting:
            return 0
        oldest = min(w.created_at for w in waiting.values())
        max_pages = min(self._settings.push_list_max_pages, math.ceil(len(waiting) / _PAGE_SIZE) + 1)
        pages = found = 0
        self._listed = {k: v for k, v in self._listed.items() if k in self._waiters}
        async for page in self._jobs.pages(kind, max_pages=max_pages):
            pages += 1
            for job in page:
                if job.id in waiting:
                    found += 1
                    self._listed[job.id] = (time.monotonic(), job)
                    self._finish(job)
            if found == len(waiting) or any(j.created_at and j.created_at.timestamp() < oldest for j in page):
                break
        return pages
