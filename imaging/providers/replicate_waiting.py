"""Waiting for a Replicate job to end, within its deadlines: pushed by webhooks when they are configured, else polled.

- Pushed (a webhook URL and a `CompletionHub`, replicate_push.py): the wait ends as soon as the hub hears of the
  job's end; without news for `push_read_after_seconds` (or at a deadline) the job is read once — from the hub's
  batched listing when that is recent, else on its own — and the wait goes on.
- Polled (no webhook URL: nothing would push): adaptive polling (replicate_polling.py), first read when jobs
  usually finish, then backing off.

Either way the deadlines count from the job's server-side `created_at`, so a resumed attempt does not restart the
clock, and are judged only on a status just read (never on one that failed reads left stale: the job may be
done). A job past its deadline is cancelled before we give up on it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from imaging.providers.base import ProviderError, ProviderJobFailed
from imaging.providers.replicate_api import JobKind, JobReader, JobSnapshot
from imaging.providers.replicate_polling import PollSchedule
from imaging.providers.replicate_push import CompletionHub

log = logging.getLogger(__name__)
_MAX_CONSECUTIVE_READ_FAILURES = 5
_MIN_WAIT_SECONDS = 0.05


@dataclass(frozen=True)
class Deadlines:
    starting: float | None  # seconds a job may sit in "starting"; None: only the overall deadline applies
    overall: float


class JobWaiting:
    def __init__(self, jobs: JobReader, schedules: dict[JobKind, PollSchedule], hub: CompletionHub | None,
                 *, read_after_seconds: float) -> None:
        self._jobs = jobs
        self._schedules = schedules
        self._hub = hub
        self._read_after = read_after_seconds

    async def until_finished(self, kind: JobKind, job: JobSnapshot, deadlines: Deadlines) -> JobSnapshot:
        first_seen = time.time()
        failures = 0
        clock = self._schedules[kind].start()
        while job.is_running:
            # created_at is the honest clock across resumed attempts; first_seen covers a missing one.
            age = max(job.age_seconds(), time.time() - first_seen)
            if not failures:
                await self._enforce(kind, job, age, deadlines)
            if self._hub is not None:
                pushed = await self._hub.wait(kind, job, max(_MIN_WAIT_SECONDS, self._until_news(job, age, deadlines)))
                if pushed is not None:
                    log.debug("%s %s: %s, as pushed", kind, job.id, pushed.status)
                    job = pushed
                    break
                listed = self._hub.listed(job.id, within=self._read_after)
                if listed is not None:
                    job, failures = listed, 0
                    continue
            else:
                await asyncio.sleep(clock.next_delay(age))
            try:
                refreshed = await self._jobs.get(kind, job.id)
            except ProviderError as exc:
                # Reading is idempotent: ride out a blip; a longer outage is the caller's retry (with resume_ref).
                failures += 1
                if failures >= _MAX_CONSECUTIVE_READ_FAILURES:
                    raise
                log.warning("reading %s %s failed (%d in a row): %s", kind, job.id, failures, exc)
                # A 429 says when the account may read again; else, when pushed, back off (polling has its clock).
                if exc.retry_after is not None or self._hub is not None:
                    await asyncio.sleep(exc.retry_after or min(self._read_after, 2.0 ** failures))
                continue
            if refreshed is None:
                raise ProviderJobFailed(f"{kind} {job.id} disappeared while we waited on it")
            job, failures = refreshed, 0
        self._schedules[kind].expected.observe(job)
        return job

    def _until_news(self, job: JobSnapshot, age: float, deadlines: Deadlines) -> float:
        """How long to wait for a push before reading the job ourselves: a deadline may come first."""
        limits = [self._read_after, deadlines.overall - age]
        if deadlines.starting is not None and job.status == "starting":
            limits.append(deadlines.starting - age)
        return min(limits)

    async def _enforce(self, kind: JobKind, job: JobSnapshot, age: float, deadlines: Deadlines) -> None:
        if deadlines.starting is not None and job.status == "starting" and age > deadlines.starting:
            await self._jobs.cancel(kind, job.id)
            raise ProviderJobFailed(f"{kind} {job.id} stuck in starting for {age:.1f}s; cancelled it")
        if age > deadlines.overall:
            await self._jobs.cancel(kind, job.id)
            raise ProviderJobFailed(f"{kind} {job.id} still {job.status} after {age:.1f}s; cancelled it")

