"""Generation makespan with a provider of fixed latency L, through the real workflow, worker and API.

Prints, for P = 4 and P = 24 parallel syntheses of 24 variants, the makespan (first synthesis start to last
synthesis end) and its ratio to the ideal ceil(24/P)·L. Goal: ratio ≤ 1.10.

    .venv/bin/python bench/generation_makespan.py [--latency 2.0]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import tempfile
import time
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from imaging.assets import sample_photo
from imaging.providers.base import (
    StartedCallback,
    SynthesisRequest,
    SynthesisResult,
    TrainingRequest,
    TrainingResult,
)
from testkit.journey import start_generation, wait_for_status
from testkit.stack import build_stack
from testkit.temporal import start_dev_server


class FixedLatencyProvider:
    """Answers every synthesis after exactly `latency` seconds and records when each one ran."""

    name = "fixed-latency"
    base_model = "bench"

    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.spans: list[tuple[float, float]] = []
        self._image = sample_photo()

    async def train(self, request: TrainingRequest, on_started: StartedCallback | None = None) -> TrainingResult:
        return TrainingResult(model_ref=f"bench:{request.photo_set_hash}")

    async def generate(self, request: SynthesisRequest,
                       on_started: StartedCallback | None = None) -> SynthesisResult:
        began = time.monotonic()
        await asyncio.sleep(self.latency)
        self.spans.append((began, time.monotonic()))
        return SynthesisResult(image=self._image)

    async def cancel(self, provider_ref: str, kind: str) -> None:
        """Nothing to stop: the delay is in this process."""


async def measure(env: WorkflowEnvironment, parallel: int, latency: float,
                  creates_per_second: float) -> tuple[float, int]:
    """The makespan of one generation, and its number of variants (the settings' default, 24)."""
    provider = FixedLatencyProvider(latency)
    with tempfile.TemporaryDirectory() as folder:
        async for stack in build_stack(Path(folder), env, image_provider=provider, max_parallel=parallel,
                                       provider_activities_per_second=creates_per_second,
                                       worker_max_concurrent_activities=32):
            variants = stack.settings.variant_count
            async with stack.worker():
                headers, started = await start_generation(stack.api)
                await wait_for_status(stack.api, headers, started["job_id"], "ready_for_selection", seconds=600)
    assert len(provider.spans) == variants
    return max(end for _, end in provider.spans) - min(start for start, _ in provider.spans), variants


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency", type=float, default=2.0, help="seconds per synthesis (L)")
    parser.add_argument("--rate", type=float, default=1000.0,
                        help="provider activities per second (the server-side cap; production default is 10)")
    args = parser.parse_args()
    env = await start_dev_server()
    try:
        print(f"L = {args.latency} s, provider queue capped at {args.rate}/s")
        print(f"{'P':>3} {'makespan s':>11} {'ideal s':>8} {'ratio':>6}")
        for parallel in (4, 24):
            makespan, variants = await measure(env, parallel, args.latency, args.rate)
            ideal = math.ceil(variants / parallel) * args.latency
            print(f"{parallel:>3} {makespan:>11.2f} {ideal:>8.2f} {makespan / ideal:>6.3f}")
    finally:
        await env.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
