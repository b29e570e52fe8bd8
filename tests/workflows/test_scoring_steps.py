"""The workflow's scoring steps (workflows/scoring.py) with fake activities: each variant is scored, the likeness
guard replaces a variant that shows no face only within its budget and the variant's attempts (it never loops),
the recommendation is made before the customer chooses, and the customer's prompt reaches every variant."""

from __future__ import annotations

import asyncio

import pytest
from temporalio.testing import WorkflowEnvironment

from contracts.vocabulary import Stage
from tests.workflows.fake_activities import FakeActivities
from tests.workflows.test_calendar_generation import generation_input, reach, started

ALWAYS_FACELESS = {(3, attempt) for attempt in range(10)}


def _attempts(fakes: FakeActivities, number: int) -> list[int]:
    return sorted(r.attempt for r in fakes.generated if r.variant_number == number)


@pytest.mark.parametrize(("budget", "attempts_of_3"), [(0, [0]), (1, [0, 1]), (10, [0, 1, 2])])
async def test_the_guard_replaces_a_faceless_variant_within_its_budget_and_never_loops(
        time_skipping_env: WorkflowEnvironment, budget: int, attempts_of_3: list[int]) -> None:
    fakes = FakeActivities(faceless=ALWAYS_FACELESS)
    workflow_input = generation_input(variant_count=12, likeness_replacements=budget, max_variant_replacements=2)
    async with started(time_skipping_env, fakes, workflow_input) as handle:
        status = await reach(handle, Stage.ready_for_selection)
    assert status.variants_ready == 12
    # the budget, then the variant's attempts (max_variant_replacements + 1) bound the fresh attempts
    assert _attempts(fakes, 3) == attempts_of_3
    assert all(_attempts(fakes, n) == [0] for n in range(1, 13) if n != 3)
    scored_3 = [(s.attempt, s.can_replace) for s in fakes.scored if s.variant_id == 103]
    assert scored_3[-1] == (attempts_of_3[-1], False)  # the last one is kept, flagged: no replacement left
    assert all(can_replace for _, can_replace in scored_3[:-1])
    assert len(fakes.scored) == 12 + len(attempts_of_3) - 1  # every variant, every image scored once
    assert fakes.failures == []  # a flagged variant is never marked failed
    assert fakes.recommendations == 1


async def test_the_customers_prompt_reaches_every_variant(time_skipping_env: WorkflowEnvironment) -> None:
    fakes = FakeActivities()
    async with started(time_skipping_env, fakes, generation_input(variant_count=12,
                                                                  custom_prompt="at the seaside")) as handle:
        await reach(handle, Stage.ready_for_selection)
    assert {r.custom_prompt for r in fakes.generated} == {"at the seaside"}


async def test_a_variant_whose_replacements_are_refused_stays_and_says_it_was_kept(
        time_skipping_env: WorkflowEnvironment) -> None:
    fakes = FakeActivities(faceless={(3, 0)}, rejected={(3, 1), (3, 2)})
    async with started(time_skipping_env, fakes, generation_input(variant_count=12, likeness_replacements=5,
                                                                  max_variant_replacements=2)) as handle:
        status = await reach(handle, Stage.ready_for_selection)
    assert status.variants_ready == 12 and _attempts(fakes, 3) == [0, 1, 2]
    assert [(s.attempt, s.can_replace) for s in fakes.scored if s.variant_id == 103] == [(0, True), (0, False)]
    assert fakes.failures == []  # the provider's refusals of the replacements never mark the kept image failed


async def test_the_model_trains_and_variants_are_made_while_the_reference_faces_are_found(
        time_skipping_env: WorkflowEnvironment) -> None:
    """The faces (seconds, on a scoring queue that many customers share) don't hold up the training (minutes); only
    the first score waits for them."""
    fakes = FakeActivities(references_gate=asyncio.Event())
    async with started(time_skipping_env, fakes, generation_input(variant_count=12)) as handle:
        async with asyncio.timeout(20):
            while len(fakes.generated) < 12:
                await asyncio.sleep(0.05)
        assert fakes.scored == []  # nothing is scored without the customer's faces to compare with
        fakes.references_gate.set()
        status = await reach(handle, Stage.ready_for_selection)
    assert status.variants_ready == 12 and len(fakes.scored) == 12 and fakes.recommendations == 1


async def test_the_scoring_activities_heartbeat_so_a_killed_worker_is_noticed_quickly(
        time_skipping_env: WorkflowEnvironment) -> None:
    workflow_input = generation_input(variant_count=12)
    async with started(time_skipping_env, FakeActivities(), workflow_input) as handle:
        await reach(handle, Stage.ready_for_selection)
        history = await handle.fetch_history()
    scheduled = [event.activity_task_scheduled_event_attributes for event in history.events
                 if event.HasField("activity_task_scheduled_event_attributes")]
    scoring = [a for a in scheduled if a.activity_type.name in ("prepare_reference_faces", "score_variant")]
    assert len(scoring) == 13  # the reference faces and one score per variant
    assert {a.heartbeat_timeout.ToTimedelta() for a in scoring} == {workflow_input.heartbeat_timeout}


async def test_variants_scored_at_once_never_spend_more_than_the_replacement_budget(
        time_skipping_env: WorkflowEnvironment) -> None:
    """Every replacement is a paid synthesis: when many flagged variants are scored at once (here all twelve wait on
    the reference faces together), the budget still bounds the replacements, and the rest stay, saying so."""
    fakes = FakeActivities(faceless={(n, 0) for n in range(1, 13)}, references_gate=asyncio.Event())
    async with started(time_skipping_env, fakes, generation_input(variant_count=12, likeness_replacements=2,
                                                                  max_variant_replacements=2)) as handle:
        async with asyncio.timeout(20):
            while len(fakes.generated) < 12:
                await asyncio.sleep(0.05)
        fakes.references_gate.set()  # all twelve scores are asked for at once
        status = await reach(handle, Stage.ready_for_selection)
    assert status.variants_ready == 12
    replaced = [n for n in range(1, 13) if _attempts(fakes, n) == [0, 1]]
    assert len(replaced) == 2 and all(_attempts(fakes, n) == [0] for n in range(1, 13) if n not in replaced)
    for number in set(range(1, 13)) - set(replaced):  # the last word on each kept one: kept, not being replaced
        assert [s.can_replace for s in fakes.scored if s.variant_id == 100 + number][-1] is False
