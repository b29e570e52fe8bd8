"""A customer driven through the HTTP API, and the evidence a scenario's end state is judged by."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from contracts.vocabulary import TERMINAL_STAGES
from storage.base import Storage
from testkit.fake_replicate.server import FakeReplicate
from testkit.journey import pick_twelve, start_generation

TERMINAL = {str(stage) for stage in TERMINAL_STAGES}


@dataclass
class Customer:
    api: httpx.AsyncClient
    headers: dict[str, str]
    job: int
    workflow_id: str

    @classmethod
    async def start(cls, api: httpx.AsyncClient, email: str, outbox: Path, *, preview: bool = False) -> Customer:
        """Signs up (the confirmation link read from the stack's `outbox`) and starts a generation."""
        headers, started = await start_generation(api, email=email, preview=preview, outbox=outbox)
        return cls(api, headers, started["job_id"], started["workflow_id"])

    async def status(self) -> dict[str, Any]:
        """The job's status; an API that is restarting or waiting for its database is asked again."""
        while True:
            try:
                response = await self.api.get(f"/api/calendars/generate/{self.job}/status", headers=self.headers)
            except httpx.TransportError:
                response = None
            if response is not None and response.status_code == 200:
                return response.json()
            await asyncio.sleep(0.5)

    async def wait(self, done: Callable[[dict[str, Any]], bool], seconds: float, poll: float = 0.1) -> dict[str, Any]:
        async with asyncio.timeout(seconds):
            while not done(status := await self.status()):
                await asyncio.sleep(poll)
        return status

    async def wait_for_stage(self, stage: str, seconds: float = 300) -> dict[str, Any]:
        return await self.wait(lambda s: s["status"] in {stage} | TERMINAL, seconds)

    async def wait_for_variants(self, count: int, seconds: float = 300) -> dict[str, Any]:
        """Once `count` variants exist (or the job moved on without them)."""
        return await self.wait(lambda s: s["generated_variants_count"] >= count
                               or s["status"] not in {"pending", "training", "generating"}, seconds)

    async def finished(self, seconds: float = 600) -> dict[str, Any]:
        return await self.wait(lambda s: s["status"] in TERMINAL, seconds, poll=0.25)

    async def select_twelve(self, variants: list[dict[str, Any]]) -> httpx.Response:
        return await self.api.post(f"/api/calendars/generate/{self.job}/select", headers=self.headers,
                                   json={"selections": pick_twelve(variants)})

    async def cancel(self) -> int:
        return (await self.api.delete(f"/api/calendars/generate/{self.job}", headers=self.headers)).status_code

    async def calendar_images_served(self, calendar_id: int) -> tuple[int, int]:
        """(months, months whose image the API still serves) of the finished calendar."""
        calendar = (await self.api.get(f"/api/calendars/{calendar_id}", headers=self.headers)).json()
        served = 0
        for month in calendar["months"]:
            url = month["image_url"]
            fetch = self.api.get(url, headers=self.headers) if url.startswith("/") else _outside(url)
            served += (await fetch).status_code == 200
        return len(calendar["months"]), served


async def _outside(url: str) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.get(url)


# A variant's image, its JPEG thumbnail and the thumbnail's WebP copy.
OBJECTS_PER_VARIANT = 3


async def variant_objects(storage: Storage, job: int) -> list[str]:
    """Every variant image and thumbnail object the job has in storage (the listing proves deletions)."""
    return [key for key in await storage.list_keys("users") if f"/jobs/{job}/variants/" in key]


@dataclass
class Billing:
    """What the fake Replicate billed for one workflow: predictions per tag (a tag is one variant attempt)."""

    per_tag: dict[str, int]

    @classmethod
    def of(cls, fake: FakeReplicate | None, workflow_id: str) -> Billing:
        if fake is None:
            return cls({})
        return cls({tag: count for tag, count in fake.billed_predictions_per_tag().items()
                    if tag is not None and tag.startswith(f"{workflow_id}.")})

    @property
    def predictions(self) -> int:
        return sum(self.per_tag.values())

    @property
    def paid_twice(self) -> int:
        """Predictions paid again for a variant attempt already paid for: what durability must never cost."""
        return sum(count - 1 for count in self.per_tag.values())


@dataclass
class Outcome:
    """One scenario's end state, read through the API, the storage listing and the provider's bill."""

    scenario: str
    expected: str  # the job status the scenario must end in
    status: str
    reason: str | None
    variants: int  # variant rows the API shows
    objects: int  # variant objects in storage
    lost: int  # work the customer was entitled to and no longer has
    paid_twice: int
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def nothing_lost(self) -> bool:
        return self.status == self.expected and self.lost == 0 and self.paid_twice == 0

    def row(self) -> str:
        verdict = "ok" if self.nothing_lost else "LOST"
        reason = f" ({self.reason[:60]})" if self.reason and self.status != "completed" else ""
        return (f"| {self.scenario} | {self.status}{reason} | {self.variants} | {self.objects} | {self.lost} | "
                f"{self.paid_twice} | {verdict} |")


TABLE_HEADER = ("| scenario | outcome | variant rows | variant objects | lost | paid twice | |\n"
                "|---|---|---|---|---|---|---|")


async def generation_outcome(scenario: str, customer: Customer, storage: Storage, fake: FakeReplicate | None,
                             *, variant_count: int = 24, seconds: float = 600, **notes: Any) -> Outcome:
    """The end state of a generation that must survive its fault: ready for selection with every variant once."""
    status = await customer.wait_for_stage("ready_for_selection", seconds)
    numbers = sorted(v["variant_number"] for v in status["variants"])
    billing = Billing.of(fake, customer.workflow_id)
    if fake is not None:
        notes["billed"] = billing.predictions
        if billing.paid_twice:  # which variant attempt, for the fake's log and the workflow's history
            notes["paid_twice_tags"] = sorted(tag for tag, count in billing.per_tag.items() if count > 1)
    # A variant missing or shown twice is lost work either way: the customer can't choose what isn't there.
    lost = len(set(range(1, variant_count + 1)) ^ set(numbers)) + len(numbers) - len(set(numbers))
    return Outcome(scenario, "ready_for_selection", status["status"], status["error"], len(numbers),
                   len(await variant_objects(storage, customer.job)), lost, billing.paid_twice,
                   notes={"numbers": numbers, **notes})
