"""The job row as activities touch it: ownership checked, cost added atomically, progress moved on by a variant."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from activities.errors import invalid_input
from contracts.messages import JobRef
from contracts.vocabulary import Stage
from db.models import GeneratedCalendarVariant, Job, VariantStatus, utcnow
from workflows.steps import STEP_TEXT, progress_of


async def owned_job(session: AsyncSession, ref: JobRef) -> Job:
    """Every activity about a job checks that the job is the user's its input names: a wrong or replayed id fails
    loudly instead of touching another customer's rows."""
    job = await session.get(Job, ref.job_id)
    if job is None or job.user_id != ref.user_id:
        raise invalid_input(f"job {ref.job_id} of user {ref.user_id} does not exist")
    return job


async def add_job_cost(session: AsyncSession, job_id: int, cost_usd: float) -> None:
    """One atomic increment: concurrent variants of a job never overwrite each other's cost."""
    if cost_usd:
        await session.exec(update(Job).where(col(Job.id) == job_id)
                           .values(cost_usd=Job.cost_usd + cost_usd))


async def record_variant_progress(session: AsyncSession, job_id: int) -> None:
    """The job's progress and step text ("12/24") while it is generating, counted from its ready variants in the
    transaction that stores one: the workflow no longer spends an activity of its own on each variant (patch
    "progress-with-variant", workflows/calendar_generation.py). Two variants committing at once may each miss the
    other and report the same count; the next one (or the stage that follows) catches up, and the conditional
    UPDATE lets progress only grow. Past `generating` (a regeneration) nothing changes."""
    ready = (select(func.count()).select_from(GeneratedCalendarVariant)
             .where(col(GeneratedCalendarVariant.job_id) == job_id,
                    col(GeneratedCalendarVariant.status) == VariantStatus.ready).scalar_subquery())
    generating = (col(Job.id) == job_id, col(Job.status) == Stage.generating.value)
    found = (await session.exec(select(col(Job.variant_count), ready).where(*generating))).first()
    if found is None or not found[0]:
        return
    total, done = found
    progress = progress_of(Stage.generating, 0, ready=done, total=total)
    step = STEP_TEXT[Stage.generating].format(ready=done, total=total)
    await session.exec(update(Job).where(*generating, col(Job.progress) <= progress)
                       .values(progress=progress, current_step=step, updated_at=utcnow()))
