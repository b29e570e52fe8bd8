"""JobReconcilerWorkflow: started by a Temporal Schedule every few minutes, it repairs job rows that no longer
mirror their workflow — a row committed whose workflow never started (a crash or an ambiguous start error between
the two), or a row left non-terminal by a run that ended without recording it (terminated, or failed inside its own
clean-up after hours of outage). The work is one idempotent activity; this file only says when and how hard."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from contracts import activities as act
    from contracts.messages import ReconcileReport

RECONCILER_WORKFLOW_NAME = "JobReconcilerWorkflow"


@workflow.defn(name=RECONCILER_WORKFLOW_NAME)
class JobReconcilerWorkflow:
    @workflow.run
    async def run(self) -> ReconcileReport:
        # The next scheduled run tries again anyway: a few quick attempts are enough.
        return await workflow.execute_activity(
            act.reconcile_jobs, start_to_close_timeout=timedelta(minutes=5),
            retry_policy=RetryPolicy(initial_interval=timedelta(seconds=5), maximum_attempts=3))
