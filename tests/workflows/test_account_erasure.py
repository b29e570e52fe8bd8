"""AccountErasureWorkflow: the provider's copies are erased only once the account's deletion has committed."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from contracts.messages import AccountRef, ProviderErasureInput, ProviderErasureResult
from workflows.account_erasure import AccountErasureWorkflow
from workflows.models import AccountErasureInput, RetryTuning

ACCOUNT = AccountRef(user_id=7, created_at=datetime(2026, 12, 5, 1, 2, 3, 456789, tzinfo=UTC))


async def _run(env: WorkflowEnvironment, committed_after_checks: int | None,
               erased: list[ProviderErasureInput]) -> ProviderErasureResult | None:
    checks = 0

    @activity.defn(name="account_erased")
    async def account_erased(account: AccountRef) -> bool:
        nonlocal checks
        checks += 1
        if committed_after_checks is None or checks <= committed_after_checks:
            raise ApplicationError(f"account {account.user_id} is still there")
        return True

    @activity.defn(name="erase_provider_data")
    async def erase_provider_data(request: ProviderErasureInput) -> ProviderErasureResult:
        erased.append(request)
        return ProviderErasureResult(provider="replicate", versions_deleted=2, model_deleted=True, files_deleted=3)

    task_queue = f"erasure-{uuid.uuid4()}"
    async with Worker(env.client, task_queue=task_queue, workflows=[AccountErasureWorkflow],
                      activities=[account_erased, erase_provider_data]):
        return await asyncio.wait_for(env.client.execute_workflow(
            AccountErasureWorkflow.run, AccountErasureInput(
                account=ACCOUNT, photo_sha256=["ab" * 32], retry=RetryTuning(max_interval=timedelta(seconds=1)),
                commit_wait=timedelta(seconds=3)),
            id=f"erase-test-{uuid.uuid4()}", task_queue=task_queue, result_type=ProviderErasureResult), 60)


async def test_the_provider_is_erased_once_the_accounts_deletion_committed(dev_server: WorkflowEnvironment) -> None:
    erased: list[ProviderErasureInput] = []
    result = await _run(dev_server, committed_after_checks=1, erased=erased)
    assert result is not None and (result.versions_deleted, result.model_deleted) == (2, True)
    assert erased == [ProviderErasureInput(user_id=7, photo_sha256=["ab" * 32])]


async def test_an_account_whose_deletion_never_committed_keeps_its_provider_data(
        dev_server: WorkflowEnvironment) -> None:
    erased: list[ProviderErasureInput] = []
    assert await _run(dev_server, committed_after_checks=None, erased=erased) is None
    assert erased == []
