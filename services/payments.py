"""How money comes in: a pluggable payment provider, and the one way a confirmed payment credits an account.

A real provider (LiqPay, WayForPay, Stripe…) is asynchronous: `start` creates a checkout and returns its reference
and a page for the customer; the provider later calls our webhook route with a signed notice that the payment
succeeded. That route verifies the signature (as `POST /api/webhooks/replicate` does for Replicate), then calls
`credit(session, provider.name, notice.payment_ref, user_id, amount)` — keyed `top-up:{provider}:{ref}`, so the
provider's retried deliveries of one notice credit the account once. Nothing here touches the network: the
`offline` provider below confirms at once, for operators (`manage.py top-up`) and tests.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import LedgerEntry
from services import ledger


@dataclass(frozen=True)
class Payment:
    payment_ref: str
    amount_kopiyky: int
    confirmed: bool  # False: wait for the provider's webhook before crediting
    checkout_url: str | None = None


class PaymentProvider(Protocol):
    name: str

    async def start(self, user_id: int, amount_kopiyky: int, description: str) -> Payment: ...


class OfflinePaymentProvider:
    """Every payment is confirmed at once, with no money moving: for operators' credits and for tests."""

    name = "offline"

    async def start(self, user_id: int, amount_kopiyky: int, description: str) -> Payment:
        return Payment(payment_ref=uuid.uuid4().hex, amount_kopiyky=amount_kopiyky, confirmed=True)


async def credit(session: AsyncSession, provider: str, payment_ref: str, user_id: int, amount_kopiyky: int,
                 note: str) -> LedgerEntry:
    return await ledger.top_up(session, user_id, amount_kopiyky, key=f"top-up:{provider}:{payment_ref}", note=note)


async def pay_and_credit(session: AsyncSession, provider: PaymentProvider, user_id: int, amount_kopiyky: int,
                         note: str) -> LedgerEntry | None:
    """Start a payment; credit it now when the provider confirmed it at once (else its webhook will)."""
    payment = await provider.start(user_id, amount_kopiyky, note)
    if not payment.confirmed:
        return None
    return await credit(session, provider.name, payment.payment_ref, user_id, payment.amount_kopiyky, note)
