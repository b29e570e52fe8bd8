"""CalendarRenderWorkflow: renders a calendar again after an edit, in the worker instead of the API request.

One run per calendar at a time (workflow id `{prefix}-calendar-render-{calendar_id}`). The API commits the edit,
then signals-with-start this workflow with the `edited` signal: a running render is told there is more to draw, an
idle calendar gets a new run. Each render draws the calendar as committed when the activity starts, so an edit that
arrives during a render is rendered by the next pass; the run ends when no edit came in meanwhile.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from contracts import activities as act
    from contracts.activities import FailureType
    from contracts.messages import RenderInput
    from workflows.models import (
        CALENDAR_EDITED_SIGNAL,
        CALENDAR_RENDER_WORKFLOW_NAME,
        RENDER_HEARTBEAT_TIMEOUT,
        CalendarEdited,
        CalendarRenderInput,
    )


@workflow.defn(name=CALENDAR_RENDER_WORKFLOW_NAME)
class CalendarRenderWorkflow:
    def __init__(self) -> None:
        self._edited_to = 0  # the newest version an `edited` signal named
        self._rendered_to = 0  # the newest version that was committed before a finished render started

    @workflow.signal(name=CALENDAR_EDITED_SIGNAL)
    def edited(self, edit: CalendarEdited) -> None:
        self._edited_to = max(self._edited_to, edit.version)

    @workflow.run
    async def run(self, input: CalendarRenderInput) -> int:
        """Answers how many renders it ran."""
        # Idempotent database and storage work: retried through an outage like the generation's; a calendar the
        # renderer refuses is recorded on its row by the activity (status `render_failed`) and not retried.
        retry = input.retry.policy(FailureType.invalid_input)
        renders = 0
        while self._rendered_to < self._edited_to:
            wanted = self._edited_to
            try:
                await workflow.execute_activity(
                    act.render_calendar, RenderInput(calendar_id=input.calendar_id, user_id=input.user_id),
                    retry_policy=retry, start_to_close_timeout=timedelta(minutes=10),
                    heartbeat_timeout=RENDER_HEARTBEAT_TIMEOUT,
                    schedule_to_close_timeout=input.retry.outage_tolerance)
            except ActivityError as err:
                workflow.logger.warning("calendar %s not rendered: %s", input.calendar_id, err.cause or err)
            renders += 1
            self._rendered_to = wanted
        return renders
