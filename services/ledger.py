"""Customers' money: an append-only ledger in kopiyky, the balance being the sum of a customer's entries.

Every write here runs inside the caller's transaction, after `lock_account`: on PostgreSQL that is
`SELECT … FOR UPDATE` on the customer's `user` row, so two transactions of one customer (two starts, a start and a
settlement) take turns, and the balance one reads cannot change before its entry commits. SQLite has no row locks:
its transactions are serializable (one writer at a time; a transaction that read before another committed is
refused with "database is locked", an answer to retry), so the same check holds there too.

Each entry has a unique `idempotency_key` (`reservation:7`, `settle:7`, `charge:7`, `regeneration:7:4`...): an
entry already written is found and not written again, and the unique constraint refuses a duplicate that raced past
the check, so a retried activity or request can never move money twice.

A generation's money: `reservation` (−price) at its start; then exactly one settlement (key `settle:{job}`): a
`refund` (+price) when it ends before its variants were delivered, or a `release` (+price) with a `charge` (−the
delivered share) when they are delivered. Paid regenerations are a `charge` each, refunded when they fail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Job, LedgerEntry, LedgerKind, User, utcnow

KOPIYKY_PER_UAH = 100
PRODUCING_STAGES = ("pending", "training", "generating")  # a generation that still makes (and pays for) images


class InsufficientCredit(Exception):
    def __init__(self, balance: int, needed: int) -> None:
        self.balance, self.needed, self.shortfall = balance, needed, needed - balance
        super().__init__(f"the balance is {uah(balance)} ₴ and {uah(needed)} ₴ is needed: "
                         f"top up {uah(self.shortfall)} ₴ more")


def in_uah(kopiyky: int) -> float:
    """An amount as the API shows it (hryvnias; the ledger keeps integer kopiyky)."""
    return kopiyky / KOPIYKY_PER_UAH


def uah(kopiyky: int) -> str:
    """849.00 → "849", 746.63 → "746.63": how amounts read in sentences."""
    whole, part = divmod(abs(kopiyky), KOPIYKY_PER_UAH)
    sign = "-" if kopiyky < 0 else ""
    return f"{sign}{whole}" if not part else f"{sign}{whole}.{part:02d}"


def start_of_day(now: datetime | None = None) -> datetime:
    """Midnight UTC: daily limits and budgets count from here."""
    return datetime.combine((now or utcnow()).astimezone(UTC).date(), time(), tzinfo=UTC)


async def lock_account(session: AsyncSession, user_id: int) -> None:
    await session.exec(select(User.id).where(User.id == user_id).with_for_update())


async def balance(session: AsyncSession, user_id: int) -> int:
    total = (await session.exec(select(func.coalesce(func.sum(LedgerEntry.amount_kopiyky), 0))
                                .where(LedgerEntry.user_id == user_id))).one()
    return int(total)


async def spent_today(session: AsyncSession, user_id: int) -> int:
    """What the customer's generations took from the balance since midnight UTC, refunds netted out."""
    total = (await session.exec(select(func.coalesce(func.sum(LedgerEntry.amount_kopiyky), 0)).where(
        LedgerEntry.user_id == user_id, LedgerEntry.kind != LedgerKind.top_up,
        col(LedgerEntry.created_at) >= start_of_day()))).one()
    return max(0, -int(total))


async def producing(session: AsyncSession, user_id: int) -> int:
    """The customer's generations still making images (a generation waiting for a choice no longer counts)."""
    return int((await session.exec(select(func.count()).select_from(Job).where(
        Job.user_id == user_id, col(Job.status).in_(PRODUCING_STAGES)))).one())


async def entry(session: AsyncSession, key: str) -> LedgerEntry | None:
    return (await session.exec(select(LedgerEntry).where(LedgerEntry.idempotency_key == key))).first()


async def post(session: AsyncSession, *, user_id: int, kind: LedgerKind, amount: int, key: str,
               job_id: int | None = None, note: str = "") -> LedgerEntry:
    """Write the entry unless its key is written already (then that one is answered). Caller holds the lock."""
    existing = await entry(session, key)
    if existing is not None:
        return existing
    row = LedgerEntry(user_id=user_id, kind=kind, amount_kopiyky=amount, idempotency_key=key, job_id=job_id,
                      note=note[:200])
    session.add(row)
    await session.flush()  # the unique key refuses a duplicate here, inside this transaction
    return row


async def top_up(session: AsyncSession, user_id: int, amount: int, *, key: str, note: str) -> LedgerEntry:
    if amount <= 0:
        raise ValueError(f"a top-up must be positive, got {uah(amount)} ₴")
    await lock_account(session, user_id)
    return await post(session, user_id=user_id, kind=LedgerKind.top_up, amount=amount, key=key, note=note)


async def reserve(session: AsyncSession, job: Job, amount: int) -> None:
    """The job's price, held at its start. Raises InsufficientCredit; the caller holds the lock."""
    available = await balance(session, job.user_id)
    if available < amount:
        raise InsufficientCredit(available, amount)
    await post(session, user_id=job.user_id, kind=LedgerKind.reservation, amount=-amount,
               key=f"reservation:{job.id}", job_id=job.id, note=f"generation {job.id}: reserved")


@dataclass(frozen=True)
class Settled:
    charged: int
    refunded: int


async def settle(session: AsyncSession, job_id: int, user_id: int, *, delivered: int, total: int) -> Settled:
    """Settle the job's reservation once: no variants delivered → all of it back; otherwise the delivered share is
    charged (rounded down to the kopiyka) and the rest given back. A second call answers what the first did."""
    await lock_account(session, user_id)
    reservation = await entry(session, f"reservation:{job_id}")
    if reservation is None:
        return Settled(charged=0, refunded=0)  # started before prices were charged: nothing was held
    held = -reservation.amount_kopiyky
    done = await entry(session, f"settle:{job_id}")
    if done is not None:
        charge = await entry(session, f"charge:{job_id}")
        charged = -charge.amount_kopiyky if charge else 0
        return Settled(charged=charged, refunded=held - charged)
    if delivered <= 0:
        await post(session, user_id=user_id, kind=LedgerKind.refund, amount=held, key=f"settle:{job_id}",
                   job_id=job_id, note=f"generation {job_id}: nothing delivered, refunded in full")
        return Settled(charged=0, refunded=held)
    charged = held * min(delivered, total) // total
    await post(session, user_id=user_id, kind=LedgerKind.release, amount=held, key=f"settle:{job_id}",
               job_id=job_id, note=f"generation {job_id}: reservation ended")
    await post(session, user_id=user_id, kind=LedgerKind.charge, amount=-charged, key=f"charge:{job_id}",
               job_id=job_id, note=f"generation {job_id}: {min(delivered, total)} of {total} variants delivered")
    return Settled(charged=charged, refunded=held - charged)


async def charge_regeneration(session: AsyncSession, job_id: int, user_id: int, ordinal: int, amount: int) -> None:
    """The `ordinal`-th regeneration of the job, paid. Raises InsufficientCredit."""
    await lock_account(session, user_id)
    key = f"regeneration:{job_id}:{ordinal}"
    if await entry(session, key) is not None:
        return
    available = await balance(session, user_id)
    if available < amount:
        raise InsufficientCredit(available, amount)
    await post(session, user_id=user_id, kind=LedgerKind.charge, amount=-amount, key=key, job_id=job_id,
               note=f"generation {job_id}: regeneration {ordinal}")


async def refund_regeneration(session: AsyncSession, job_id: int, user_id: int, ordinal: int) -> None:
    """A paid regeneration that produced no image is given back (once; nothing if it was free)."""
    await lock_account(session, user_id)
    charge = await entry(session, f"regeneration:{job_id}:{ordinal}")
    if charge is not None:
        await post(session, user_id=user_id, kind=LedgerKind.refund, amount=-charge.amount_kopiyky,
                   key=f"regeneration-refund:{job_id}:{ordinal}", job_id=job_id,
                   note=f"generation {job_id}: regeneration {ordinal} failed, refunded")


async def history(session: AsyncSession, user_id: int, limit: int = 200) -> list[LedgerEntry]:
    return list((await session.exec(select(LedgerEntry).where(LedgerEntry.user_id == user_id)
                                    .order_by(col(LedgerEntry.id).desc()).limit(limit))).all())
