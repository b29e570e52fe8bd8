"""The job reconciler's one activity: make every stale job row agree with its workflow again.

A job row is written before its workflow starts and mirrors the run from then on. Two gaps can open between them:
- the workflow never started (the API crashed between committing the row and starting it, or the start's answer
  was lost): the run is started now, under the same id, which Temporal refuses to reuse for anything else;
- the run ended without recording how (an operator terminated it, or it failed in its own clean-up after an
  outage outlasted every retry): the row gets the run's outcome, and the variants no calendar uses are deleted as
  any other ending would.

A calendar edit is committed before its render starts (api/calendar_edits.py), so a third gap is an edit whose
render never started (Temporal down at that moment): its version is newer than the one rendered. The render is
signalled-with-start under the id the API uses, so a render that is in fact running is only told again.

Each pass also deletes provider webhook events older than `webhook_event_retention` (30 days): a waiting worker
reads them within minutes, and older ones only keep what the provider said about a customer's jobs.

Only rows that look stuck are checked against Temporal — not updated for `reconcile_grace`, and, while waiting
for the customer's choice, past their deadline — so one pass costs a few calls, however many customers are waiting.
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import col, or_, select
from temporalio import activity
from temporalio.client import Client, WorkflowExecutionDescription, WorkflowExecutionStatus
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from activities.deps import ActivityDeps
from activities.variants import delete_job_variants
from contracts import activities as contract
from contracts.activities import implements
from contracts.messages import DeleteVariantsInput, ReconcileReport
from contracts.vocabulary import TERMINAL_STAGES, Stage
from db.models import Job, Template, UserCalendar, WebhookEvent, utcnow
from db.session import session_scope
from services import ledger
from services.generations import start_generation_workflow
from services.render_starts import signal_render
from workflows.models import GenerationResult

BATCH = 200  # rows per pass; the next pass (minutes later) takes the rest
RENDER_BATCH = 50  # calendars per pass, one Temporal call each

_ENDED_HOW = {
    WorkflowExecutionStatus.TERMINATED: "the generation was stopped by an operator",
    WorkflowExecutionStatus.TIMED_OUT: "the generation ran out of time",
    WorkflowExecutionStatus.FAILED: "the generation stopped after an error it could not record",
    WorkflowExecutionStatus.CANCELED: "the generation was cancelled",
}


class ReconcilerActivities:
    def __init__(self, deps: ActivityDeps, temporal: Client) -> None:
        self._deps = deps
        self._temporal = temporal

    @implements(contract.reconcile_jobs)
    async def reconcile_jobs(self) -> ReconcileReport:
        report = ReconcileReport(webhook_events_pruned=await self._prune_webhook_events())
        for job in await self._stale_jobs():
            report.checked += 1
            assert job.workflow_id is not None
            try:
                description = await self._temporal.get_workflow_handle(job.workflow_id).describe()
            except RPCError as err:
                if err.status != RPCStatusCode.NOT_FOUND:
                    raise
                if job.status == Stage.pending and await self._start(job):
                    report.started.append(job.id)
                continue
            if description.status not in (None, WorkflowExecutionStatus.RUNNING,
                                           WorkflowExecutionStatus.CONTINUED_AS_NEW):
                await self._close(job, description)
                report.closed.append(job.id)
        for calendar in await self._unrendered_edits():
            await signal_render(self._temporal, self._deps.settings, calendar_id=calendar.id,
                                user_id=calendar.user_id, version=calendar.version)
            report.renders_requested.append(calendar.id)
        if report.started or report.closed or report.renders_requested:
            activity.logger.warning("reconciler: started %s, closed %s, renders requested %s", report.started,
                                    report.closed, report.renders_requested)
        return report

    async def _prune_webhook_events(self) -> int:
        cutoff = utcnow() - self._deps.settings.webhook_event_retention
        async with session_scope(self._deps.sessions) as session:
            result = await session.exec(delete(WebhookEvent).where(col(WebhookEvent.received_at) < cutoff))
            return result.rowcount or 0

    async def _stale_jobs(self) -> list[Job]:
        now = utcnow()
        quiet_since = now - self._deps.settings.reconcile_grace
        waiting = (col(Job.status) == Stage.ready_for_selection) & (col(Job.expires_at) < quiet_since)
        busy = col(Job.status).not_in([*TERMINAL_STAGES, Stage.ready_for_selection])
        async with session_scope(self._deps.sessions) as session:
            return list((await session.exec(
                select(Job).where(col(Job.updated_at) < quiet_since, col(Job.workflow_id).is_not(None),
                                  or_(busy, waiting))
                .order_by(col(Job.updated_at)).limit(BATCH))).all())

    async def _unrendered_edits(self) -> list[UserCalendar]:
        """Edited calendars quiet for the grace whose newest version was never rendered. Only versions past 1: the
        first is the generation's own render, which its workflow does (and may take long to reach, after the print
        upscales) — and an edit is refused until that generation has ended."""
        quiet_since = utcnow() - self._deps.settings.reconcile_grace
        async with session_scope(self._deps.sessions) as session:
            return list((await session.exec(
                select(UserCalendar).where(col(UserCalendar.version) > col(UserCalendar.rendered_version),
                                           col(UserCalendar.version) > 1, col(UserCalendar.updated_at) < quiet_since)
                .order_by(col(UserCalendar.updated_at)).limit(RENDER_BATCH))).all())

    async def _start(self, job: Job) -> bool:
        async with session_scope(self._deps.sessions) as session:
            template = await session.get(Template, job.template_id)
        try:
            await start_generation_workflow(self._temporal, job, self._deps.settings,
                                            theme=template.theme if template else None)
        except WorkflowAlreadyStartedError:  # started meanwhile (the API's start was only slow)
            return False
        return True

    async def _close(self, job: Job, description: WorkflowExecutionDescription) -> None:
        stage, error = Stage.failed, _ENDED_HOW.get(description.status or WorkflowExecutionStatus.FAILED)
        if description.status == WorkflowExecutionStatus.COMPLETED:
            handle = self._temporal.get_workflow_handle(job.workflow_id or "", result_type=GenerationResult)
            result = await handle.result()
            stage, error = result.stage, result.error
        elif description.status == WorkflowExecutionStatus.CANCELED:
            stage = Stage.cancelled
        async with session_scope(self._deps.sessions) as session:
            calendar = (await session.exec(select(UserCalendar).where(UserCalendar.job_id == job.id))).first()
        if stage == Stage.failed and calendar is not None and calendar.pdf_key:
            stage, error = Stage.completed, None  # the calendar was finished; only its last record was lost
        await delete_job_variants(self._deps, DeleteVariantsInput(job_id=job.id, user_id=job.user_id,
                                                                  keep_selected=calendar is not None))
        async with session_scope(self._deps.sessions) as session:
            row = await session.get(Job, job.id)
            if row is None or row.status in TERMINAL_STAGES:
                return
            row.status, row.error, row.updated_at = stage, error or row.error, utcnow()
            row.calendar_id = calendar.id if calendar is not None else row.calendar_id
            row.completed_at = row.completed_at or utcnow()
            row.current_step = f"Ended {stage.value} (recorded by the reconciler)"
            session.add(row)
            if row.ready_at is None and stage in (Stage.failed, Stage.cancelled):
                # Ended before its variants were delivered (e.g. terminated by an operator): the reservation goes
                # back, in the same transaction (once: a refund the run already made is found by its key).
                await ledger.settle(session, row.id, row.user_id, delivered=0, total=row.variant_count)
