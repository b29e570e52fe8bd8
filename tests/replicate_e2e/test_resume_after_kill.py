"""A paid job outlives the worker that started it: the next attempt resumes it instead of paying again — through the
heartbeat details, or through the database when those were lost."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

import worker
from activities.synthesis import SynthesisActivities
from activities.training import TrainingActivities
from contracts.messages import TrainModelInput
from db.models import GeneratedCalendarVariant, Job, ModelStatus, Training, VariantStatus
from testkit.fake_replicate.server import FakeReplicate
from testkit.journey import start_generation, wait_for_status
from testkit.replicate_stack import replicate_stack
from testkit.stack import Stack
from tests.replicate_e2e.conftest import variant_input


async def _trainings(stack: Stack) -> list[Training]:
    async with stack.deps.sessions() as session:
        return list((await session.exec(select(Training))).all())


async def _until(condition, seconds: float = 20):  # noqa: ANN001, ANN202
    async with asyncio.timeout(seconds):
        while not (result := await condition()):
            await asyncio.sleep(0.05)
    return result


async def test_a_training_survives_a_worker_shutdown_and_is_paid_once(
    tmp_path: Path, dev_server: WorkflowEnvironment, fake: FakeReplicate, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker, "GRACEFUL_SHUTDOWN", timedelta(0))  # stop now: cut the running training off
    fake.set_training_timing(starting_seconds=0.1, processing_seconds=4.0)
    async with replicate_stack(tmp_path, dev_server, fake) as stack:
        async with stack.worker():
            headers, started = await start_generation(stack.api)
            # Recorded in the database before the activity waits on it.
            [open_training] = await _until(lambda: _trainings(stack))
        [training] = fake.trainings()
        assert open_training.provider_ref == training.id and open_training.status == ModelStatus.training
        assert fake.state.get_job("training", training.id).status in ("starting", "processing")  # not cancelled

        async with stack.worker():
            await wait_for_status(stack.api, headers, started["job_id"], "ready_for_selection", seconds=60)

        assert fake.billed_trainings() == 1
        [finished] = await _trainings(stack)
        assert (finished.id, finished.provider_ref, finished.status) == (open_training.id, training.id, "ready")
        assert finished.cost_usd == pytest.approx(4.0 * 0.001525, rel=0.05)
        assert fake.billed_predictions() == 24


# -- heartbeat details lost: only the database knows the job --------------------------------------------------------


async def test_a_training_whose_heartbeat_was_lost_resumes_from_the_database(
    tmp_path: Path, dev_server: WorkflowEnvironment, fake: FakeReplicate
) -> None:
    fake.set_training_timing(starting_seconds=0.05, processing_seconds=1.0)
    # No webhook URL: a training then carries no tag, so nothing but our own record can find it again.
    async with replicate_stack(tmp_path, dev_server, fake, webhooks=False) as stack:
        request = await _training_input(stack)
        training = TrainingActivities(stack.deps)
        dying = ActivityEnvironment()
        first = asyncio.create_task(dying.run(training.train_model, request))
        await _until(lambda: _trainings(stack))
        dying.worker_shutdown()  # the worker dies (not a cancelled generation: the paid job must live on) …
        first.cancel()  # … and ActivityEnvironment starts the retry with no heartbeat details
        with pytest.raises(asyncio.CancelledError):
            await first

        result = await ActivityEnvironment().run(training.train_model, request)

        [paid] = fake.trainings()
        assert fake.billed_trainings() == 1 and result.model_ref == paid.output["version"]
        [row] = await _trainings(stack)
        assert (row.provider_ref, row.status) == (paid.id, "ready")


async def test_a_variant_whose_heartbeat_was_lost_resumes_from_the_database(
    tmp_path: Path, dev_server: WorkflowEnvironment, fake: FakeReplicate
) -> None:
    fake.set_prediction_timing(starting_seconds=0.05, processing_seconds=1.0)
    async with replicate_stack(tmp_path, dev_server, fake, webhooks=False) as stack:
        request = await variant_input(stack, fake.add_trained_version("calendary/calendary-lora-u1"))
        synthesis = SynthesisActivities(stack.deps)
        dying = ActivityEnvironment()
        first = asyncio.create_task(dying.run(synthesis.generate_variant, request))
        row = await _until(lambda: _variant_row(stack))
        assert (row.status, row.attempt, row.provider_ref) == (VariantStatus.generating, 0, fake.predictions()[0].id)
        dying.worker_shutdown()
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        # Listing fails from now on: had the retry looked for the job instead of reading our record, it would fail.
        fake.faults.fail_next("list_predictions", times=10)

        result = await ActivityEnvironment().run(synthesis.generate_variant, request)

        [paid] = fake.predictions()
        assert fake.billed_predictions() == 1
        row = await _variant_row(stack)
        assert (row.id, row.status, row.provider_ref) == (result.variant_id, VariantStatus.ready, paid.id)
        assert row.cost_usd > 0


async def _training_input(stack: Stack) -> TrainModelInput:
    _, started = await start_generation(stack.api)  # no worker runs: only the job's rows are wanted
    async with stack.deps.sessions() as session:
        job = await session.get(Job, started["job_id"])
    return TrainModelInput(job_id=job.id, user_id=job.user_id, photo_ids=job.photo_ids, photo_set_hash="a1b2c3")


async def _variant_row(stack: Stack) -> GeneratedCalendarVariant | None:
    async with stack.deps.sessions() as session:
        return (await session.exec(select(GeneratedCalendarVariant))).first()
