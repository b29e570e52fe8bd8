"""The Job row always records what the workflow reports, on SQLite and PostgreSQL (real activities, real columns):
a failure reason of any length, and cost increments from concurrent variants."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from activities.deps import ActivityDeps
from activities.job_rows import add_job_cost
from activities.jobs import STEP_TEXT_LENGTH, JobActivities
from contracts.messages import JobUpdate
from contracts.vocabulary import Stage
from db.models import Job, Template, User
from db.session import session_scope


async def _job(deps: ActivityDeps) -> Job:
    async with session_scope(deps.sessions) as session:
        user = User(email="row@example.com", password_hash="x")
        session.add(user)
        await session.flush()
        template = (await session.exec(select(Template).limit(1))).one()
        job = Job(user_id=user.id, template_id=template.id, photo_ids=[], variant_count=24, year=2027)
        session.add(job)
    return job


async def _row(deps: ActivityDeps, job_id: int) -> Job:
    async with deps.sessions() as session:
        found = await session.get(Job, job_id)
        assert found is not None
        return found


async def test_a_failure_reason_of_any_length_is_recorded_whole(deps: ActivityDeps) -> None:
    job = await _job(deps)
    reason = "the provider said: " + "no GPU left in the region; " * 300  # ~8 kB, like a stack of nested causes
    await JobActivities(deps).record_job_update(JobUpdate(
        job_id=job.id, user_id=job.user_id, stage=Stage.failed, progress=40, current_step=f"Failed: {reason}",
        error=reason))
    row = await _row(deps, job.id)
    assert (row.status, row.error) == ("failed", reason)  # the whole story stays in `error`
    assert row.current_step is not None and len(row.current_step) == STEP_TEXT_LENGTH
    assert row.current_step.startswith("Failed: the provider said") and row.current_step.endswith("…")


async def test_concurrent_cost_increments_all_count(deps: ActivityDeps) -> None:
    job = await _job(deps)

    async def add(cents: int) -> None:
        async with session_scope(deps.sessions) as session:
            await add_job_cost(session, job.id, cents / 100)

    await asyncio.gather(*(add(cents) for cents in range(1, 25)))  # 24 variants finishing together
    assert (await _row(deps, job.id)).cost_usd == pytest.approx(sum(range(1, 25)) / 100)
