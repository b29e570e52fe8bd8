"""CalendarGenerationWorkflow on the time-skipping server: every path of the story, no real waiting."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
from temporalio.api.enums.v1 import PendingActivityState
from temporalio.client import WorkflowFailureError, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.converter import default as default_converter
from temporalio.exceptions import ApplicationError, CancelledError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from contracts.search_attributes import CALENDAR_PROGRESS
from contracts.selection import MonthPick
from contracts.vocabulary import Stage
from tests.workflows.fake_activities import FakeActivities, variant_id
from workflows.calendar_generation import CalendarGenerationWorkflow
from workflows.models import (
    GenerationInput,
    GenerationResult,
    GenerationStatus,
    RegenerateVariant,
    RetryTuning,
    Selection,
)


def generation_input(**overrides: object) -> GenerationInput:
    values: dict[str, object] = {"job_id": 1, "user_id": 5, "template_id": 9, "photo_ids": [11, 12, 13],
                                 "year": 2027, "max_parallel": 4, "variant_count": 24,
                                 "retry": RetryTuning(max_interval=timedelta(seconds=2))}
    values.update(overrides)
    return GenerationInput(**values)


def twelve(first_number: int = 1) -> Selection:
    return Selection(selections=[MonthPick(variant_id=variant_id(first_number + m), month_number=m + 1)
                                 for m in range(12)])


@asynccontextmanager
async def started(env: WorkflowEnvironment, fakes: FakeActivities, workflow_input: GenerationInput, *,
                  activities: Sequence[Callable[..., Any]] | None = None) -> AsyncIterator[WorkflowHandle]:
    """A run on a worker of its own; a run still open when the test is done is terminated before its worker stops.
    Left open, it would hold the shared time-skipping server: its timers fire while a later test skips time, and
    their workflow tasks, with no worker left to take them, stop the clock for every test after it (a hang)."""
    task_queue = f"test-{uuid.uuid4()}"
    async with Worker(env.client, task_queue=task_queue, workflows=[CalendarGenerationWorkflow],
                      activities=fakes.all() if activities is None else activities):
        handle = await env.client.start_workflow(CalendarGenerationWorkflow.run, workflow_input,
                                                 id=f"calendar-generation-test-{uuid.uuid4()}", task_queue=task_queue)
        try:
            yield handle
        finally:
            with contextlib.suppress(RPCError):  # it has already ended
                await handle.terminate("the test is done")


async def reach(handle: WorkflowHandle, stage: Stage, seconds: float = 30) -> GenerationStatus:
    async with asyncio.timeout(seconds):
        while True:
            status = await handle.query(CalendarGenerationWorkflow.status)
            if status.stage == stage:
                return status
            await asyncio.sleep(0.05)


async def cancel_once_started(handle: WorkflowHandle, seconds: float = 30) -> None:
    """Cancel the run once none of its activities is scheduled but not yet started. On the time-skipping test server
    a cancel whose workflow task races such an activity can leave that task STARTED for good — its refused
    completion is never timed out or redelivered (temporalio/sdk-java#3088, sdk-python#1751) — and a full-suite run
    hung on it; the real server has no such window."""
    async with asyncio.timeout(seconds):
        while any(activity.state != PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
                  for activity in (await handle.describe()).raw_description.pending_activities):
            await asyncio.sleep(0.02)
    await handle.cancel()


async def test_selection_finalizes_and_deletes_the_unselected(time_skipping_env: WorkflowEnvironment) -> None:
    fakes = FakeActivities()
    async with started(time_skipping_env, fakes, generation_input()) as handle:
        status = await reach(handle, Stage.ready_for_selection)
        assert status.variants_ready == 24 and status.progress == 90
        await handle.signal(CalendarGenerationWorkflow.select, twelve())
        result: GenerationResult = await handle.result()
    assert result.stage == Stage.completed and result.calendar_id == 77
    assert fakes.stages == ["training", "generating", "ready_for_selection", "finalizing", "completed"]
    assert [d.keep_selected for d in fakes.deletions] == [True]
    assert fakes.finalized[0].selections == twelve().selections and fakes.rendered == [77]
    assert sorted(r.variant_number for r in fakes.generated) == list(range(1, 25))
    # photos are cycled and every variant gets its own seed
    assert [r.source_photo_id for r in sorted(fakes.generated, key=lambda r: r.variant_number)][:4] == [11, 12, 13, 11]
    assert len({r.seed for r in fakes.generated}) == 24


async def test_no_selection_in_seven_days_expires_and_deletes_everything(
        time_skipping_env: WorkflowEnvironment) -> None:
    fakes = FakeActivities()
    async with started(time_skipping_env, fakes, generation_input()) as handle:
        await reach(handle, Stage.ready_for_selection)
        before = await time_skipping_env.get_current_time()
        result = await handle.result()  # the time-skipping server jumps over the 7 days
        waited = await time_skipping_env.get_current_time() - before
    assert result.stage == Stage.expired
    assert waited >= timedelta(days=7)
    assert [d.keep_selected for d in fakes.deletions] == [False]
    assert fakes.finalized == [] and fakes.stages[-1] == "expired"
    expiry = next(u for u in fakes.updates if u.stage == Stage.ready_for_selection).expires_at
    assert expiry is not None


async def test_early_selection_is_held_until_generation_ends(time_skipping_env: WorkflowEnvironment) -> None:
    fakes = FakeActivities(generation_gate=asyncio.Event())
    async with started(time_skipping_env, fakes, generation_input()) as handle:
        await reach(handle, Stage.generating)
        await handle.signal(CalendarGenerationWorkflow.select, twelve(5))
        assert (await handle.query(CalendarGenerationWorkflow.status)).stage == Stage.generating
        fakes.generation_gate.set()
        result = await handle.result()
    assert result.stage == Stage.completed
    assert {s.variant_id for s in fakes.finalized[0].selections} == {variant_id(n) for n in range(5, 17)}


async def test_an_invalid_selection_is_ignored_and_a_valid_one_still_counts(
        time_skipping_env: WorkflowEnvironment) -> None:
    fakes = FakeActivities()
    async with started(time_skipping_env, fakes, generation_input()) as handle:
        await reach(handle, Stage.ready_for_selection)
        bogus = Selection(selections=[MonthPick(variant_id=9000 + m, month_number=m) for m in range(1, 13)],
                          selection_id="bogus")
        await handle.signal(CalendarGenerationWorkflow.select, bogus)
        async with asyncio.timeout(10):
            while not (status := await handle.query(CalendarGenerationWorkflow.status)).error:
                await asyncio.sleep(0.05)
        assert "not ready variants" in status.error and status.stage == Stage.ready_for_selection
        assert status.selection is not None and status.selection.selection_id == "bogus"
        assert (status.selection.accepted, status.selection.problem_code) == (False, "selection_variant_unknown")
        # the refusal is recorded where the API reads the status from
        async with asyncio.timeout(10):
            while not any(u.error and "selection refused" in u.error for u in fakes.updates):
                await asyncio.sleep(0.05)
        await handle.signal(CalendarGenerationWorkflow.select, twelve())
        assert (await handle.result()).stage == Stage.completed


async def test_regenerate_replaces_one_variant_within_the_limit(time_skipping_env: WorkflowEnvironment) -> None:
    fakes = FakeActivities()
    async with started(time_skipping_env, fakes, generation_input(max_regenerations=1)) as handle:
        await reach(handle, Stage.ready_for_selection)
        accepted = await handle.execute_update(
            CalendarGenerationWorkflow.regenerate_variant,
            RegenerateVariant(variant_id=variant_id(5), custom_prompt="in a sunflower field"))
        assert (accepted.variant_number, accepted.regenerations_left) == (5, 0)
        assert [(m.variant_number, m.regenerating) for m in fakes.marks] == [(5, True)]  # marked before answering
        with pytest.raises(WorkflowUpdateFailedError) as refused:  # over the limit: refused, not dropped
            await handle.execute_update(CalendarGenerationWorkflow.regenerate_variant,
                                        RegenerateVariant(variant_id=variant_id(6)))
        assert isinstance(refused.value.cause, ApplicationError)
        assert refused.value.cause.type == "regeneration_budget_spent"
        async with asyncio.timeout(10):
            while len(fakes.generated) < 25 or (await handle.query(CalendarGenerationWorkflow.status)
                                                ).regenerating_variant_ids:
                await asyncio.sleep(0.05)
        await handle.signal(CalendarGenerationWorkflow.select, twelve())
        assert (await handle.result()).stage == Stage.completed
    regenerated = [r for r in fakes.generated if r.variant_number == 5]
    assert [r.attempt for r in regenerated] == [0, 1]
    assert regenerated[1].custom_prompt == "in a sunflower field"
    assert len(fakes.generated) == 25


async def test_cancel_cleans_up_like_expiry(time_skipping_env: WorkflowEnvironment) -> None:
    fakes = FakeActivities()
    async with started(time_skipping_env, fakes, generation_input()) as handle:
        await reach(handle, Stage.ready_for_selection)
        await handle.cancel()
        with pytest.raises(WorkflowFailureError) as failure:
            await handle.result()
    assert isinstance(failure.value.cause, CancelledError)
    assert [d.keep_selected for d in fakes.deletions] == [False]
    assert fakes.stages[-1] == "cancelled"


async def test_a_rejected_variant_is_replaced_by_a_new_attempt(time_skipping_env: WorkflowEnvironment) -> None:
    fakes = FakeActivities(rejected={(3, 0), (7, 0), (7, 1)})
    async with started(time_skipping_env, fakes, generation_input()) as handle:
        status = await reach(handle, Stage.ready_for_selection)
        await handle.signal(CalendarGenerationWorkflow.select, twelve())
        assert (await handle.result()).stage == Stage.completed
    assert status.variants_ready == 24
    assert sorted((f.variant_number, f.attempt) for f in fakes.failures) == [(3, 0), (7, 0), (7, 1)]
    attempts_of_7 = [r for r in fakes.generated if r.variant_number == 7]
    assert [r.attempt for r in attempts_of_7] == [0, 1, 2] and len({r.seed for r in attempts_of_7}) == 3


async def test_too_few_variants_fail_the_job_with_a_reason(time_skipping_env: WorkflowEnvironment) -> None:
    fakes = FakeActivities(reject_all=True)
    async with started(time_skipping_env, fakes, generation_input(max_variant_replacements=0)) as handle:
        with pytest.raises(WorkflowFailureError) as failure:
            await handle.result()
    assert isinstance(failure.value.cause, ApplicationError)
    assert "0 of 24 variants" in failure.value.cause.message
    assert fakes.stages[-1] == "failed" and "a calendar needs 12" in fakes.updates[-1].error
    assert [d.keep_selected for d in fakes.deletions] == [False]


async def test_training_failure_ends_the_job_failed(time_skipping_env: WorkflowEnvironment) -> None:
    fakes = FakeActivities(fail_training=True)
    async with started(time_skipping_env, fakes, generation_input()) as handle:
        with pytest.raises(WorkflowFailureError) as failure:
            await handle.result()
    assert "could not be used for training" in failure.value.cause.message
    assert fakes.generated == []
    assert fakes.stages == ["training", "failed"]
    assert "could not be used for training" in fakes.updates[-1].error


@pytest.mark.parametrize("max_parallel", [1, 4, 24])
async def test_never_more_than_max_parallel_syntheses(time_skipping_env: WorkflowEnvironment,
                                                      max_parallel: int) -> None:
    fakes = FakeActivities(generation_gate=asyncio.Event())
    async with started(time_skipping_env, fakes, generation_input(max_parallel=max_parallel)) as handle:
        async with asyncio.timeout(20):  # held at the gate, the syntheses pile up to the bound ...
            while fakes.running < max_parallel:
                await asyncio.sleep(0.02)
        await asyncio.sleep(0.3)  # ... and not beyond it, however long they wait
        assert fakes.running == max_parallel
        fakes.generation_gate.set()
        await reach(handle, Stage.ready_for_selection)
        await handle.cancel()
    assert fakes.max_running <= max_parallel
    assert len(fakes.generated) == 24


async def test_progress_climbs_during_generation(time_skipping_env: WorkflowEnvironment) -> None:
    fakes = FakeActivities()
    async with started(time_skipping_env, fakes, generation_input(variant_count=12)) as handle:
        await reach(handle, Stage.ready_for_selection)
        async with asyncio.timeout(10):
            while "ready_for_selection" not in fakes.stages:
                await asyncio.sleep(0.02)
        history = await handle.fetch_history()
        await handle.cancel()
    # Operators watch it climb in the Temporal UI: the run's progress attribute is updated with every variant ...
    upserts = [event.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields
               for event in history.events if event.HasField("upsert_workflow_search_attributes_event_attributes")]
    climbed = [default_converter().payload_converter.from_payload(fields[CALENDAR_PROGRESS.name], int)
               for fields in upserts if CALENDAR_PROGRESS.name in fields]
    assert climbed == [5, *(10 + 80 * ready // 12 for ready in range(13)), 90]
    # ... while the job row hears of the stage once: each variant's synthesis records the progress it makes in the
    # transaction that stores it (activities/job_rows.py, tests/activities/test_variant_progress.py).
    assert [u.progress for u in fakes.updates if u.stage == Stage.generating] == [10]
    ready = next(u for u in fakes.updates if u.stage == Stage.ready_for_selection)
    assert ready.current_step.startswith("Step 4 of 5 · Pick 12") and ready.progress == 90
