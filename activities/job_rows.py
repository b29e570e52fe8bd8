"""The job row as activities touch it: ownership checked, cost added atomically."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from activities.errors import invalid_input
from contracts.messages import JobRef
from db.models import Job


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
