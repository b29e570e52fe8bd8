"""Activities without a provider job heartbeat for as long as they run (activities.heartbeat.keeps_beating): the
scoring queue's CPU work takes seconds, and a worker killed under it must be noticed within the heartbeat timeout,
not at the activity's minutes-long time limit (the worker-kill fault tests waited five minutes on it)."""

from __future__ import annotations

import asyncio

from temporalio.testing import ActivityEnvironment

from activities.heartbeat import keeps_beating


async def test_an_activity_that_keeps_beating_heartbeats_until_it_returns() -> None:
    beats: list[tuple[object, ...]] = []
    env = ActivityEnvironment()
    env.on_heartbeat = lambda *details: beats.append(details)

    @keeps_beating
    async def slow_work(seconds: float) -> str:
        await asyncio.sleep(seconds)
        return "measured"

    assert await env.run(slow_work, 2.5) == "measured"
    assert len(beats) >= 2, beats  # one a second while it ran ...
    count = len(beats)
    await asyncio.sleep(1.5)
    assert len(beats) == count  # ... and none once it returned
