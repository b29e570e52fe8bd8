"""Every ending of a generation settles its reservation exactly once, as the workflow decides it (activity fakes
under the real names; tests/workflows/test_settlement_ledger.py runs the real ledger activities on SQLite and
PostgreSQL). Each test has a time-skipping server of its own: no run another test left behind holds its clock."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import pytest
from temporalio.client import WorkflowFailureError, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from contracts.vocabulary import Stage
from tests.workflows.fake_activities import FakeActivities, variant_id
from tests.workflows.test_calendar_generation import cancel_once_started, generation_input, reach, started, twelve
from workflows.calendar_generation import CalendarGenerationWorkflow
from workflows.models import RegenerateVariant


async def _end(handle: WorkflowHandle) -> None:
    with contextlib.suppress(WorkflowFailureError):  # failed or cancelled: the settlement is what is checked
        await handle.result()


async def _choose(handle: WorkflowHandle) -> None:
    await reach(handle, Stage.ready_for_selection)
    await handle.signal(CalendarGenerationWorkflow.select, twelve())
    await _end(handle)


# (fakes, how the run goes, the settlement it must end with: variants delivered, 0 = refunded in full)
SCENARIOS: dict[str, tuple[Callable[[], FakeActivities], str, int]] = {
    "completed": (FakeActivities, "choose", 24),
    "cancelled after delivery (nothing refunded)": (FakeActivities, "cancel ready_for_selection", 24),
    "calendar not rendered (after delivery)": (lambda: FakeActivities(fail_render=True), "choose", 24),
    "partial delivery (pro rata)": (lambda: FakeActivities(rejected={(1, 0), (2, 0), (3, 0)}), "choose", 21),
    "training refused": (lambda: FakeActivities(fail_training=True), "end", 0),
    "too few variants": (lambda: FakeActivities(reject_all=True), "end", 0),
    "provider account refused": (lambda: FakeActivities(account_refused=True), "end", 0),
    "cancelled while training": (lambda: FakeActivities(training_gate=asyncio.Event()), "cancel training", 0),
    "cancelled while generating": (lambda: FakeActivities(generation_gate=asyncio.Event()),
                                   "cancel generating", 0),
}


@pytest.mark.parametrize("scenario", SCENARIOS)
async def test_every_ending_settles_the_reservation_once(own_time_skipping_env: WorkflowEnvironment,
                                                         scenario: str) -> None:
    make_fakes, course, delivered = SCENARIOS[scenario]
    fakes = make_fakes()
    async with started(own_time_skipping_env, fakes, generation_input(max_variant_replacements=0)) as handle:
        if course.startswith("cancel"):
            await reach(handle, Stage(course.split()[1]))
            await cancel_once_started(handle)
            await asyncio.sleep(0.2)
            for gate in (fakes.training_gate, fakes.generation_gate):
                if gate is not None:
                    gate.set()  # the fakes don't heartbeat: let the held step end by itself
            await _end(handle)
        elif course == "choose":
            await _choose(handle)
        else:
            await _end(handle)
    assert fakes.stages[-1] in {"completed", "failed", "expired", "cancelled"}
    # The first settlement decides (the activity is keyed by the job); a later one may only repeat a refund attempt.
    assert fakes.settlements, "the run ended without settling its reservation"
    assert fakes.settlements[0].delivered == delivered and fakes.settlements[0].total == 24
    assert len(fakes.settlements) == 1


async def test_expiry_after_delivery_refunds_nothing(own_time_skipping_env: WorkflowEnvironment) -> None:
    fakes = FakeActivities()
    async with started(own_time_skipping_env, fakes, generation_input()) as handle:
        await reach(handle, Stage.ready_for_selection)
        await _end(handle)
    assert fakes.stages[-1] == "expired"
    assert [(s.delivered, s.total) for s in fakes.settlements] == [(24, 24)]  # charged on delivery, nothing back


async def test_regenerations_beyond_the_free_ones_are_charged_and_refunded_when_they_fail(
        own_time_skipping_env: WorkflowEnvironment) -> None:
    fakes = FakeActivities(rejected={(2, 1)})
    workflow_input = generation_input(free_regenerations=1, regeneration_price_kopiyky=2000,
                                      max_variant_replacements=0)
    async with started(own_time_skipping_env, fakes, workflow_input) as handle:
        await reach(handle, Stage.ready_for_selection)
        for number in (1, 2):  # the first is free; the second is paid, and its only attempt is refused
            await handle.execute_update(CalendarGenerationWorkflow.regenerate_variant,
                                        RegenerateVariant(variant_id=variant_id(number)))
            async with asyncio.timeout(10):
                while (await handle.query(CalendarGenerationWorkflow.status)).regenerating_variant_ids:
                    await asyncio.sleep(0.05)
        await handle.signal(CalendarGenerationWorkflow.select, twelve())
        await handle.result()
    assert fakes.regeneration_charges == [2] and fakes.regeneration_refunds == [2]


async def test_a_paid_regeneration_the_balance_cannot_cover_is_refused(
        own_time_skipping_env: WorkflowEnvironment) -> None:
    fakes = FakeActivities(balance_short=True)
    workflow_input = generation_input(free_regenerations=0, regeneration_price_kopiyky=2000)
    async with started(own_time_skipping_env, fakes, workflow_input) as handle:
        await reach(handle, Stage.ready_for_selection)
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(CalendarGenerationWorkflow.regenerate_variant,
                                        RegenerateVariant(variant_id=variant_id(1)))
        assert isinstance(refused.value.cause, ApplicationError)
        assert refused.value.cause.type == "insufficient_credit" and "top up 15" in refused.value.cause.message
        status = await handle.query(CalendarGenerationWorkflow.status)
        assert status.regenerations_left == 6 and status.regenerating_variant_ids == []  # nothing was used up
        await cancel_once_started(handle)
        await _end(handle)  # ended while its worker runs: a run left behind would hold the shared server's clock
    assert [r.attempt for r in fakes.generated if r.variant_number == 1] == [0]  # no paid image was started
