"""Keep long provider calls heartbeating, so a dead worker is noticed quickly and cancellation reaches the call."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from temporalio import activity


class HeartbeatDetails:
    """The latest provider job id, re-sent with every beat so a retry can resume the same (paid) job."""

    def __init__(self) -> None:
        details = activity.info().heartbeat_details
        self.provider_ref: str | None = str(details[0]) if details else None

    def started(self, provider_ref: str) -> None:
        self.provider_ref = provider_ref
        activity.heartbeat(provider_ref)


@asynccontextmanager
async def heartbeating(details: HeartbeatDetails, every: float = 1.0) -> AsyncIterator[None]:
    # Frequent beats cost nothing (the SDK throttles what it sends) and let a cancellation arrive within a second.
    async def beat() -> None:
        while True:
            activity.heartbeat(*([details.provider_ref] if details.provider_ref else []))
            await asyncio.sleep(every)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
