"""Generation makespan with the replicate provider against the fake Replicate server, every prediction taking L s.

The real workflow, workers and API (testkit.replicate_stack, webhooks served on a real port) run 24 variants
at P = 4 and P = 24 parallel syntheses. Printed per P:

- makespan: first synthesis activity started → last one completed (from the workflow's history), and its ratio to
  the ideal ceil(24/P)·L — the same measure as bench/generation_makespan.py gives for the local path;
- paid: first prediction created → last one completed, as the fake saw them (what Replicate bills runs inside).

The gap between the two is our overhead: photo upload, reconciliation lookup, create, noticing completion (a poll
every --poll s, or a webhook read within --hint s), download, storing image and thumbnail.

    .venv/bin/python bench/replicate_makespan.py [--latency 2.0] [--poll 1.0] [--hint 0.5] [--no-webhooks]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import tempfile
from datetime import datetime
from pathlib import Path

from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment

from contracts import activities as contract
from testkit.fake_replicate.server import FakeReplicate
from testkit.journey import start_generation, wait_for_status
from testkit.replicate_stack import replicate_stack
from testkit.temporal import start_dev_server


async def synthesis_span(env: WorkflowEnvironment, workflow_id: str, variants: int) -> tuple[datetime, datetime]:
    """First generate_variant activity started → last one completed, from the workflow's event history."""
    history = await env.client.get_workflow_handle(workflow_id).fetch_history()
    synthesis: set[int] = set()
    started: list[datetime] = []
    completed: list[datetime] = []
    name = contract.generate_variant.__name__
    for event in history.events:
        kind = event.event_type
        if (kind == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
                and event.activity_task_scheduled_event_attributes.activity_type.name == name):
            synthesis.add(event.event_id)
        elif (kind == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
                and event.activity_task_started_event_attributes.scheduled_event_id in synthesis):
            started.append(event.event_time.ToDatetime())
        elif (kind == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED
                and event.activity_task_completed_event_attributes.scheduled_event_id in synthesis):
            completed.append(event.event_time.ToDatetime())
    assert len(completed) == variants, f"{len(completed)} syntheses completed"
    return min(started), max(completed)


async def measure(env: WorkflowEnvironment, parallel: int, args: argparse.Namespace) -> tuple[float, float, int]:
    """Makespan and paid span of one generation, and its number of variants (the settings' default, 24)."""
    with FakeReplicate() as fake, tempfile.TemporaryDirectory() as folder:
        fake.set_prediction_timing(starting_seconds=0.0, processing_seconds=args.latency)
        fake.set_training_timing(starting_seconds=0.0, processing_seconds=0.1)
        async with replicate_stack(
            Path(folder), env, fake, webhooks=args.webhooks, max_parallel=parallel,
            provider_activities_per_second=args.rate, worker_max_concurrent_activities=32,
            replicate={"poll_interval_seconds": args.poll, "status_hint_interval_seconds": args.hint,
                       "request_timeout_seconds": 30.0},
        ) as stack:
            async with stack.worker():
                headers, started = await start_generation(stack.api)
                await wait_for_status(stack.api, headers, started["job_id"], "ready_for_selection", seconds=600)
            variants = stack.settings.variant_count
            first, last = await synthesis_span(env, started["workflow_id"], variants)
        predictions = fake.predictions()
        assert len(predictions) == variants, f"{len(predictions)} predictions paid for {variants} variants"
        completed = [p.completed_at for p in predictions if p.completed_at is not None]
        assert len(completed) == variants, f"{len(completed)} predictions completed"
        paid = max(completed) - min(p.created_at for p in predictions)
    return (last - first).total_seconds(), paid, variants


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency", type=float, default=2.0, help="seconds per prediction (L)")
    parser.add_argument("--poll", type=float, default=1.0, help="prediction poll interval (production default 1)")
    parser.add_argument("--hint", type=float, default=0.5,
                        help="how often a wait reads webhook statuses from the database (production default 0.5)")
    parser.add_argument("--no-webhooks", dest="webhooks", action="store_false", help="polling only")
    parser.add_argument("--rate", type=float, default=1000.0,
                        help="provider activities per second (the server-side cap; production default is 10)")
    args = parser.parse_args()
    env = await start_dev_server()
    try:
        print(f"L = {args.latency} s, poll every {args.poll} s, webhooks "
              f"{f'on (read every {args.hint} s)' if args.webhooks else 'off'}, provider queue capped at "
              f"{args.rate}/s")
        print(f"{'P':>3} {'makespan s':>11} {'ideal s':>8} {'ratio':>6} {'paid span s':>12}")
        for parallel in (4, 24):
            makespan, paid, variants = await measure(env, parallel, args)
            ideal = math.ceil(variants / parallel) * args.latency
            print(f"{parallel:>3} {makespan:>11.2f} {ideal:>8.2f} {makespan / ideal:>6.3f} {paid:>12.2f}")
    finally:
        await env.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
