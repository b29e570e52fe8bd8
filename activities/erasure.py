"""An erased account's data at the image provider: wait for the erasure's commit, then delete what the provider
keeps (imaging.providers.replicate_erasure). The local provider keeps nothing."""

from __future__ import annotations

from temporalio.exceptions import ApplicationError

from activities.deps import ActivityDeps
from activities.errors import provider_failures
from activities.heartbeat import keeps_beating
from contracts import activities as contract
from contracts.activities import implements
from contracts.messages import AccountRef, ProviderErasureInput, ProviderErasureResult
from db.models import User
from imaging.providers.replicate_erasure import ReplicateErasure


class ErasureActivities:
    def __init__(self, deps: ActivityDeps) -> None:
        self._deps = deps

    @implements(contract.account_erased)
    async def account_erased(self, account: AccountRef) -> bool:
        async with self._deps.sessions() as session:
            user = await session.get(User, account.user_id)
        if user is not None and user.created_at.replace(tzinfo=None) == account.created_at.replace(tzinfo=None):
            raise ApplicationError(f"account {account.user_id} is still there (its erasure not committed yet)")
        return True

    @implements(contract.erase_provider_data)
    @keeps_beating  # a worker killed meanwhile is noticed within the heartbeat timeout, not the 5-minute limit
    async def erase_provider_data(self, request: ProviderErasureInput) -> ProviderErasureResult:
        settings = self._deps.settings
        if settings.provider != "replicate":
            return ProviderErasureResult(provider=settings.provider)
        async with provider_failures(), ReplicateErasure(settings.replicate) as replicate:
            report = await replicate.erase_customer(request.user_id, request.photo_sha256)
        return ProviderErasureResult(provider=settings.provider, versions_deleted=report.versions_deleted,
                                     model_deleted=report.model_deleted, files_deleted=len(report.files_deleted))
