"""The job reconciler against a real Temporal server and database: a run that ended without its row being told gets
the run's own outcome recorded (and, ended before delivery, its reservation refunded)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio import workflow
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from activities.reconciler import ReconcilerActivities
from contracts.vocabulary import Stage
from db.models import Job, Template, User, utcnow
from services import ledger
from testkit.stack import Stack, build_stack
from workflows.models import GenerationResult


@workflow.defn
class EndsWithAResult:
    """Stands in for a generation that finished while its last `record_job_update` was lost."""

    @workflow.run
    async def run(self, result: GenerationResult) -> GenerationResult:
        return result


async def _quiet_job(session: AsyncSession, stack: Stack, **fields: Any) -> Job:
    """A customer's job whose row has been quiet for longer than the reconciler's grace."""
    user = User(email="olena@example.com", password_hash="-")
    session.add(user)
    template = (await session.exec(select(Template))).first()
    assert template is not None
    await session.flush()
    job = Job(user_id=user.id, template_id=template.id, photo_ids=[], year=2027,
              workflow_id=f"{stack.settings.workflow_id_prefix}-{uuid.uuid4().hex}",
              updated_at=utcnow() - stack.settings.reconcile_grace - timedelta(minutes=1), **fields)
    session.add(job)
    await session.flush()
    return job


async def test_a_run_that_completed_unrecorded_gets_its_outcome(tmp_path: Path,
                                                                dev_server: WorkflowEnvironment) -> None:
    async for stack in build_stack(tmp_path, dev_server):
        async with stack.deps.sessions() as session:
            job = await _quiet_job(session, stack, variant_count=6, status=Stage.generating)
            await session.commit()
            job_id, workflow_id = job.id, job.workflow_id

        queue = f"{stack.settings.task_queue}-ended"
        async with Worker(dev_server.client, task_queue=queue, workflows=[EndsWithAResult],
                          workflow_runner=UnsandboxedWorkflowRunner()):
            await dev_server.client.execute_workflow(
                EndsWithAResult.run, GenerationResult(job_id=job_id, stage=Stage.expired), id=workflow_id,
                task_queue=queue)

        reconciler = ReconcilerActivities(stack.deps, dev_server.client)
        report = await ActivityEnvironment().run(reconciler.reconcile_jobs)

        assert report.closed == [job_id] and report.started == []
        async with stack.deps.sessions() as session:
            row = await session.get(Job, job_id)
        assert row is not None and row.status == Stage.expired
        assert row.current_step == "Ended expired (recorded by the reconciler)" and row.completed_at is not None


async def test_a_run_terminated_before_delivery_gets_its_reservation_refunded(
        tmp_path: Path, dev_server: WorkflowEnvironment) -> None:
    async for stack in build_stack(tmp_path, dev_server):
        async with stack.deps.sessions() as session:
            job = await _quiet_job(session, stack, variant_count=24, status=Stage.training, price_kopiyky=84_900)
            await ledger.top_up(session, job.user_id, 100_000, key="signup", note="welcome credit")
            await ledger.reserve(session, job, job.price_kopiyky)
            await session.commit()
            job_id, user_id, workflow_id = job.id, job.user_id, job.workflow_id

        # An operator terminates the run (no worker ever picked it up): nothing in it could refund.
        handle = await dev_server.client.start_workflow(
            EndsWithAResult.run, GenerationResult(job_id=job_id, stage=Stage.completed), id=workflow_id,
            task_queue=f"{stack.settings.task_queue}-nobody")
        await handle.terminate("operator")

        for _ in range(2):  # a second pass (or a retried activity) refunds nothing more
            await ActivityEnvironment().run(ReconcilerActivities(stack.deps, dev_server.client).reconcile_jobs)
        async with stack.deps.sessions() as session:
            row = await session.get(Job, job_id)
            assert row is not None and row.status == Stage.failed
            assert await ledger.balance(session, user_id) == 100_000
            assert [e.kind for e in await ledger.history(session, user_id)] == ["refund", "reservation", "top_up"]
