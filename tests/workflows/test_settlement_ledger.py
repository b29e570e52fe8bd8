"""The workflow with the real ledger activities, on SQLite and PostgreSQL: what a customer's account shows after
a generation failed, was delivered in part, or was retried."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from temporalio.client import WorkflowFailureError
from temporalio.testing import WorkflowEnvironment

from activities.deps import ActivityDeps
from activities.ledger import LedgerActivities
from contracts.messages import SettlementRequest
from contracts.vocabulary import Stage
from services import ledger
from settings import Settings
from tests.ledger.accounts import a_customer, a_template, start_paid_job
from tests.workflows.fake_activities import FakeActivities
from tests.workflows.test_calendar_generation import generation_input, reach, started, twelve
from workflows.calendar_generation import CalendarGenerationWorkflow

CREDIT, PRICE = 300_000, 84_900  # 3000 ₴ and 849 ₴, in kopiyky


@pytest.fixture
async def deps(backend: Settings) -> AsyncIterator[ActivityDeps]:
    built = await ActivityDeps.from_settings(backend)
    yield built
    await built.close()


async def _run(env: WorkflowEnvironment, fakes: FakeActivities, deps: ActivityDeps, job_id: int, user_id: int,
               *, choose: bool) -> None:
    money = LedgerActivities(deps)
    real = [money.settle_generation, money.charge_regeneration, money.refund_regeneration]
    names = {fn.__name__ for fn in real}
    activities = [fn for fn in fakes.all() if fn.__name__ not in names] + real
    async with started(env, fakes, generation_input(job_id=job_id, user_id=user_id, max_variant_replacements=0),
                       activities=activities) as handle:
        if choose:
            await reach(handle, Stage.ready_for_selection)
            await handle.signal(CalendarGenerationWorkflow.select, twelve())
            await handle.result()
        else:
            with pytest.raises(WorkflowFailureError):
                await handle.result()


async def _account(deps: ActivityDeps, user_id: int) -> tuple[int, list[str]]:
    async with deps.sessions() as session:
        entries = await ledger.history(session, user_id)
        return await ledger.balance(session, user_id), [e.kind for e in reversed(entries)]


async def test_a_provider_failure_refunds_the_reservation(own_time_skipping_env: WorkflowEnvironment,
                                                          deps: ActivityDeps) -> None:
    user = await a_customer(deps.sessions, CREDIT)
    job = await start_paid_job(deps.sessions, user, await a_template(deps.sessions), PRICE)
    assert job is not None and (await _account(deps, user))[0] == CREDIT - PRICE
    await _run(own_time_skipping_env, FakeActivities(fail_training=True), deps, job, user, choose=False)
    assert await _account(deps, user) == (CREDIT, ["top_up", "reservation", "refund"])


async def test_a_partial_delivery_is_charged_pro_rata_once(own_time_skipping_env: WorkflowEnvironment,
                                                           deps: ActivityDeps) -> None:
    user = await a_customer(deps.sessions, CREDIT)
    job = await start_paid_job(deps.sessions, user, await a_template(deps.sessions), PRICE)
    assert job is not None
    fakes = FakeActivities(rejected={(1, 0), (2, 0), (3, 0)})  # 21 of 24 variants
    await _run(own_time_skipping_env, fakes, deps, job, user, choose=True)
    charged = PRICE * 21 // 24
    assert await _account(deps, user) == (CREDIT - charged, ["top_up", "reservation", "release", "charge"])
    # A retried (or late) settlement, even one claiming another outcome, moves nothing.
    retried = await LedgerActivities(deps).settle_generation(
        SettlementRequest(job_id=job, user_id=user, delivered=0, total=24))
    assert (retried.charged_kopiyky, retried.refunded_kopiyky) == (charged, PRICE - charged)
    async with deps.sessions() as session:
        entries = await ledger.history(session, user)
    assert sum(e.amount_kopiyky for e in entries) == CREDIT - charged and len(entries) == 4
    assert [e.job_id for e in entries if e.kind != "top_up"] == [job, job, job]
