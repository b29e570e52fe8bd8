"""Credits through the HTTP API on the real stack: quotes, the reservation at the start and its limits (402, 429,
503), Idempotency-Key, `manage.py top-up`, and a provider failure refunded in GET /api/account."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import func, select
from temporalio.testing import WorkflowEnvironment

import manage
from db.models import Job, LedgerEntry
from imaging.providers.base import ProviderAccountError, StartedCallback, SynthesisRequest, SynthesisResult
from imaging.providers.local import LocalProvider
from testkit.api import register, upload_photos
from testkit.journey import wait_for_status
from testkit.stack import Stack, build_stack

VINTAGE_UAH = 849


@asynccontextmanager
async def _stack(tmp_path: Path, env: WorkflowEnvironment, **overrides: Any) -> AsyncIterator[Stack]:
    async for stack in build_stack(tmp_path, env, **overrides):
        yield stack


async def _customer(api: httpx.AsyncClient, email: str = "olena@example.com") -> tuple[dict[str, str], dict]:
    headers = await register(api, email=email)
    photos = await upload_photos(api, headers, count=2)
    templates = (await api.get("/api/templates", headers=headers)).json()
    vintage = next(t for t in templates if t["theme"] == "vintage")
    return headers, {"template_id": vintage["id"], "photo_ids": [p["id"] for p in photos], "year": 2027}


async def _count(stack: Stack, model: type, *conditions: object) -> int:
    async with stack.deps.sessions() as session:
        return (await session.exec(select(func.count()).select_from(model).where(*conditions))).one()


async def test_a_quote_is_honoured_for_fifteen_minutes_and_costs_stay_internal(
        tmp_path: Path, dev_server: WorkflowEnvironment) -> None:
    async with _stack(tmp_path, dev_server) as stack:
        headers, body = await _customer(stack.api)
        quote = (await stack.api.post("/api/calendars/quote", headers=headers, json=body | {"year": None})).json()
        assert (quote["price_uah"], quote["variant_count"], quote["model"]) == (VINTAGE_UAH, 24, "train")
        assert quote["eta_seconds"] > 0 and quote["balance_uah"] == 3000
        assert not any("cost" in field for field in quote), "our provider cost is never shown to customers"

        other = dict(body, photo_ids=body["photo_ids"][:1], quote_id=quote["quote_id"])
        mismatch = await stack.api.post("/api/calendars/generate", headers=headers, json=other)
        assert (mismatch.status_code, mismatch.json()["code"]) == (422, "quote_mismatch")

        started = await stack.api.post("/api/calendars/generate", headers=headers,
                                       json=body | {"quote_id": quote["quote_id"]})
        assert started.status_code == 202, started.text
        status = (await stack.api.get(started.json()["status_url"], headers=headers)).json()
        assert status["price_uah"] == VINTAGE_UAH and "cost_usd" not in status
        account = (await stack.api.get("/api/account", headers=headers)).json()
        assert account["balance_uah"] == 3000 - VINTAGE_UAH
        assert [(e["kind"], e["amount_uah"]) for e in account["entries"]] == [("reservation", -VINTAGE_UAH),
                                                                             ("top_up", 3000)]


async def test_an_expired_quote_is_refused(tmp_path: Path, dev_server: WorkflowEnvironment) -> None:
    async with _stack(tmp_path, dev_server, quote_ttl=timedelta(milliseconds=50)) as stack:
        headers, body = await _customer(stack.api)
        quote = (await stack.api.post("/api/calendars/quote", headers=headers, json=body)).json()
        await asyncio.sleep(0.1)
        late = await stack.api.post("/api/calendars/generate", headers=headers,
                                    json=body | {"quote_id": quote["quote_id"]})
        assert (late.status_code, late.json()["code"]) == (409, "quote_expired")
        assert await _count(stack, Job) == 0


async def test_the_same_idempotency_key_starts_one_generation(tmp_path: Path,
                                                              dev_server: WorkflowEnvironment) -> None:
    async with _stack(tmp_path, dev_server) as stack:
        headers, body = await _customer(stack.api)
        keyed = headers | {"Idempotency-Key": "order-1"}
        first = await stack.api.post("/api/calendars/generate", headers=keyed, json=body)
        again = await stack.api.post("/api/calendars/generate", headers=keyed, json=body)
        assert first.status_code == again.status_code == 202 and first.json() == again.json()
        assert await _count(stack, Job) == 1
        assert await _count(stack, LedgerEntry, LedgerEntry.kind == "reservation") == 1
        workflows = [w async for w in dev_server.client.list_workflows(
            f'WorkflowId = "{first.json()["workflow_id"]}"')]
        assert len(workflows) <= 1  # visibility may lag; the start itself was refused a second id
        reused = await stack.api.post("/api/calendars/generate", headers=keyed, json=body | {"preview": True})
        assert (reused.status_code, reused.json()["code"]) == (422, "idempotency_key_reused")
        another = await stack.api.post("/api/calendars/generate", headers=headers | {"Idempotency-Key": "order-2"},
                                       json=body)
        assert another.status_code == 202 and another.json()["job_id"] != first.json()["job_id"]


async def test_a_balance_short_of_the_price_answers_402_until_topped_up(tmp_path: Path,
                                                                         dev_server: WorkflowEnvironment) -> None:
    async with _stack(tmp_path, dev_server, signup_credit_uah=100) as stack:
        headers, body = await _customer(stack.api)
        refused = await stack.api.post("/api/calendars/generate", headers=headers, json=body)
        assert refused.status_code == 402 and refused.json()["code"] == "insufficient_credit"
        assert refused.json()["params"]["shortfall_uah"] == str(VINTAGE_UAH - 100)
        assert await _count(stack, Job) == 0  # nothing was stored

        balance = await manage.top_up(stack.settings, "Olena@example.com", VINTAGE_UAH - 100)
        assert balance == VINTAGE_UAH * 100
        started = await stack.api.post("/api/calendars/generate", headers=headers, json=body)
        assert started.status_code == 202, started.text
        assert (await stack.api.get("/api/account", headers=headers)).json()["balance_uah"] == 0


async def test_limits_on_generations_at_once_and_daily_spend_answer_429(tmp_path: Path,
                                                                        dev_server: WorkflowEnvironment) -> None:
    async with _stack(tmp_path, dev_server, max_concurrent_generations=1, daily_spend_limit_uah=1500) as stack:
        headers, body = await _customer(stack.api)
        assert (await stack.api.post("/api/calendars/generate", headers=headers, json=body)).status_code == 202
        busy = await stack.api.post("/api/calendars/generate", headers=headers, json=body)
        assert (busy.status_code, busy.json()["code"], busy.json()["params"]["limit"]) == \
               (429, "too_many_generations", 1)

        other_headers, other_body = await _customer(stack.api, email="petro@example.com")
        async with stack.deps.sessions() as session:  # the first one is no longer producing: only money limits now
            for job in (await session.exec(select(Job))).all():
                job.status = "ready_for_selection"
                session.add(job)
            await session.commit()
        second = await stack.api.post("/api/calendars/generate", headers=headers, json=body)
        assert (second.status_code, second.json()["code"]) == (429, "daily_spend_limit")
        assert second.json()["params"] == {"limit_uah": "1500", "spent_uah": str(VINTAGE_UAH)}
        assert (await stack.api.post("/api/calendars/generate", headers=other_headers,
                                     json=other_body)).status_code == 202  # limits are per customer


async def test_a_spent_provider_budget_pauses_new_generations(tmp_path: Path,
                                                              dev_server: WorkflowEnvironment) -> None:
    async with _stack(tmp_path, dev_server, provider_daily_budget_usd=0.0) as stack:
        headers, body = await _customer(stack.api)
        paused = await stack.api.post("/api/calendars/generate", headers=headers, json=body)
        assert (paused.status_code, paused.json()["code"]) == (503, "provider_budget_reached")
        assert int(paused.headers["Retry-After"]) > 0
        metrics = (await stack.api.get("/metrics")).text
        assert 'calendary_generations_refused_total{reason="provider_budget"}' in metrics
        assert (await stack.api.get("/api/account", headers=headers)).json()["balance_uah"] == 3000


class RefusedAccountProvider(LocalProvider):
    """Trains, then every synthesis is refused as Replicate refuses an account with no credit."""

    async def generate(self, request: SynthesisRequest, on_started: StartedCallback | None = None) -> SynthesisResult:
        raise ProviderAccountError("Replicate refused our account (HTTP 402): add credit")


async def test_a_provider_failure_is_refunded_and_shows_in_the_account(tmp_path: Path,
                                                                        dev_server: WorkflowEnvironment) -> None:
    async for stack in build_stack(tmp_path, dev_server, image_provider=RefusedAccountProvider()):
        headers, body = await _customer(stack.api)
        async with stack.worker():
            started = (await stack.api.post("/api/calendars/generate", headers=headers, json=body)).json()
            await wait_for_status(stack.api, headers, started["job_id"], "failed", seconds=60)
            async with asyncio.timeout(30):  # the refund is settled right after the failure is recorded
                while (account := (await stack.api.get("/api/account", headers=headers)).json())["balance_uah"] != 3000:
                    await asyncio.sleep(0.1)
        assert [(e["kind"], e["amount_uah"], e["job_id"]) for e in account["entries"]] == [
            ("refund", VINTAGE_UAH, started["job_id"]), ("reservation", -VINTAGE_UAH, started["job_id"]),
            ("top_up", 3000, None)]
