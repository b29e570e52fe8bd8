"""Record the workflow histories the replay tests check (run after an intended, versioned workflow change):

    .venv/bin/python -m tests.workflows.record_histories            # every history
    .venv/bin/python -m tests.workflows.record_histories NAME ...   # only these (older ones stay as recorded)

Histories recorded before a patch keep proving that runs started before it still replay: re-record only new ones.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from testkit.temporal import register_search_attributes, start_time_skipping
from tests.workflows.fake_activities import FakeActivities
from tests.workflows.test_calendar_generation import generation_input, reach, started, twelve
from workflows.calendar_generation import CalendarGenerationWorkflow
from workflows.models import RegenerateRequest, Stage

HISTORIES = Path(__file__).parent / "histories"


async def _save(handle: WorkflowHandle, name: str) -> None:
    history = await handle.fetch_history()
    (HISTORIES / f"{name}.json").write_text(history.to_json())
    print(f"saved {name}: {len(history.events)} events")


async def completed_with_replacement_and_regeneration(env: WorkflowEnvironment) -> None:
    fakes = FakeActivities(rejected={(2, 0)})
    async with started(env, fakes, generation_input(variant_count=24, max_regenerations=2)) as handle:
        await reach(handle, Stage.ready_for_selection)
        await handle.signal(CalendarGenerationWorkflow.regenerate, RegenerateRequest(variant_id=103))
        await asyncio.sleep(1)
        await handle.signal(CalendarGenerationWorkflow.select, twelve())
        await handle.result()
        await _save(handle, "completed_with_replacement_and_regeneration")


async def expired(env: WorkflowEnvironment) -> None:
    async with started(env, FakeActivities(), generation_input(variant_count=12)) as handle:
        await reach(handle, Stage.ready_for_selection)
        await handle.result()
        await _save(handle, "expired")


async def scored_with_likeness_replacement(env: WorkflowEnvironment) -> None:
    """Variant scoring (patch "variant-scoring"): variant 3 shows no face once and is replaced by the guard."""
    fakes = FakeActivities(faceless={(3, 0)})
    async with started(env, fakes, generation_input(variant_count=12, custom_prompt="at the seaside")) as handle:
        await reach(handle, Stage.ready_for_selection)
        await handle.signal(CalendarGenerationWorkflow.select, twelve())
        await handle.result()
        await _save(handle, "scored_with_likeness_replacement")


async def _completed(env: WorkflowEnvironment, name: str) -> None:
    async with started(env, FakeActivities(), generation_input(variant_count=12)) as handle:
        await reach(handle, Stage.ready_for_selection)
        await handle.signal(CalendarGenerationWorkflow.select, twelve())
        await handle.result()
        await _save(handle, name)


async def completed_with_print_upscale(env: WorkflowEnvironment) -> None:
    """The print upscale (patch "print-upscale") between finalizing and rendering."""
    await _completed(env, "completed_with_print_upscale")


async def progress_by_synthesis_faces_beside_training(env: WorkflowEnvironment) -> None:
    """Each variant's synthesis records the job's progress (patch "progress-with-variant"): no activity of the
    workflow's own per variant; the reference faces are found while the model trains (patch
    "references-beside-training")."""
    await _completed(env, "progress_by_synthesis_faces_beside_training")


RECORDINGS: dict[str, Callable[[WorkflowEnvironment], Awaitable[None]]] = {
    f.__name__: f for f in (completed_with_replacement_and_regeneration, expired, scored_with_likeness_replacement,
                            completed_with_print_upscale,
                            progress_by_synthesis_faces_beside_training)}


async def main(names: list[str]) -> None:
    env = await start_time_skipping()
    await register_search_attributes(env)
    for name in names or list(RECORDINGS):
        await RECORDINGS[name](env)
    await env.shutdown()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
