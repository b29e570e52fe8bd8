"""Cancelling a generation also cancels its running Replicate jobs: nothing keeps billing after the customer quit."""

from __future__ import annotations

import asyncio
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from testkit.fake_replicate.server import FakeReplicate
from testkit.journey import start_generation, wait_for_status
from testkit.replicate_stack import replicate_stack


async def test_cancel_during_generation_cancels_the_running_predictions(
        tmp_path: Path, dev_server: WorkflowEnvironment, fake: FakeReplicate) -> None:
    fake.set_training_timing(starting_seconds=0.05, processing_seconds=0.1)
    fake.set_prediction_timing(starting_seconds=0.1, processing_seconds=30)  # far longer than the test
    async with replicate_stack(tmp_path, dev_server, fake) as stack:
        api = stack.api
        async with stack.worker():
            headers, started = await start_generation(api)
            async with asyncio.timeout(30):
                while len(fake.predictions()) < 4:
                    await asyncio.sleep(0.1)
            assert (await api.delete(f"/api/calendars/generate/{started['job_id']}", headers=headers)).status_code \
                == 202
            await wait_for_status(api, headers, started["job_id"], "cancelled", seconds=30)
        statuses = {job.id: fake.state.get_job("prediction", job.id).status for job in fake.predictions()}
        assert statuses and set(statuses.values()) == {"canceled"}, statuses
