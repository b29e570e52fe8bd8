"""The fault scenarios. Each drives customers through the HTTP API, injects one fault and returns `Outcome`s read
from the API, the storage listing and the fake provider's bill; `tests/faults/` asserts them, `bench/faults.py`
prints them."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import uuid
from pathlib import Path
from typing import Any

from temporalio.testing import WorkflowEnvironment

from testkit.fake_replicate.server import FakeReplicate
from testkit.faults.evidence import Billing, Customer, Outcome, generation_outcome, variant_objects
from testkit.faults.outages import (
    PostgresCluster,
    StoppableS3,
    folder_gone,
    own_postgres_cluster,
    postgres_stopped,
)
from testkit.faults.stacks import PREDICTION_SECONDS, KillableWorker, SupervisedStack, supervised_stack
from testkit.stack import Stack

CANCEL_STAGES = ("training", "generating", "ready_for_selection", "finalizing", "completed")
CANCEL_SOURCES = ("api", "temporal")
# From `finalizing` on the selection was accepted: the calendar is made and the cancel refused.
KEEPS_CALENDAR = {"finalizing", "completed"}
VARIANTS = 24


async def _reach(customer: Customer, stage: str) -> dict[str, Any]:
    if stage == "training":
        return await customer.wait_for_stage("training")
    if stage == "generating":
        return await customer.wait_for_variants(3)
    ready = await customer.wait_for_stage("ready_for_selection")
    if stage == "ready_for_selection":
        return ready
    chosen = await customer.select_twelve(ready["variants"])
    assert chosen.status_code in (200, 202), chosen.text
    return await customer.wait_for_stage(stage)


async def cancel_at(stack: SupervisedStack, stage: str, source: str, email: str) -> Outcome:
    """One customer cancelled at `stage` from the API (`DELETE`) or by an operator (`temporal workflow cancel`)."""
    customer = await Customer.start(stack.api, email, stack.settings.outbox_dir)
    seen = await _reach(customer, stage)
    notes: dict[str, Any] = {"seen": seen["status"], "seen_variants": seen["generated_variants_count"]}
    if source == "api":
        notes["answer"] = await customer.cancel()
    else:
        notes["answer"], notes["cli"] = await stack.temporal_cancel(customer.workflow_id)
    final = await customer.finished()
    objects = await variant_objects(stack.storage, customer.job)
    expected = "completed" if stage in KEEPS_CALENDAR else "cancelled"
    lost = 0
    if expected == "completed":
        calendar = final["generated_calendar_id"]
        months, served = await customer.calendar_images_served(calendar) if calendar else (0, 0)
        lost, notes["months"] = 12 - served, months
    return Outcome(f"cancel from {source} while {stage}", expected, final["status"], final["error"],
                   len(final["variants"]), len(objects), lost,
                   Billing.of(stack.fake, customer.workflow_id).paid_twice, notes)


async def cancel_matrix(stack: SupervisedStack, tag: str,
                        sources: tuple[str, ...] = CANCEL_SOURCES) -> list[Outcome]:
    """Every stage × each of `sources` at once, one customer each (they share the stack, not their data)."""
    return list(await asyncio.gather(*(
        cancel_at(stack, stage, source, f"cancel-{tag}-{source}-{stage}@example.com".replace("_", "-"))
        for stage in CANCEL_STAGES for source in sources)))


async def provider_refuses(stack: SupervisedStack, status: int) -> Outcome:
    """Replicate answers `status` (401 bad token, 402 no credit) to every prediction create."""
    fake = stack.fake
    assert fake is not None, "a provider scenario needs the Replicate provider"
    planned = 100
    fake.faults.fail_next("create_prediction", times=planned, status=status)
    try:
        customer = await Customer.start(stack.api, f"refused-{status}@example.com", stack.settings.outbox_dir)
        final = await customer.finished()
        creates = planned - fake.faults.pending("create_prediction")
    finally:
        fake.faults.clear()
    billing = Billing.of(fake, customer.workflow_id)
    return Outcome(f"Replicate answers {status} on create", "failed", final["status"],
                   await stack.recorded_error(customer.job), len(final["variants"]),
                   len(await variant_objects(stack.storage, customer.job)), 0, billing.paid_twice,
                   {"creates": creates, "billed": billing.predictions, "shown": final["error"],
                    "code": final.get("error_code")})


async def worker_kills(stack: Stack, env: WorkflowEnvironment, fake: FakeReplicate, runs: int,
                       seed: int) -> list[Outcome]:
    """`runs` generations through the Replicate provider (`stack` from `killable_stack` on `fake`), each started and
    then hit by a SIGKILL of the worker process at a seeded random point of its progress — in training, or once it
    has `k` of its variants — while earlier generations are still running; a new worker process starts at once, as
    a supervisor or an orchestrator would. (Points in progress, not in seconds: a busy machine moves them nowhere.)"""
    rng = random.Random(seed)
    fake.set_prediction_timing(starting_seconds=0.1, processing_seconds=PREDICTION_SECONDS)
    fake.set_training_timing(starting_seconds=0.1, processing_seconds=1.0)
    customers: list[tuple[Customer, str]] = []
    async with KillableWorker(stack, env) as worker:
        for run in range(runs):
            customer = await Customer.start(stack.api, f"kill-{seed}-{run}@example.com",
                                            stack.settings.outbox_dir)
            point = rng.randint(-1, VARIANTS - 4)  # -1: as soon as it is training (or past it, if that was quick)

            seen = await (customer.wait(lambda s: s["status"] != "pending", 600) if point < 0
                          else customer.wait_for_variants(point, 600))
            await worker.kill_and_replace()
            customers.append((customer, f"{seen['status']} {seen['generated_variants_count']}/{VARIANTS}"))
        return [await generation_outcome(f"worker SIGKILL #{n} ({at})", customer, stack.deps.storage, fake,
                                         variant_count=VARIANTS, seconds=900)
                for n, (customer, at) in enumerate(customers, 1)]


async def temporal_restart(stack: SupervisedStack) -> Outcome:
    """The Temporal server SIGKILLed mid-generation; the supervisor starts it again on its state file."""
    customer = await Customer.start(stack.api, "temporal-restart@example.com", stack.settings.outbox_dir)
    await customer.wait_for_variants(VARIANTS // 4)
    old = stack.embedded.pids()["temporal"]
    os.kill(old, signal.SIGKILL)
    await stack.embedded.new_pid("temporal", old)
    return await generation_outcome("Temporal server SIGKILL mid-generation", customer, stack.storage, stack.fake)


async def postgres_outage(stack: SupervisedStack, cluster: PostgresCluster, seconds: float) -> Outcome:
    """PostgreSQL stopped for `seconds` with a quarter of the variants made."""
    customer = await Customer.start(stack.api, "postgres-outage@example.com", stack.settings.outbox_dir)
    await customer.wait_for_variants(VARIANTS // 4)
    async with postgres_stopped(cluster):
        await asyncio.sleep(seconds / 2)
        during = (await stack.api.get(f"/api/calendars/generate/{customer.job}/status",
                                      headers=customer.headers)).status_code
        await asyncio.sleep(seconds / 2)
    return await generation_outcome(f"PostgreSQL stopped {seconds:.0f} s", customer, stack.storage, stack.fake,
                                    api_during_outage=during)


async def folder_outage(stack: SupervisedStack, seconds: float) -> Outcome:
    """The file store's folder gone for `seconds` with a quarter of the variants made."""
    customer = await Customer.start(stack.api, "folder-outage@example.com", stack.settings.outbox_dir)
    await customer.wait_for_variants(VARIANTS // 4)
    async with folder_gone(stack.settings.storage_dir):
        await asyncio.sleep(seconds)
    return await generation_outcome(f"file store gone {seconds:.0f} s", customer, stack.storage, stack.fake)


async def s3_outage(stack: SupervisedStack, s3: StoppableS3, seconds: float) -> Outcome:
    """The S3 server stopped (connections refused) for `seconds` with a quarter of the variants made."""
    customer = await Customer.start(stack.api, "s3-outage@example.com", stack.settings.outbox_dir)
    await customer.wait_for_variants(VARIANTS // 4)
    async with s3.stopped():
        await asyncio.sleep(seconds)
    return await generation_outcome(f"S3 server stopped {seconds:.0f} s", customer, stack.storage, stack.fake)


# Only the retry interval is shortened (a setting an operator may also choose); the retry policy itself — no attempt
# cap, hours of tolerance — is production's.
SHORT_RETRY = {"CALENDARY_ACTIVITY_RETRY_MAX_INTERVAL": "5"}


async def database_outage(folder: Path, fake: FakeReplicate, seconds: float) -> Outcome:
    """PostgreSQL down for `seconds` under a stack of its own, on a PostgreSQL cluster of its own."""
    async with own_postgres_cluster() as cluster, \
            supervised_stack(folder / "pg-outage", fake=fake, CALENDARY_DATABASE_URL=cluster.url,
                             **SHORT_RETRY) as stack:
        return await postgres_outage(stack, cluster, seconds)


async def storage_outages(folder: Path, fake: FakeReplicate, seconds: float) -> list[Outcome]:
    """The file store and the S3 server each down for `seconds` on a stack of its own, at the same time."""
    s3 = StoppableS3()
    minio = {"CALENDARY_STORAGE_BACKEND": "minio", "CALENDARY_MINIO_ENDPOINT": s3.endpoint,
             "CALENDARY_MINIO_ACCESS_KEY": "faults", "CALENDARY_MINIO_SECRET_KEY": "faults",
             "CALENDARY_MINIO_BUCKET": f"faults-{uuid.uuid4().hex[:10]}"}
    with s3.running():
        async with supervised_stack(folder / "fs-outage", fake=fake, **SHORT_RETRY) as files, \
                supervised_stack(folder / "s3-outage", fake=fake, **minio, **SHORT_RETRY) as objects:
            return list(await asyncio.gather(folder_outage(files, seconds), s3_outage(objects, s3, seconds)))
