"""AccountErasureWorkflow: after `DELETE /api/me`, what the image provider keeps of the customer — trained models,
their versions, uploaded files — is deleted by the worker, which alone holds the provider's token.

The API starts it just before committing the account's deletion, so a lost start can't leave an erased account's
models behind. The first step therefore waits (briefly) for that commit: an account still there was not erased —
its commit failed — and nothing is deleted at the provider.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from contracts import activities as act
    from contracts.activities import FailureType
    from contracts.messages import ProviderErasureInput, ProviderErasureResult
    from workflows.models import ACCOUNT_ERASURE_WORKFLOW_NAME, AccountErasureInput


@workflow.defn(name=ACCOUNT_ERASURE_WORKFLOW_NAME)
class AccountErasureWorkflow:
    @workflow.run
    async def run(self, input: AccountErasureInput) -> ProviderErasureResult | None:
        """The provider's report, or None when the account was not erased."""
        try:
            await workflow.execute_activity(
                act.account_erased, input.account, start_to_close_timeout=timedelta(seconds=30),
                schedule_to_close_timeout=input.commit_wait,
                retry_policy=RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=10),
                                         maximum_attempts=0))
        except ActivityError:
            workflow.logger.warning("account %s is still there: not erased, nothing deleted at the provider",
                                    input.account.user_id)
            return None
        # Idempotent deletions: retried through provider outages and queued deletions, for as long as database and
        # storage work is; a refusal a person must look at (the token, a version others ran) is final.
        return await workflow.execute_activity(
            act.erase_provider_data, ProviderErasureInput(user_id=input.account.user_id,
                                                          photo_sha256=input.photo_sha256),
            task_queue=input.provider_task_queue or workflow.info().task_queue,
            start_to_close_timeout=timedelta(minutes=5), schedule_to_close_timeout=input.retry.outage_tolerance,
            heartbeat_timeout=input.heartbeat_timeout,
            retry_policy=input.retry.policy(FailureType.provider_account))
