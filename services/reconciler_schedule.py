"""The Temporal Schedule that runs JobReconcilerWorkflow every `reconcile_interval`, created (or brought up to
date) by every worker at start-up, so a deployment needs no separate set-up step for it."""

from __future__ import annotations

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from settings import Settings
from workflows.job_reconciler import RECONCILER_WORKFLOW_NAME


def reconciler_schedule_id(settings: Settings) -> str:
    return f"{settings.workflow_id_prefix}-job-reconciler"


def _schedule(settings: Settings) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(RECONCILER_WORKFLOW_NAME, id=f"{reconciler_schedule_id(settings)}-run",
                                           task_queue=settings.task_queue),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=settings.reconcile_interval)]),
        # One pass at a time; a pass missed while no worker ran is not worth catching up on.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def ensure_reconciler_schedule(client: Client, settings: Settings) -> None:
    schedule = _schedule(settings)
    try:
        await client.create_schedule(reconciler_schedule_id(settings), schedule)
    except ScheduleAlreadyRunningError:
        async def replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(reconciler_schedule_id(settings)).update(replace)
