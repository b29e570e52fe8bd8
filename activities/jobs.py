"""Activities that read the generation's inputs and mirror its progress into the Job row."""

from __future__ import annotations

import hashlib

from pydantic import ValidationError
from sqlmodel import col, select
from temporalio import activity

from activities.deps import ActivityDeps
from activities.errors import invalid_input
from db.models import TERMINAL_JOB_STATUSES, FileKind, Job, Template, UploadedFile, utcnow
from db.session import session_scope
from db.template_data import TemplateData
from workflows import activity_names as names
from workflows.models import GenerationInput, GenerationPlan, JobUpdate, PromptConfig


def photo_set_hash(photo_sha256s: list[str]) -> str:
    """The same set of photos, in any order, hashes the same: it decides whether a trained model can be reused."""
    return hashlib.sha256("\n".join(sorted(set(photo_sha256s))).encode()).hexdigest()


class JobActivities:
    def __init__(self, deps: ActivityDeps) -> None:
        self._deps = deps

    @activity.defn(name=names.LOAD_GENERATION_PLAN)
    async def load_generation_plan(self, request: GenerationInput) -> GenerationPlan:
        async with session_scope(self._deps.sessions) as session:
            template = await session.get(Template, request.template_id)
            if template is None or not template.is_active:
                raise invalid_input(f"template {request.template_id} does not exist")
            try:
                config = TemplateData.model_validate(template.template_data)
            except ValidationError as err:
                raise invalid_input(f"template {template.theme} has an invalid configuration: {err}") from err
            photos = (await session.exec(select(UploadedFile).where(
                col(UploadedFile.id).in_(request.photo_ids), UploadedFile.user_id == request.user_id,
                UploadedFile.kind == FileKind.photo))).all()
        missing = sorted(set(request.photo_ids) - {p.id for p in photos})
        if missing:
            raise invalid_input(f"photos {missing} not found")
        prompt = config.flux_prompt
        return GenerationPlan(
            theme=config.theme,
            prompt=PromptConfig(theme=config.theme, base_prompt=prompt.base_prompt,
                                negative_prompt=prompt.negative_prompt, style_strength=prompt.style_strength,
                                steps=prompt.steps, color_scheme=config.color_scheme),
            photo_ids=list(dict.fromkeys(request.photo_ids)),
            photo_set_hash=photo_set_hash([p.sha256 for p in photos]),
        )

    @activity.defn(name=names.RECORD_JOB_UPDATE)
    async def record_job_update(self, update: JobUpdate) -> None:
        async with session_scope(self._deps.sessions) as session:
            job = await session.get(Job, update.job_id)
            if job is None:
                raise invalid_input(f"job {update.job_id} does not exist")
            # Progress reports of concurrent variants may arrive out of order: within a stage it only grows.
            if job.status != update.stage or update.progress >= job.progress:
                job.progress = update.progress
                job.current_step = update.current_step
            job.status = update.stage
            job.error = update.error
            job.flux_model_id = update.flux_model_id or job.flux_model_id
            job.calendar_id = update.calendar_id or job.calendar_id
            job.expires_at = update.expires_at or job.expires_at
            job.updated_at = utcnow()
            if update.stage in TERMINAL_JOB_STATUSES and job.completed_at is None:
                job.completed_at = job.updated_at
            session.add(job)
