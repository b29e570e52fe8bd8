"""Starting a generation's workflow: the one way the API (on POST /generate) and the job reconciler (for a row
whose workflow never started) do it, so both build the same input from the job row and the settings."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy

from contracts.search_attributes import generation_attributes
from contracts.vocabulary import WORKFLOW_NAME, Stage
from db.models import Job
from settings import Settings
from workflows.models import GenerationInput, RetryTuning


def generation_input(job: Job, settings: Settings) -> GenerationInput:
    return GenerationInput(
        job_id=job.id, user_id=job.user_id, template_id=job.template_id, photo_ids=list(job.photo_ids),
        variant_count=job.variant_count, max_parallel=settings.max_parallel,
        selection_timeout=settings.selection_timeout, expiry_reminder_before=settings.expiry_reminder_before,
        max_regenerations=settings.max_regenerations,
        preview=job.preview, year=job.year, locale=job.locale, provider_task_queue=settings.provider_task_queue,
        heartbeat_timeout=settings.provider_heartbeat_timeout, scoring_task_queue=settings.scoring_task_queue,
        likeness_replacements=settings.likeness_replacements, custom_prompt=job.custom_prompt,
        free_regenerations=settings.free_regenerations,
        regeneration_price_kopiyky=100 * settings.regeneration_price_uah,
        retry=retry_tuning(settings))


def retry_tuning(settings: Settings) -> RetryTuning:
    """How long every workflow retries database and storage work through an outage."""
    return RetryTuning(max_interval=settings.activity_retry_max_interval,
                       outage_tolerance=settings.activity_retry_outage_tolerance)


async def start_generation_workflow(client: Client, job: Job, settings: Settings, *, theme: str | None) -> None:
    """Raises WorkflowAlreadyStartedError when a run with this id exists or existed: a job id names one run, ever."""
    assert job.workflow_id is not None
    await client.start_workflow(
        WORKFLOW_NAME, generation_input(job, settings), id=job.workflow_id, task_queue=settings.task_queue,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        # What an operator reads in the Temporal UI's run list without opening a payload.
        static_summary=f"customer {job.user_id}: {theme or 'a'} calendar, {job.variant_count} variants"
                       f"{' (preview)' if job.preview else ''}",
        search_attributes=generation_attributes(stage=Stage.pending, progress=0, user_id=job.user_id, theme=theme))
