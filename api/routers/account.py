"""`GET /api/account`: the caller's balance and the ledger entries behind it."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentUserDep, SessionDep
from api.schemas import AccountBalanceOut, LedgerEntryOut
from contracts.vocabulary import LedgerKind
from services import ledger

router = APIRouter(prefix="/api/account", tags=["account"])


@router.get("", summary="My balance and its history (top-ups, reservations, charges, refunds)")
async def get_balance(user: CurrentUserDep, session: SessionDep) -> AccountBalanceOut:
    entries = await ledger.history(session, user.id)
    return AccountBalanceOut(
        balance_uah=ledger.in_uah(await ledger.balance(session, user.id)),
        entries=[LedgerEntryOut(kind=LedgerKind(e.kind), amount_uah=ledger.in_uah(e.amount_kopiyky),
                                job_id=e.job_id, created_at=e.created_at, note=e.note) for e in entries])
