"""Keep activities heartbeating — provider calls, the scoring queue's CPU work, the generation's database steps — so a
dead worker is noticed within the heartbeat timeout (not at the activity's own time limit) and cancellation reaches
the call; and fence paid creates, so that a try Temporal has replaced never pays for the job its replacement pays
for."""

from __future__ import annotations

import asyncio
import functools
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, ParamSpec, TypeVar

from temporalio import activity
from temporalio.api.common.v1 import Payloads
from temporalio.api.workflowservice.v1 import RecordActivityTaskHeartbeatRequest
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError

from imaging.providers.base import ImageProvider, JobKind, ProviderError, create_window
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


# Of the heartbeat timeout, what a fenced create leaves unused: time for the create to reach the provider and be
# listed there before the replacing try (if this one stalls right after) looks for it.
CREATE_MARGIN = 0.25


async def live_attempt_seconds(details: Sequence[Any]) -> float:
    """How long this try may still spend on a paid create — the fence against paying twice for one job.

    A try that stalled past its heartbeat timeout (a starved event loop, a paused VM, a cut connection to Temporal)
    has been replaced: the next attempt looks for the job by its tag and, finding none, creates it. Were the stalled
    try then to wake and create as well, the one job would be paid twice. So before a create the try confirms with
    the server that it is still the live attempt — a heartbeat the server answers, not the SDK's throttled
    fire-and-forget one. From the moment that beat was sent the server cannot time the try out, and so no retry can
    start, for a whole heartbeat timeout: a create finished well within it is found by any retry's search.
    """
    info = activity.info()
    if not info.heartbeat_timeout:
        return math.inf  # no heartbeat timeout, no replacement while this try lives
    client = activity.client()
    sent = time.monotonic()
    try:
        answer = await client.workflow_service.record_activity_task_heartbeat(RecordActivityTaskHeartbeatRequest(
            namespace=client.namespace, task_token=info.task_token, identity=client.identity,
            details=Payloads(payloads=activity.payload_converter().to_payloads(list(details)))))
    except RPCError as err:  # NOT_FOUND: timed out and replaced; anything else: unconfirmed, so not live either
        raise ProviderError(f"not creating: this try is not confirmed as the live attempt "
                            f"({err.status.name}: {err.message})") from err
    if answer.cancel_requested:
        raise ProviderError("not creating: the work is being cancelled")
    return info.heartbeat_timeout.total_seconds() * (1 - CREATE_MARGIN) - (time.monotonic() - sent)


@asynccontextmanager
async def beating(details: Callable[[], Sequence[Any]], every: float = 1.0) -> AsyncIterator[None]:
    """Heartbeat `details()` every `every` seconds while the block runs, and fence the paid creates made in it
    (`live_attempt_seconds`, sending the same details). Frequent beats cost nothing (the SDK throttles what it
    sends), let a dead worker be noticed and a cancellation arrive within a second."""
    async def beat() -> None:
        while True:
            activity.heartbeat(*details())
            await asyncio.sleep(every)

    task = asyncio.create_task(beat())
    fence = create_window.set(lambda: live_attempt_seconds(details()))
    try:
        yield
    finally:
        create_window.reset(fence)
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
