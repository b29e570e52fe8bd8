"""Activities without a provider job heartbeat for as long as they run (activities.heartbeat.keeps_beating): the
scoring queue's CPU work takes seconds, and a worker killed under it must be noticed within the heartbeat timeout,
not at the activity's minutes-long time limit (the worker-kill fault tests waited five minutes on it)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from temporalio.testing import ActivityEnvironment

from activities.deps import ActivityDeps
from activities.heartbeat import keeps_beating
from activities.jobs import JobActivities
from activities.synthesis import SynthesisActivities
from activities.variants import VariantActivities
from contracts.messages import DeleteVariantsInput, JobUpdate, PlanRequest, RegenerationMark, VariantFailure
from contracts.vocabulary import Stage
from tests.activities.test_variant_progress import _generating_job


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


async def test_the_generations_database_steps_beat_while_they_run(deps: ActivityDeps) -> None:
    """The steps the workflow gives a heartbeat timeout (workflows.models.STEP_HEARTBEAT_TIMEOUT) send beats: an
    activity that never beat would be taken for dead at that timeout however well it was doing."""
    job, photo_id = await _generating_job(deps)
    ref = {"job_id": job.id, "user_id": job.user_id}
    steps: list[tuple[Callable[[Any], Awaitable[Any]], object]] = [
        (JobActivities(deps).load_generation_plan, PlanRequest(**ref, template_id=job.template_id,
                                                              photo_ids=[photo_id])),
        (JobActivities(deps).record_job_update,
         JobUpdate(**ref, stage=Stage.generating, progress=10, current_step="generating")),
        (SynthesisActivities(deps).mark_variant_failed,
         VariantFailure(**ref, template_id=job.template_id, variant_number=1, attempt=0, source_photo_id=photo_id,
                        error="refused")),
        (SynthesisActivities(deps).mark_variant_regenerating,
         RegenerationMark(**ref, variant_number=1, regenerating=True)),
        (VariantActivities(deps).delete_variants, DeleteVariantsInput(**ref, keep_selected=False)),
    ]
    for step, argument in steps:
        beats: list[tuple[object, ...]] = []
        env = ActivityEnvironment()
        env.on_heartbeat = lambda *details, beats=beats: beats.append(details)
        await env.run(step, argument)
        assert beats, f"{step.__name__} sent no heartbeat"
