"""Generation makespan with the replicate provider against the fake Replicate server, every prediction taking L s.

The real workflow, workers and API (testkit.replicate_stack, webhooks served on a real port) run 24 variants
at P = 4 and P = 24 parallel syntheses. Printed per P:

- makespan: first synthesis activity started → last one completed (from the workflow's history), and its ratio to
  the ideal ceil(24/P)·L — the same measure as bench/generation_makespan.py gives for the local path;
- paid: first prediction created → last one completed, as the fake saw them (what Replicate bills runs inside);
- reads per prediction: GETs of a prediction or of the prediction list the fake received, per prediction created;
  API calls per prediction: every request besides creates and output downloads (what Replicate's 3000 a minute
  "other" budget counts: reads, lists, file uploads, cancels).

The gap between makespan and paid span is our overhead: photo upload, reconciliation lookup, create, noticing
completion (pushed by webhooks: the worker reads newly stored ones every --tail s; or, with --no-webhooks,
adaptive polling: first read at --expected s, then from --poll s growing by --backoff), download, storing
image and thumbnail. --fixed polls every --poll s from the start (the provider before adaptive polling).

    .venv/bin/python bench/replicate_makespan.py [--latency 2.0] [--expected L] [--poll 2.0] [--backoff 1.5]
                                                 [--fixed] [--tail 0.1] [--no-webhooks]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment

from contracts import activities as contract
from testkit.fake_replicate.server import FakeReplicate
from testkit.journey import start_generation, wait_for_status
from testkit.replicate_stack import replicate_stack
from testkit.temporal import start_dev_server


@dataclass
class Span:
    first: datetime
    last: datetime
    history_events: int  # the run's Temporal history up to ready_for_selection: what docs/scaling.md sizes
    history_bytes: int


async def synthesis_span(env: WorkflowEnvironment, workflow_id: str, variants: int) -> Span:
    """First generate_variant activity started → last one completed, and the history's size, from its events."""
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
    return Span(min(started), max(completed), len(history.events), sum(e.ByteSize() for e in history.events))


def polling(args: argparse.Namespace) -> dict[str, float]:
    if args.fixed:
        return {"poll_interval_seconds": args.poll, "expected_prediction_seconds": 0.0, "poll_backoff_factor": 1.0}
    expected = args.latency if args.expected is None else args.expected
    return {"poll_interval_seconds": args.poll, "expected_prediction_seconds": expected,
            "poll_backoff_factor": args.backoff}


async def measure(env: WorkflowEnvironment, parallel: int,
                  args: argparse.Namespace) -> tuple[float, float, int, Counter[str], Span]:
    """Makespan and paid span of one generation, its number of variants (the settings' default, 24), the
    requests the fake received per route, and the synthesis span with the history's size."""
    with FakeReplicate() as fake, tempfile.TemporaryDirectory() as folder:
        fake.set_prediction_timing(starting_seconds=0.0, processing_seconds=args.latency)
        fake.set_training_timing(starting_seconds=0.0, processing_seconds=0.1)
        async with replicate_stack(
            Path(folder), env, fake, webhooks=args.webhooks, max_parallel=parallel,
            provider_activities_per_second=args.rate, worker_max_concurrent_activities=32,
            replicate={**polling(args), "push_tail_interval_seconds": args.tail, "request_timeout_seconds": 30.0,
                       "push_list_interval_seconds": 30.0, "push_read_after_seconds": 120.0},
        ) as stack:
            async with stack.worker():
                headers, started = await start_generation(stack.api)
                await wait_for_status(stack.api, headers, started["job_id"], "ready_for_selection", seconds=600)
            variants = stack.settings.variant_count
            span = await synthesis_span(env, started["workflow_id"], variants)
        predictions = fake.predictions()
        assert len(predictions) == variants, f"{len(predictions)} predictions paid for {variants} variants"
        completed = [p.completed_at for p in predictions if p.completed_at is not None]
        assert len(completed) == variants, f"{len(completed)} predictions completed"
        paid = max(completed) - min(p.created_at for p in predictions)
        requests = fake.requests_per_route()
    return (span.last - span.first).total_seconds(), paid, variants, requests, span


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency", type=float, default=2.0, help="seconds per prediction (L)")
    parser.add_argument("--poll", type=float, default=2.0,
                        help="wait after the expected end, then growing (production default 2)")
    parser.add_argument("--expected", type=float, default=None,
                        help="first read this long after a prediction's creation (default: the latency L)")
    parser.add_argument("--backoff", type=float, default=1.5, help="each wait this times the last (default 1.5)")
    parser.add_argument("--fixed", action="store_true", help="poll every --poll s from the start instead")
    parser.add_argument("--tail", type=float, default=0.1,
                        help="how often a waiting worker reads newly stored webhooks (production default 0.1)")
    parser.add_argument("--no-webhooks", dest="webhooks", action="store_false", help="polling only")
    parser.add_argument("--rate", type=float, default=1000.0,
                        help="provider activities per second (the server-side cap; production default is 10)")
    args = parser.parse_args()
    env = await start_dev_server()
    try:
        how = (f"every {args.poll} s" if args.fixed else
               f"first at {polling(args)['expected_prediction_seconds']} s, then {args.poll} s x{args.backoff}")
        print(f"L = {args.latency} s, polled {how}, webhooks "
              f"{f'on (pushed, read every {args.tail} s)' if args.webhooks else 'off'}, provider queue capped at "
              f"{args.rate}/s")
        print(f"{'P':>3} {'makespan s':>11} {'ideal s':>8} {'ratio':>6} {'paid span s':>12} "
              f"{'reads/prediction':>17} {'API calls/prediction':>21} {'history events':>15} {'history kB':>11}")
        for parallel in (4, 24):
            makespan, paid, variants, requests, span = await measure(env, parallel, args)
            ideal = math.ceil(variants / parallel) * args.latency
            created = requests["create_prediction"]
            reads = requests["get_prediction"] + requests["list_predictions"]
            other = sum(requests.values()) - created - requests["download_output"]
            print(f"{parallel:>3} {makespan:>11.2f} {ideal:>8.2f} {makespan / ideal:>6.3f} {paid:>12.2f} "
                  f"{reads / created:>17.2f} {other / created:>21.2f} {span.history_events:>15} "
                  f"{span.history_bytes / 1e3:>11.1f}")
    finally:
        await env.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
