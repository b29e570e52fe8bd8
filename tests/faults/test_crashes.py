"""Crashed processes: the worker SIGKILLed at seeded random points and in each of the newest workflows (print
upscale, edit render, account erasure), the Temporal server SIGKILLed mid-generation."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from imaging.providers.replicate_upscale import AI_UPSCALE
from testkit.fake_replicate.server import FakeReplicate
from testkit.faults.evidence import OBJECTS_PER_VARIANT
from testkit.faults.lifecycle import life_under_kills
from testkit.faults.scenarios import VARIANTS, temporal_restart, worker_kills
from testkit.faults.stacks import killable_stack, supervised_stack

pytestmark = pytest.mark.e2e

# Twenty kills in all, as two seeded series of ten on stacks of their own: xdist runs them side by side, so the
# suite's longest path is one series (about five minutes), not twenty kills one after another.
KILLS = 10
SERIES = (2026, 2027)


@pytest.mark.parametrize("seed", SERIES)
async def test_worker_sigkills_at_seeded_random_points_lose_and_double_nothing(
        tmp_path: Path, dev_server: WorkflowEnvironment, fake: FakeReplicate, seed: int) -> None:
    async with killable_stack(tmp_path, dev_server, fake) as stack:
        outcomes = await worker_kills(stack, dev_server, fake, runs=KILLS, seed=seed)
    assert len(outcomes) == KILLS
    for outcome in outcomes:
        assert outcome.nothing_lost, outcome
        assert outcome.notes["numbers"] == list(range(1, VARIANTS + 1)), outcome
        # Every variant's objects, nothing left over from an attempt a kill cut short.
        assert outcome.objects == OBJECTS_PER_VARIANT * VARIANTS, outcome
        assert outcome.notes["billed"] == VARIANTS, outcome  # each prediction paid once, a kill never pays again
    killed_in = [outcome.scenario.split("(")[1].split()[0] for outcome in outcomes]
    assert killed_in.count("generating") >= KILLS // 2, f"too few kills landed mid-generation: {killed_in}"


async def test_temporal_server_killed_mid_generation_loses_and_pays_nothing_twice(
        tmp_path: Path, fake: FakeReplicate) -> None:
    async with supervised_stack(tmp_path, fake=fake) as stack:
        outcome = await temporal_restart(stack)
    assert outcome.nothing_lost, outcome
    assert outcome.notes["numbers"] == list(range(1, VARIANTS + 1)), outcome
    assert outcome.objects == OBJECTS_PER_VARIANT * VARIANTS, outcome
    assert outcome.notes["billed"] == VARIANTS, outcome  # every prediction paid once, none replaced


async def test_worker_sigkills_in_print_upscale_edit_render_and_erasure_lose_and_pay_nothing_twice(
        tmp_path: Path, dev_server: WorkflowEnvironment, fake: FakeReplicate) -> None:
    async with killable_stack(tmp_path, dev_server, fake) as stack:
        seen = await life_under_kills(stack, dev_server, fake)
    # Each kill landed inside the activity it aimed at: a later attempt of it is the one that finished.
    assert all(attempt >= 2 for attempt in seen.attempts.values()), seen.attempts
    # Killed mid-upscale: every chosen image upscaled (a preview's 6), each paid once, every page printed from it.
    assert len(seen.upscale_tags) == 6 and set(seen.upscale_tags.values()) == {1}, seen.upscale_tags
    assert all(page["upscaled_with"].startswith(AI_UPSCALE) for page in seen.calendar["render_report"])
    # Killed mid-render: the edit is rendered.
    assert (seen.edited["status"], seen.edited["version"], seen.edited["title"]) == ("ready", 2, "Після збою")
    # Killed mid-erasure: nothing of the customer is left, here or at the provider.
    assert set(seen.after_erasure.values()) <= {401, 404}, seen.after_erasure
    assert seen.objects_left == [] and seen.provider_left == [], (seen.objects_left, seen.provider_left)
    assert seen.erasure is not None and seen.erasure.model_deleted, seen.erasure
