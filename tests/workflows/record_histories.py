"""Record the workflow histories the replay tests check (run after an intended, versioned workflow change):

    .venv/bin/python -m tests.workflows.record_histories
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from temporalio.client import WorkflowHandle

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


async def main() -> None:
    env = await start_time_skipping()
    await register_search_attributes(env)
    fakes = FakeActivities(rejected={(2, 0)})
    async with started(env, fakes, generation_input(variant_count=24, max_regenerations=2)) as handle:
        await reach(handle, Stage.ready_for_selection)
        await handle.signal(CalendarGenerationWorkflow.regenerate, RegenerateRequest(variant_id=103))
        await asyncio.sleep(1)
        await handle.signal(CalendarGenerationWorkflow.select, twelve())
        await handle.result()
        await _save(handle, "completed_with_replacement_and_regeneration")
    async with started(env, FakeActivities(), generation_input(variant_count=12)) as handle:
        await reach(handle, Stage.ready_for_selection)
        await handle.result()
        await _save(handle, "expired")
    await env.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
