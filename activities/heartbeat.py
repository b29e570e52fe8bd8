"""Keep long activities heartbeating — provider calls, and the scoring queue's CPU work — so a dead worker is noticed
within the heartbeat timeout (not at the activity's own time limit) and cancellation reaches the call."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, ParamSpec, TypeVar

from temporalio import activity
from temporalio.exceptions import ApplicationError

from imaging.providers.base import ImageProvider, JobKind
from ops.metrics import PROVIDER_CALLS, PROVIDER_IN_FLIGHT


class HeartbeatDetails:
    """The latest provider job id, re-sent with every beat so a retry can resume the same (paid) job.

    Heartbeat details can be lost (the SDK throttles beats: a worker killed right after a create may never have
    sent the id), so the id is also kept in the database: `recorded_ref` is what the database knew when this try
    began, and `record(provider_ref)` stores a new one. `started` returns that write, so a provider that awaits
    its callback (Replicate does) has the id stored before it waits; `heartbeating` awaits it in any case.
    """

    def __init__(self, recorded_ref: str | None = None,
                 record: Callable[[str], Awaitable[None]] | None = None) -> None:
        details = activity.info().heartbeat_details
        self.provider_ref: str | None = str(details[0]) if details else recorded_ref
        self._record = record
        self._writes: list[asyncio.Task[None]] = []

    def started(self, provider_ref: str) -> Awaitable[None] | None:
        self.provider_ref = provider_ref
        activity.heartbeat(provider_ref)
        if self._record is None:
            return None
        write = asyncio.ensure_future(self._record_quietly(provider_ref))
        self._writes.append(write)
        return write

    async def flush(self) -> None:
        """Wait for the database writes `started` began."""
        if self._writes:
            await asyncio.gather(*self._writes)

    async def _record_quietly(self, provider_ref: str) -> None:
        assert self._record is not None
        try:
            await self._record(provider_ref)
        except Exception:  # noqa: BLE001 - bookkeeping must not fail a paid job; the heartbeat still has the id
            activity.logger.warning("could not record provider job %s in the database", provider_ref, exc_info=True)


@asynccontextmanager
async def provider_job(details: HeartbeatDetails, provider: ImageProvider, kind: JobKind) -> AsyncIterator[None]:
    """Heartbeat while waiting on a provider job; when the generation is cancelled, stop the paid job too.

    Only then: a worker shutting down also cancels its activities, and so does an attempt that missed its heartbeat
    timeout (a worker that stalled, or was taken for dead and replaced) — in both cases the retry resumes the same
    paid job, so cancelling it would pay for a replacement.
    """
    outcome = "error"  # anything unexpected; narrowed below
    PROVIDER_IN_FLIGHT.labels(kind).inc()
    try:
        async with heartbeating(details):
            try:
                yield
                outcome = "succeeded"
            except asyncio.CancelledError:
                outcome = "cancelled"
                why = activity.cancellation_details()
                asked = why.cancel_requested if why is not None else not activity.is_worker_shutdown()
                if details.provider_ref and asked and not activity.is_worker_shutdown():
                    await provider.cancel(details.provider_ref, kind)
                raise
            except ApplicationError as err:  # provider_failures' verdict: ContentRejected, ProviderError...
                outcome = err.type or outcome
                raise
    finally:
        PROVIDER_IN_FLIGHT.labels(kind).dec()
        PROVIDER_CALLS.labels(kind, outcome).inc()


@asynccontextmanager
async def beating(details: Callable[[], Sequence[Any]], every: float = 1.0) -> AsyncIterator[None]:
    """Heartbeat `details()` every `every` seconds while the block runs. Frequent beats cost nothing (the SDK
    throttles what it sends), let a dead worker be noticed and a cancellation arrive within a second."""
    async def beat() -> None:
        while True:
            activity.heartbeat(*details())
            await asyncio.sleep(every)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()


Params = ParamSpec("Params")
Returned = TypeVar("Returned")


def keeps_beating(run: Callable[Params, Awaitable[Returned]]) -> Callable[Params, Awaitable[Returned]]:
    """An activity with no provider job that heartbeats for as long as it runs: a worker killed under it is noticed
    within the heartbeat timeout the workflow gives it, instead of at its start-to-close limit (minutes)."""
    @functools.wraps(run)
    async def run_beating(*args: Params.args, **kwargs: Params.kwargs) -> Returned:
        async with beating(list):
            return await run(*args, **kwargs)

    return run_beating


@asynccontextmanager
async def heartbeating(details: HeartbeatDetails, every: float = 1.0) -> AsyncIterator[None]:
    try:
        async with beating(lambda: [details.provider_ref] if details.provider_ref else [], every):
            yield
    finally:
        await details.flush()
