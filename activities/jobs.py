"""Activities that read the generation's inputs and mirror its progress into the Job row."""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy import func, or_
from sqlalchemy import update as update_
from sqlmodel import col, select

from activities.deps import ActivityDeps
from activities.errors import invalid_input
from activities.heartbeat import keeps_beating
from activities.job_rows import owned_job
from contracts import activities as contract
from contracts.activities import implements
from contracts.messages import GenerationPlan, JobUpdate, PlanRequest, PromptConfig
from contracts.variations import photo_set_hash
from db.models import TERMINAL_JOB_STATUSES, FileKind, Job, JobStatus, Template, UploadedFile, utcnow
from db.session import session_scope
from db.template_data import TemplateData

STEP_TEXT_LENGTH = 200  # Job.current_step's column; the full story of a failure is in `error`, which has no limit


class JobActivities:
    def __init__(self, deps: ActivityDeps) -> None:
        self._deps = deps

    @implements(contract.load_generation_plan)
    @keeps_beating
    async def load_generation_plan(self, request: PlanRequest) -> GenerationPlan:
        async with session_scope(self._deps.sessions) as session:
            await owned_job(session, request)
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
            # Cycled in a canonical order: the same photo set gives the same variants (and cache hits) in any order.
            photo_ids=[p.id for p in sorted(photos, key=lambda p: (p.sha256, p.id))],
            photo_set_hash=photo_set_hash([p.sha256 for p in photos]),
        )

    @implements(contract.record_job_update)
    @keeps_beating
    async def record_job_update(self, update: JobUpdate) -> None:
        now = utcnow()
        step = update.current_step if len(update.current_step) <= STEP_TEXT_LENGTH \
            else update.current_step[:STEP_TEXT_LENGTH - 1] + "…"
        values: dict[str, object] = {"status": update.stage.value, "progress": update.progress,
                                     "current_step": step, "error": update.error, "updated_at": now}
        for field in ("flux_model_id", "calendar_id", "expires_at"):
            if getattr(update, field) is not None:
                values[field] = getattr(update, field)
        if update.stage in TERMINAL_JOB_STATUSES:
            values["completed_at"] = func.coalesce(Job.completed_at, now)
        if update.stage == JobStatus.ready_for_selection:
            values["ready_at"] = func.coalesce(Job.ready_at, now)
        # Reports of concurrently finishing variants race each other: one conditional UPDATE lets progress within
        # a stage only grow, whatever order the transactions commit in.
        statement = update_(Job).where(
            col(Job.id) == update.job_id, col(Job.user_id) == update.user_id,
            or_(col(Job.status) != update.stage.value, col(Job.progress) <= update.progress),
        ).values(**values)
        async with session_scope(self._deps.sessions) as session:
            result = await session.exec(statement)
            if result.rowcount == 0:
                await owned_job(session, update)  # raises when the job is missing or someone else's
