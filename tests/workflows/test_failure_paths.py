"""The workflow's failure paths on the time-skipping server: cancels at every stage, refusals, outages.

The same paths run with the real activities on SQLite and PostgreSQL in tests/faults/.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from temporalio.client import WorkflowFailureError, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError, CancelledError
from temporalio.testing import WorkflowEnvironment

from contracts.selection import MonthPick
from contracts.vocabulary import Stage
from tests.workflows.fake_activities import FakeActivities, variant_id
from tests.workflows.test_calendar_generation import cancel_once_started, generation_input, reach, started, twelve
from workflows.calendar_generation import CalendarGenerationWorkflow
from workflows.models import STEP_HEARTBEAT_TIMEOUT, RegenerateVariant, Selection


async def test_a_cancel_after_the_selection_was_accepted_finishes_the_calendar(
        time_skipping_env: WorkflowEnvironment) -> None:
    fakes = FakeActivities(finalize_gate=asyncio.Event())
    async with started(time_skipping_env, fakes, generation_input()) as handle:
        await reach(handle, Stage.ready_for_selection)
        await handle.signal(CalendarGenerationWorkflow.select, twelve())
        await reach(handle, Stage.finalizing)
        await cancel_once_started(handle)
        async with asyncio.timeout(10):
            while not (await handle.query(CalendarGenerationWorkflow.status)).cancel_refused:
                await asyncio.sleep(0.05)
        fakes.finalize_gate.set()
        result = await handle.result()
    assert (result.stage, result.calendar_id, result.cancel_refused) == (Stage.completed, 77, True)
    assert [d.keep_selected for d in fakes.deletions] == [True]  # the chosen images were never deleted
    assert fakes.rendered == [77] and fakes.stages[-1] == "completed"


@pytest.mark.parametrize("stage", [Stage.training, Stage.generating])
async def test_a_cancel_before_choosing_cleans_up_and_ends_cancelled(
        time_skipping_env: WorkflowEnvironment, stage: Stage) -> None:
    gate = asyncio.Event()  # holds the step the cancel arrives in
    fakes = FakeActivities(training_gate=gate) if stage == Stage.training else FakeActivities(generation_gate=gate)
    async with started(time_skipping_env, fakes, generation_input()) as handle:
        await reach(handle, stage)
        await cancel_once_started(handle)
        await asyncio.sleep(0.2)
        gate.set()  # the fakes don't heartbeat, so the cancel can't reach them: let them end by themselves
        with pytest.raises(WorkflowFailureError) as failure:
            await handle.result()
    assert isinstance(failure.value.cause, CancelledError)
    assert [d.keep_selected for d in fakes.deletions] == [False] and fakes.stages[-1] == "cancelled"
    assert fakes.running == 0  # every synthesis had stopped before the clean-up


async def test_a_refused_provider_account_fails_the_job_without_replacements(
        time_skipping_env: WorkflowEnvironment) -> None:
    fakes = FakeActivities(account_refused=True)
    async with started(time_skipping_env, fakes, generation_input(max_parallel=1)) as handle:
        with pytest.raises(WorkflowFailureError) as failure:
            await handle.result()
    assert isinstance(failure.value.cause, ApplicationError)
    assert "HTTP 402" in failure.value.cause.message and "add credit" in fakes.updates[-1].error
    assert [r.attempt for r in fakes.generated] == [0] * len(fakes.generated)  # no fresh attempt was tried
    assert fakes.failures == [] and fakes.stages[-1] == "failed"


async def test_an_outage_is_retried_and_uses_up_no_replacement(time_skipping_env: WorkflowEnvironment) -> None:
    fakes = FakeActivities(outages={4: 5, 9: 3})
    async with started(time_skipping_env, fakes, generation_input(max_variant_replacements=1)) as handle:
        status = await reach(handle, Stage.ready_for_selection, seconds=60)
        await cancel_once_started(handle)
        # Ended before its worker stops: a run left running would hold the shared time-skipping clock.
        with pytest.raises(WorkflowFailureError):
            await handle.result()
    assert status.variants_ready == 24 and fakes.failures == []
    assert {r.attempt for r in fakes.generated if r.variant_number in (4, 9)} == {0}
    assert len([r for r in fakes.generated if r.variant_number == 4]) == 6  # 5 outages, then success


async def test_a_calendar_that_cannot_be_rendered_fails_but_keeps_the_chosen_months(
        time_skipping_env: WorkflowEnvironment) -> None:
    fakes = FakeActivities(fail_render=True)
    async with started(time_skipping_env, fakes, generation_input()) as handle:
        await reach(handle, Stage.ready_for_selection)
        await handle.signal(CalendarGenerationWorkflow.select, twelve())
        with pytest.raises(WorkflowFailureError):
            await handle.result()
    assert [d.keep_selected for d in fakes.deletions] == [True, True]
    assert fakes.stages[-1] == "failed" and "could not be rendered" in fakes.updates[-1].error


async def test_a_variant_being_regenerated_cannot_be_chosen_or_regenerated_again(
        time_skipping_env: WorkflowEnvironment) -> None:
    fakes = FakeActivities(generation_gate=asyncio.Event(), gate_from_attempt=1)
    async with started(time_skipping_env, fakes, generation_input()) as handle:
        await reach(handle, Stage.ready_for_selection)
        await handle.execute_update(CalendarGenerationWorkflow.regenerate_variant,
                                    RegenerateVariant(variant_id=variant_id(1)))
        with pytest.raises(WorkflowUpdateFailedError) as double_click:
            await handle.execute_update(CalendarGenerationWorkflow.regenerate_variant,
                                        RegenerateVariant(variant_id=variant_id(1)))
        assert isinstance(double_click.value.cause, ApplicationError)
        assert double_click.value.cause.type == "variant_regenerating"
        status = await handle.query(CalendarGenerationWorkflow.status)
        assert status.regenerating_variant_ids == [variant_id(1)]
        # a selection sent meanwhile waits for the regeneration, then counts
        await handle.signal(CalendarGenerationWorkflow.select, Selection(selections=twelve().selections,
                                                                         selection_id="chosen"))
        await asyncio.sleep(0.3)
        assert (await handle.query(CalendarGenerationWorkflow.status)).stage == Stage.ready_for_selection
        fakes.generation_gate.set()
        result = await handle.result()
    assert result.stage == Stage.completed
    assert [(m.variant_number, m.regenerating) for m in fakes.marks] == [(1, True)]


async def test_a_regeneration_the_provider_refuses_keeps_the_old_image(
        time_skipping_env: WorkflowEnvironment) -> None:
    fakes = FakeActivities(rejected={(2, 1), (2, 2), (2, 3)})
    async with started(time_skipping_env, fakes, generation_input()) as handle:
        await reach(handle, Stage.ready_for_selection)
        await handle.execute_update(CalendarGenerationWorkflow.regenerate_variant,
                                    RegenerateVariant(variant_id=variant_id(2)))
        async with asyncio.timeout(10):
            while len(fakes.marks) < 2:
                await asyncio.sleep(0.05)
        await handle.signal(CalendarGenerationWorkflow.select,
                            Selection(selections=[MonthPick(variant_id=variant_id(n + 1), month_number=n + 1)
                                                  for n in range(12)]))
        assert (await handle.result()).stage == Stage.completed
    assert [(m.regenerating, m.error is not None) for m in fakes.marks] == [(True, False), (False, True)]
    assert "previous image is kept" in (fakes.marks[-1].error or "")


async def test_a_database_step_whose_worker_died_is_retried_after_the_step_heartbeat_timeout(
        time_skipping_env: WorkflowEnvironment) -> None:
    """The generation's database steps beat (activities.heartbeat.keeps_beating) and are given a short heartbeat
    timeout: a worker killed under one is taken for dead within it, not at the step's minute-long limit."""
    fakes = FakeActivities(dead_worker_update=True)
    async with started(time_skipping_env, fakes, generation_input()) as handle:
        await reach(handle, Stage.ready_for_selection, seconds=60)
        history = await handle.fetch_history()
    first = next(event for event in history.events if event.HasField("activity_task_scheduled_event_attributes")
                 and event.activity_task_scheduled_event_attributes.activity_type.name == "record_job_update")
    retried = next(event.activity_task_started_event_attributes for event in history.events
                   if event.HasField("activity_task_started_event_attributes")
                   and event.activity_task_started_event_attributes.scheduled_event_id == first.event_id)
    completed = next(event for event in history.events if event.HasField("activity_task_completed_event_attributes")
                     and event.activity_task_completed_event_attributes.scheduled_event_id == first.event_id)
    assert retried.attempt == 2  # (the time-skipping server records no last failure to say which timeout)
    took = completed.event_time.ToDatetime() - first.event_time.ToDatetime()
    assert STEP_HEARTBEAT_TIMEOUT <= took < timedelta(seconds=60), took
    assert fakes.stages[:2] == ["training", "generating"]  # the run went on from the retried step
