"""Ledger invariants under concurrency (hypothesis), on SQLite and PostgreSQL.

Each example is one customer with some credit, several generations started at once (each reserving its price,
then settled: refunded when nothing was delivered, charged pro rata otherwise, then settled again as a retry or a
late cancel would), and top-ups arriving meanwhile — every step its own transaction on its own connection, as the
API and the worker's activities run them. Whatever the interleaving:
- the balance never goes negative (no prefix of the customer's entries, in the order they were written, is below 0);
- the balance is what the outcomes say: credit + top-ups − what the delivered variants cost;
- each job is reserved once, settled once and charged at most once;
- every job that delivered nothing is refunded its full price.
"""

from __future__ import annotations

import asyncio
from itertools import accumulate

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db.models import LedgerEntry, LedgerKind
from db.session import make_engine, make_session_factory
from services import ledger
from settings import Settings
from tests.ledger.accounts import a_customer, a_template, start_paid_job

TOTAL = 24
# (price in kopiyky, variants delivered: 0 = failed or cancelled before delivery, what a retry claims after)
JOBS = st.lists(st.tuples(st.integers(1, 150_000), st.integers(0, TOTAL), st.integers(0, TOTAL)),
                min_size=1, max_size=6)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(credit=st.integers(0, 400_000), jobs=JOBS, top_ups=st.lists(st.integers(1, 100_000), max_size=3))
async def test_ledger_invariants_hold_under_concurrency(backend: Settings, credit: int,
                                                        jobs: list[tuple[int, int, int]], top_ups: list[int]) -> None:
    engine = make_engine(backend.database_url, writes=True)
    sessions = make_session_factory(engine)
    try:
        template = await a_template(sessions)
        user = await a_customer(sessions, credit)

        async def generation(price: int, delivered: int, retried: int) -> int | None:
            job = await start_paid_job(sessions, user, template, price)
            if job is not None:
                for claim in (delivered, retried):  # the second settlement must change nothing
                    async with sessions() as session, session.begin():
                        await ledger.settle(session, job, user, delivered=claim, total=TOTAL)
            return job

        async def top_up(number: int, amount: int) -> None:
            async with sessions() as session, session.begin():
                await ledger.top_up(session, user, amount, key=f"test:{user}:{number}", note="top-up")

        started = await asyncio.gather(*(generation(*job) for job in jobs),
                                       *(top_up(n, amount) for n, amount in enumerate(top_ups)))
        async with sessions() as session:
            balance = await ledger.balance(session, user)
            entries = list(reversed(await ledger.history(session, user)))
    finally:
        await engine.dispose()

    job_ids = started[:len(jobs)]
    expected = credit + sum(top_ups) - sum(price * delivered // TOTAL
                                           for (price, delivered, _), job in zip(jobs, job_ids, strict=True) if job)
    assert balance == expected == sum(e.amount_kopiyky for e in entries)
    assert min(accumulate(e.amount_kopiyky for e in entries), default=0) >= 0, "the balance went below zero"
    for (price, delivered, _), job in zip(jobs, job_ids, strict=True):
        mine = [e for e in entries if e.job_id == job]
        if job is None:
            continue
        assert _kinds(mine, LedgerKind.reservation) == [-price]
        if delivered == 0:
            assert _kinds(mine, LedgerKind.refund) == [price] and _kinds(mine, LedgerKind.charge) == []
        else:
            assert _kinds(mine, LedgerKind.release) == [price]
            assert _kinds(mine, LedgerKind.charge) == [-(price * delivered // TOTAL)]
            assert _kinds(mine, LedgerKind.refund) == []
    # A start is refused only for want of money: when the credit alone covers every price, every one started.
    if sum(price for price, _, _ in jobs) <= credit:
        assert all(job is not None for job in job_ids)


def _kinds(entries: list[LedgerEntry], kind: LedgerKind) -> list[int]:
    return [e.amount_kopiyky for e in entries if e.kind == kind]
