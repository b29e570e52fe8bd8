"""The print upscale step (issue 15): between finalizing and rendering, the calendar's images that are too small
for 300 DPI are enlarged by the provider's AI upscaler (a paid provider activity, retried like a synthesis). A
provider without one, or an upscale refused for good, leaves them to the renderer's classical upscale — the render
report says which was used, so the calendar is never held back for it."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, CancelledError

with workflow.unsafe.imports_passed_through():
    from contracts import activities as act
    from contracts.messages import PrintUpscaleInput
    from workflows.models import GenerationInput
    from workflows.steps import reason

# Runs that finalized before this step existed replay without it.
PATCH_PRINT_UPSCALE = "print-upscale"


async def upscale_for_print(input: GenerationInput, calendar_id: int, retry: RetryPolicy) -> None:
    if not workflow.patched(PATCH_PRINT_UPSCALE):
        return
    try:
        result = await workflow.execute_activity(
            act.upscale_selected, PrintUpscaleInput(job_id=input.job_id, user_id=input.user_id,
                                                    calendar_id=calendar_id),
            retry_policy=retry, task_queue=input.provider_task_queue, start_to_close_timeout=timedelta(minutes=30),
            heartbeat_timeout=input.heartbeat_timeout, schedule_to_close_timeout=input.retry.outage_tolerance,
            summary="upscale the chosen images for print")
    except ActivityError as err:
        if isinstance(err.cause, CancelledError):
            raise
        workflow.logger.warning("print upscale failed; the renderer enlarges classically: %s", reason(err))
        return
    workflow.logger.info("print upscale: %s", result)
