"""Starting a calendar's render after an edit: the one way the API (right after the edit's commit) and the job
reconciler (for an edit whose start failed) do it, so both address the same workflow with the same input."""

from __future__ import annotations

from temporalio.client import Client

from services.generations import retry_tuning
from settings import Settings
from workflows.models import (
    CALENDAR_EDITED_SIGNAL,
    CALENDAR_RENDER_WORKFLOW_NAME,
    CalendarEdited,
    CalendarRenderInput,
    calendar_render_workflow_id,
)


async def signal_render(client: Client, settings: Settings, *, calendar_id: int, user_id: int, version: int) -> None:
    """Signal-with-start under the calendar's one render id: a render running for this calendar is told about
    `version` (and draws it next, or not at all if it already drew it), otherwise a new run renders it. Repeating it
    is harmless. Raises RPCError when Temporal cannot be reached."""
    await client.start_workflow(
        CALENDAR_RENDER_WORKFLOW_NAME, CalendarRenderInput(calendar_id=calendar_id, user_id=user_id,
                                                           retry=retry_tuning(settings)),
        id=calendar_render_workflow_id(settings.workflow_id_prefix, calendar_id), task_queue=settings.task_queue,
        start_signal=CALENDAR_EDITED_SIGNAL, start_signal_args=[CalendarEdited(version=version)],
        static_summary=f"customer {user_id}: render calendar {calendar_id} v{version}")
