"""The generation's money, as the workflow settles it: each activity one transaction of services/ledger.py, keyed
so that a retry (or a second call after a cancel) never moves money twice."""

from __future__ import annotations

from temporalio.exceptions import ApplicationError

from activities.deps import ActivityDeps
from activities.job_rows import owned_job
from contracts import activities as contract
from contracts.activities import FailureType, implements
from contracts.messages import RegenerationCharge, SettlementRequest, SettlementResult
from db.session import session_scope
from services import ledger


class LedgerActivities:
    def __init__(self, deps: ActivityDeps) -> None:
        self._deps = deps

    @implements(contract.settle_generation)
    async def settle_generation(self, request: SettlementRequest) -> SettlementResult:
        async with session_scope(self._deps.sessions) as session:
            await owned_job(session, request)
            settled = await ledger.settle(session, request.job_id, request.user_id, delivered=request.delivered,
                                          total=request.total)
        return SettlementResult(charged_kopiyky=settled.charged, refunded_kopiyky=settled.refunded)

    @implements(contract.charge_regeneration)
    async def charge_regeneration(self, charge: RegenerationCharge) -> None:
        try:
            async with session_scope(self._deps.sessions) as session:
                await owned_job(session, charge)
                await ledger.charge_regeneration(session, charge.job_id, charge.user_id, charge.ordinal,
                                                 charge.amount_kopiyky)
        except ledger.InsufficientCredit as err:
            raise ApplicationError(str(err), {"shortfall_kopiyky": err.shortfall},
                                   type=FailureType.insufficient_credit, non_retryable=True) from None

    @implements(contract.refund_regeneration)
    async def refund_regeneration(self, charge: RegenerationCharge) -> None:
        async with session_scope(self._deps.sessions) as session:
            await owned_job(session, charge)
            await ledger.refund_regeneration(session, charge.job_id, charge.user_id, charge.ordinal)
