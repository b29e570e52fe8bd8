"""CalendarRenderWorkflow: an edit's render in the worker; edits arriving during a render are rendered after it."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from contracts.activities import FailureType
from contracts.messages import RenderInput
from workflows.calendar_render import CalendarRenderWorkflow
from workflows.models import (
    CALENDAR_EDITED_SIGNAL,
    CalendarEdited,
    CalendarRenderInput,
    RetryTuning,
    calendar_render_workflow_id,
)


async def _edited(client: Client, workflow_id: str, task_queue: str, version: int) -> None:
    """What the API does after committing an edit: signal-with-start."""
    await client.start_workflow(
        CalendarRenderWorkflow.run, CalendarRenderInput(calendar_id=7, user_id=5,
                                                        retry=RetryTuning(max_interval=timedelta(seconds=1))),
        id=workflow_id, task_queue=task_queue, start_signal=CALENDAR_EDITED_SIGNAL,
        start_signal_args=[CalendarEdited(version=version)])


async def test_an_edit_during_a_render_is_rendered_after_it_by_the_same_run(dev_server: WorkflowEnvironment) -> None:
    renders: list[RenderInput] = []
    first_render_running, release_first = asyncio.Event(), asyncio.Event()

    @activity.defn(name="render_calendar")
    async def render_calendar(request: RenderInput) -> None:
        renders.append(request)
        if len(renders) == 1:
            first_render_running.set()
            await release_first.wait()

    task_queue, workflow_id = f"render-{uuid.uuid4()}", calendar_render_workflow_id(f"t-{uuid.uuid4().hex[:8]}", 7)
    async with Worker(dev_server.client, task_queue=task_queue, workflows=[CalendarRenderWorkflow],
                      activities=[render_calendar]):
        await _edited(dev_server.client, workflow_id, task_queue, version=2)
        await asyncio.wait_for(first_render_running.wait(), 30)
        await _edited(dev_server.client, workflow_id, task_queue, version=3)  # signals the running one
        await _edited(dev_server.client, workflow_id, task_queue, version=2)  # late, older: nothing more to draw
        await asyncio.sleep(0.5)
        release_first.set()
        handle = dev_server.client.get_workflow_handle(workflow_id)
        assert await asyncio.wait_for(handle.result(), 30) == 2
        assert [(r.calendar_id, r.user_id) for r in renders] == [(7, 5), (7, 5)]

        # The calendar is idle now: the next edit starts a new run of the same id.
        await _edited(dev_server.client, workflow_id, task_queue, version=4)
        assert await asyncio.wait_for(dev_server.client.get_workflow_handle(workflow_id).result(), 30) == 1
        assert len(renders) == 3


async def test_a_calendar_the_renderer_refuses_ends_the_run_without_retrying(dev_server: WorkflowEnvironment) -> None:
    attempts = 0

    @activity.defn(name="render_calendar")
    async def render_calendar(request: RenderInput) -> None:
        nonlocal attempts
        attempts += 1
        raise ApplicationError("cannot be rendered", type=FailureType.invalid_input, non_retryable=True)

    task_queue, workflow_id = f"render-{uuid.uuid4()}", calendar_render_workflow_id(f"t-{uuid.uuid4().hex[:8]}", 7)
    async with Worker(dev_server.client, task_queue=task_queue, workflows=[CalendarRenderWorkflow],
                      activities=[render_calendar]):
        await _edited(dev_server.client, workflow_id, task_queue, version=2)
        assert await asyncio.wait_for(dev_server.client.get_workflow_handle(workflow_id).result(), 30) == 1
    assert attempts == 1
