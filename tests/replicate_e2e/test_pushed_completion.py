"""Completion pushed end to end: the fake's signed webhooks reach our API's route, the worker's CompletionHub ends
each waiting synthesis from what the route stored — no job is read on its own — and webhooks that never arrive are
caught by the batched reconciler's list pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from testkit.fake_replicate.server import FakeReplicate
from testkit.journey import start_generation, wait_for_status
from testkit.replicate_stack import replicate_stack


@pytest.mark.parametrize("lost", [0, 5])
async def test_webhooks_end_the_waits_and_the_batched_reconciler_catches_lost_ones(
        tmp_path: Path, dev_server: WorkflowEnvironment, fake: FakeReplicate, lost: int) -> None:
    fake.set_prediction_timing(starting_seconds=0.05, processing_seconds=0.3)
    fake.set_training_timing(starting_seconds=0.05, processing_seconds=0.3)
    fake.webhooks.lose_next = lost  # the training's and then predictions' completions
    # No job is read on its own, nor at a deadline, for longer than the test may take on a loaded machine (a minute
    # was not always enough): only a webhook or a list page can end a wait.
    async with replicate_stack(tmp_path, dev_server, fake, replicate={
            "push_read_after_seconds": 600, "push_list_interval_seconds": 1.0, "starting_deadline_seconds": 600,
            "prediction_deadline_seconds": 600, "training_deadline_seconds": 600}) as stack, stack.worker():
        headers, started = await start_generation(stack.api)
        await wait_for_status(stack.api, headers, started["job_id"], "ready_for_selection", seconds=120)

    requests = fake.requests_per_route()
    assert fake.billed_predictions() == stack.settings.variant_count and fake.webhooks.lost == lost
    assert requests["get_prediction"] == requests["get_training"] == 0
    # Every prediction's create was a first try, with no search before it; lost webhooks cost a few list pages
    # (a slow machine may make a pushed wait look long enough to be listed too).
    assert requests["list_predictions"] <= 2 if not lost else 1 <= requests["list_predictions"] <= 4
    assert 1 <= requests["list_trainings"] - 1 <= 2 if lost else requests["list_trainings"] - 1 <= 1
