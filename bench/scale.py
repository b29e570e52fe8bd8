"""N customers generating at once through the Replicate provider: how close to ideal, and at what cost per variant.

What `make run` starts (`manage.py run`: the Temporal dev server, the API and ONE worker as separate processes,
SQLite) with the Replicate provider, against the fake Replicate server running in a process of its own
(testkit/fake_replicate/remote.py) with every prediction taking L s and trainings T s, webhooks delivered to the API.
Every customer registers and uploads photos first; then all N generations are started at once.

Printed:
- all ready: first start → last job ready for selection, over the ideal T + ceil(V/P)·L (V variants, P at once);
- per customer: start → ready, p50 and p95; training end → last variant, over ceil(V/P)·L (the N = 1 goal);
- provider reads per prediction (GETs of a prediction plus list pages, per prediction created) and API calls per
  prediction besides creates and output downloads (what Replicate's 3000 a minute counts), 429s received;
- CPU ms per variant of each process (worker, API, Temporal), from /proc, over the whole run.

    .venv/bin/python bench/scale.py [--customers 30] [--latency 2] [--training 2] [--parallel 4] [--seconds 900]
                                    [--scoring-processes 1] [--no-webhooks] [--budget]
    (--budget: Replicate's 600 creates / 3000 other calls a minute)

Bounded: it gives up after --seconds and prints what it measured. It runs on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func
from sqlmodel import col, select

from db.models import GeneratedCalendarVariant, Job, Training, UploadedFile
from db.session import make_engine, make_session_factory
from imaging.providers.replicate_settings import ReplicateSettings
from settings import Settings
from testkit.api import register, upload_photos
from testkit.embedded import free_port
from testkit.fake_replicate.remote import RemoteFake
from testkit.faults.stacks import provider_environment, supervised_stack
from testkit.replicate_stack import WEBHOOK_PATH, replicate_overrides
from testkit.settings import PRODUCTION_PASSWORD_HASHING, as_environment

_TICKS = os.sysconf("SC_CLK_TCK")
_UNLIMITED = "1000000/minute"


def cpu_seconds(root: int) -> float:
    """User + system CPU of a process and every process under it, living (the worker's scoring pool) or ended and
    waited for."""
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        used[pid] = sum(int(value) for value in fields[11:15]) / _TICKS

    def under_root(pid: int) -> bool:
        while pid > 1:
            if pid == root:
                return True
            pid = parents.get(pid, 0)
        return False

    return sum(seconds for pid, seconds in used.items() if under_root(pid))


def environment(fake: RemoteFake, args: argparse.Namespace, api_port: int) -> dict[str, str]:
    webhook_url = f"http://127.0.0.1:{api_port}{WEBHOOK_PATH}" if args.webhooks else None
    overrides = replicate_overrides(fake, webhook_url, replicate={
        # Production's waiting, with the first read (polling only) when jobs of this length end.
        "expected_prediction_seconds": args.latency, "expected_training_seconds": args.training,
        "poll_interval_seconds": 2.0, "training_poll_interval_seconds": 10.0, "poll_backoff_factor": 1.5,
        "request_timeout_seconds": 30.0, "starting_deadline_seconds": 600.0, "prediction_deadline_seconds": 900.0,
        "training_deadline_seconds": 900.0, **{name: ReplicateSettings.model_fields[name].default for name in (
            "push_tail_interval_seconds", "push_list_interval_seconds", "push_read_after_seconds")}})
    variables = provider_environment(Settings(_env_file=None, **overrides))
    for name in ("REGISTER", "LOGIN", "UPLOAD", "GENERATE"):
        variables[f"CALENDARY_RATE_LIMIT_{name}"] = _UNLIMITED  # one IP signs up every customer here
    # Production's Argon2 cost, not the suite's cheap one (testkit.embedded): sign-ups cost what they will.
    variables |= as_environment(PRODUCTION_PASSWORD_HASHING)
    return variables | {
        "CALENDARY_API_PORT": str(api_port),
        "CALENDARY_PROVIDER_ACTIVITIES_PER_SECOND": str(args.creates_per_second),
        # One provider slot per prediction in flight, plus room for the database and scoring work.
        "CALENDARY_WORKER_MAX_CONCURRENT_ACTIVITIES": str(args.customers * args.parallel + 64),
        "CALENDARY_MAX_PARALLEL": str(args.parallel),
        "CALENDARY_SCORING_PROCESSES": str(args.scoring_processes),
    }


async def prepare(api: httpx.AsyncClient, outbox: Path,
                  customers: int) -> list[tuple[dict[str, str], dict[str, object]]]:
    """Register every customer (confirming with the link the stack wrote to `outbox`) and upload their photos (ten
    at a time): the start requests, ready to send."""
    gate = asyncio.Semaphore(10)

    async def one(number: int) -> tuple[dict[str, str], dict[str, object]]:
        async with gate:
            headers = await register(api, email=f"scale-{number}@example.com", outbox=outbox)
            photos = await upload_photos(api, headers, count=3)
        return headers, {"photo_ids": [p["id"] for p in photos], "preview": False, "year": 2027}

    prepared = await asyncio.gather(*(one(n) for n in range(customers)))
    templates = (await api.get("/api/templates", headers=prepared[0][0])).json()
    template = next(t for t in templates if t["theme"] == "vintage")
    return [(headers, body | {"template_id": template["id"]}) for headers, body in prepared]


async def start_all(api: httpx.AsyncClient, requests: list[tuple[dict[str, str], dict[str, object]]]) -> list[int]:
    async def start(headers: dict[str, str], body: dict[str, object]) -> int:
        response = await api.post("/api/calendars/generate", headers=headers, json=body)
        assert response.status_code == 202, response.text
        return int(response.json()["job_id"])

    return await asyncio.gather(*(start(headers, body) for headers, body in requests))


@dataclass
class Outcome:
    jobs: list[Job]
    trainings: list[Training]
    last_stored: dict[int, datetime]  # job id -> when its last variant's image was stored
    stored: int  # variants with an image, over every job


async def wait_ready(settings: Settings, jobs: list[int], seconds: float) -> Outcome:
    """Poll the database (not the API, whose CPU is measured) once a second until every job is ready or done."""
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    deadline = time.monotonic() + seconds
    try:
        while True:
            async with sessions() as session:
                rows = list((await session.exec(select(Job).where(col(Job.id).in_(jobs)))).all())
                waiting = [r for r in rows if r.ready_at is None and r.status in ("pending", "training", "generating")]
                if not waiting or time.monotonic() > deadline:
                    models = [r.flux_model_id for r in rows if r.flux_model_id is not None]
                    trainings = list((await session.exec(
                        select(Training).where(col(Training.flux_model_id).in_(models)))).all())
                    stored = (await session.exec(
                        select(GeneratedCalendarVariant.job_id, func.max(UploadedFile.created_at),
                               func.count(col(UploadedFile.id)))
                        .join(UploadedFile, col(UploadedFile.id) == col(GeneratedCalendarVariant.generated_file_id))
                        .where(col(GeneratedCalendarVariant.job_id).in_(jobs))
                        .group_by(col(GeneratedCalendarVariant.job_id)))).all()
                    return Outcome(rows, trainings, {job: at for job, at, _ in stored if at is not None},
                                   sum(count for _, _, count in stored))
            await asyncio.sleep(1.0)
    finally:
        await engine.dispose()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=30)
    parser.add_argument("--latency", type=float, default=2.0, help="seconds per prediction (L)")
    parser.add_argument("--training", type=float, default=2.0, help="seconds per training (T)")
    parser.add_argument("--parallel", type=int, default=4, help="syntheses at once per generation (P)")
    parser.add_argument("--seconds", type=float, default=900.0, help="give up waiting after this long")
    parser.add_argument("--creates-per-second", type=float, default=1000.0,
                        help="the provider queue's rate limit (production: 10, Replicate's 600 a minute)")
    parser.add_argument("--scoring-processes", type=int, default=Settings.model_fields["scoring_processes"].default,
                        help="the worker's face-scoring processes (CALENDARY_SCORING_PROCESSES)")
    parser.add_argument("--no-webhooks", dest="webhooks", action="store_false", help="adaptive polling only")
    parser.add_argument("--budget", action="store_true",
                        help="the fake enforces one account's 600 creates / 3000 other calls a minute")
    args = parser.parse_args()

    fake = RemoteFake.start()
    try:
        fake.set_rate_budget(creates=600 if args.budget else None, others=3000 if args.budget else None)
        api_port = free_port()
        with tempfile.TemporaryDirectory() as folder:
            async with supervised_stack(Path(folder), fake=None, **environment(fake, args, api_port)) as stack:
                fake.set_prediction_timing(starting_seconds=0.0, processing_seconds=args.latency)
                fake.set_training_timing(starting_seconds=0.0, processing_seconds=args.training)
                requests = await prepare(stack.api, stack.settings.outbox_dir, args.customers)
                pids = stack.embedded.pids()
                before_stats = fake.stats()
                cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
                began = time.time()
                jobs = await start_all(stack.api, requests)
                outcome = await wait_ready(stack.settings, jobs, args.seconds)
                cpu = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in pids.items()}
                after_stats = fake.stats()
        report(args, began, outcome, cpu, before_stats, after_stats)
    finally:
        fake.stop()


def report(args: argparse.Namespace, began: float, outcome: Outcome, cpu: dict[str, float],
           before: dict[str, Any], after: dict[str, Any]) -> None:
    variants, rows = 24, outcome.jobs
    ready = [r for r in rows if r.ready_at is not None]
    print(f"N = {args.customers}, L = {args.latency} s, T = {args.training} s, P = {args.parallel}, "
          f"webhooks {'on' if args.webhooks else 'off'}, budget {'600/3000 a minute' if args.budget else 'off'}")
    print(f"ready: {len(ready)} of {len(rows)} customers, {outcome.stored} variants stored"
          + ("" if len(ready) == len(rows) else f" (gave up after {args.seconds:.0f} s; times cover those ready)"))
    provider_figures(after, before)
    print("CPU ms per variant stored: " + ", ".join(f"{name} {1000 * seconds / max(outcome.stored, 1):.1f}"
                                                    for name, seconds in cpu.items()))
    if not ready:
        return
    ideal_synthesis = math.ceil(variants / args.parallel) * args.latency
    ideal = args.training + ideal_synthesis
    all_ready = max(r.ready_at.timestamp() for r in ready if r.ready_at) - began
    per_customer = [r.ready_at.timestamp() - r.created_at.timestamp() for r in ready if r.ready_at]
    print(f"all ready {all_ready:.1f} s, ideal {ideal:.1f} s, ratio {all_ready / ideal:.2f}; per customer "
          f"p50 {statistics.median(per_customer):.1f} s, p95 {percentile(per_customer, 0.95):.1f} s")
    trained = {t.flux_model_id: t.finished_at for t in outcome.trainings if t.finished_at}
    after_training = [(outcome.last_stored[r.id] - trained[r.flux_model_id]).total_seconds() for r in ready
                      if r.flux_model_id in trained and r.id in outcome.last_stored]
    if after_training:
        print(f"training end → last variant stored: p50 {statistics.median(after_training):.2f} s, max "
              f"{max(after_training):.2f} s, ideal {ideal_synthesis:.1f} s, ratio "
              f"{max(after_training) / ideal_synthesis:.3f} (ready for selection after scoring it: "
              f"{max(r.ready_at.timestamp() for r in ready if r.ready_at) - max(trained.values()).timestamp():.2f} s)")


def provider_figures(after: dict[str, Any], before: dict[str, Any]) -> None:
    requests = Counter(after["requests"]) - Counter(before["requests"])
    created = max(requests["create_prediction"], 1)
    reads = requests["get_prediction"] + requests["list_predictions"]
    other = requests.total() - requests["create_prediction"] - requests["create_training"] - requests["download_output"]
    print(f"provider: {requests['create_prediction']} predictions; reads/prediction {reads / created:.3f} "
          f"({requests['get_prediction']} GETs, {requests['list_predictions']} list pages); API calls/prediction "
          f"besides creates {other / created:.2f}; 429s {sum(after['throttled'].values())}; "
          f"lost webhooks {after['lost_webhooks']}")


if __name__ == "__main__":
    asyncio.run(main())
