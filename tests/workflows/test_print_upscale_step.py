"""The print upscale step (workflows/print_upscale.py) with fake activities: the chosen images are upscaled after
the calendar is made and before it is rendered, and an upscale refused for good never holds the calendar back."""

from __future__ import annotations

import pytest
from temporalio.testing import WorkflowEnvironment

from contracts.vocabulary import Stage
from tests.workflows.fake_activities import FakeActivities
from tests.workflows.test_calendar_generation import generation_input, reach, started, twelve
from workflows.calendar_generation import CalendarGenerationWorkflow


@pytest.mark.parametrize("refused", [False, True], ids=["upscaled", "refused"])
async def test_the_chosen_images_are_upscaled_between_finalize_and_render(
        time_skipping_env: WorkflowEnvironment, refused: bool) -> None:
    fakes = FakeActivities(fail_upscale=refused)
    async with started(time_skipping_env, fakes, generation_input(variant_count=12)) as handle:
        await reach(handle, Stage.ready_for_selection)
        await handle.signal(CalendarGenerationWorkflow.select, twelve())
        result = await handle.result()
    assert fakes.upscaled == [(77, 0)]  # once, for the finalized calendar, before any render
    assert fakes.rendered == [77] and result.stage == Stage.completed and result.error is None
