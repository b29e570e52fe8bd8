"""The generation's money, as the workflow decides it (the ledger itself is services/ledger.py, behind activities).

The price was reserved when the API started the generation. From here:
- delivered (the variants are ready for selection): the delivered share is charged, the rest given back — all of
  it when every variant came; from then on nothing is refunded (an expiry or a cancel after delivery included);
- ended before delivery (failed, cancelled): the reservation is refunded in full;
- regenerations beyond the free allowance are charged one by one before they start (refused, with the customer's
  shortfall, when the balance can't cover one) and refunded when they produce no image.

Each step is an idempotent activity keyed by the job (and the regeneration's ordinal), so retries, replays and a
refund attempted after a delivery that was already settled never move money twice. Runs started before this
existed replay without any of it (`PATCH_LEDGER_SETTLEMENT`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from contracts import activities as act
    from contracts.activities import FailureType
    from contracts.messages import RegenerationCharge, SettlementRequest
    from workflows.models import INSUFFICIENT_CREDIT_REFUSAL, GenerationInput
    from workflows.steps import failure_type, reason

PATCH_LEDGER_SETTLEMENT = "ledger-settlement"


class Settlement:
    def __init__(self, input: GenerationInput) -> None:
        self._input = input
        self._enabled = False
        self.settled = False
        # Database work: retried through outages like the workflow's other durable steps; a refusal is final.
        retry = input.retry.policy(FailureType.invalid_input, FailureType.insufficient_credit)
        self._options: dict[str, Any] = {
            "retry_policy": retry, "start_to_close_timeout": timedelta(seconds=60),
            "schedule_to_close_timeout": input.retry.outage_tolerance}

    def begin(self) -> None:
        """Called first in the run: decides once whether this run settles money (new runs do)."""
        self._enabled = workflow.patched(PATCH_LEDGER_SETTLEMENT)

    async def deliver(self, delivered: int) -> None:
        await self._settle(delivered)

    async def refund_undelivered(self) -> None:
        """At an ending: the reservation back in full, unless the variants were delivered (then charged)."""
        await self._settle(0)

    async def charge_regeneration(self, ordinal: int) -> None:
        """Raises ApplicationError(type=insufficient_credit) when the customer's balance does not cover it."""
        if not self._paid(ordinal):
            return
        try:
            await workflow.execute_activity(act.charge_regeneration, self._charge(ordinal), **self._options,
                                            summary=f"charge regeneration {ordinal}")
        except ActivityError as err:
            if failure_type(err) == FailureType.insufficient_credit:
                raise ApplicationError(f"regeneration {ordinal} is paid: {reason(err)}",
                                       type=INSUFFICIENT_CREDIT_REFUSAL) from None
            raise

    async def refund_regeneration(self, ordinal: int) -> None:
        if self._paid(ordinal):
            await workflow.execute_activity(act.refund_regeneration, self._charge(ordinal), **self._options,
                                            summary=f"refund regeneration {ordinal}")

    def _paid(self, ordinal: int) -> bool:
        return self._enabled and ordinal > self._input.free_regenerations and \
            self._input.regeneration_price_kopiyky > 0

    def _charge(self, ordinal: int) -> RegenerationCharge:
        return RegenerationCharge(job_id=self._input.job_id, user_id=self._input.user_id, ordinal=ordinal,
                                  amount_kopiyky=self._input.regeneration_price_kopiyky)

    async def _settle(self, delivered: int) -> None:
        if not self._enabled or self.settled:
            return
        await workflow.execute_activity(act.settle_generation, SettlementRequest(
            job_id=self._input.job_id, user_id=self._input.user_id, delivered=delivered,
            total=self._input.variant_count), **self._options,
            summary=f"charge for {delivered} variants" if delivered else "refund the reservation")
        self.settled = True
