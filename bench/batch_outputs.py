"""Batch predictions (issue 16 item 6): 24 variants as 24 one-output flux predictions, or as 6 predictions of
`num_outputs` = 4, against the fake Replicate, with the billing and timing Replicate documents for flux.

Replicate bills a trained flux LoRA version (our variants) by the second of `predict_time` on an H100, and the
official flux-dev per output image ($0.025). Inside one prediction flux makes its outputs one after another, so a
prediction takes `setup + n x per_output` seconds, where `setup` (loading the customer's LoRA, encoding the prompt
and the source photo) is paid once per prediction: that share is all a batch can save. The fake models exactly
that (`FakeState.extra_output_seconds`). A flagged output fails its whole prediction ("NSFW content detected",
docs in /work/shared/notes/replicate.md): a batch loses all its outputs, and is made again whole.

Each mode runs with P = 4 predictions at once (the default `max_parallel`), until 24 variants are delivered, at
several rates of flagged outputs. Printed per mode and rate (seconds are real seconds: the fake runs --scale times
faster): predictions created, makespan, time until the first variant is shown, billed GPU seconds per delivered
variant, and the cost per delivered variant under both billings.

    .venv/bin/python bench/batch_outputs.py [--setup 1.5] [--per-output 3.5] [--scale 0.2] [--seed 7]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from dataclasses import dataclass

import replicate

from testkit.fake_replicate.server import FakeReplicate

VARIANTS = 24
PARALLEL = 4
USD_PER_H100_SECOND = 0.001525  # a trained flux LoRA version
USD_PER_FLUX_DEV_IMAGE = 0.025  # the official model, per output image


@dataclass
class Outcome:
    predictions: int
    makespan: float
    first_variant: float
    gpu_seconds: float  # every prediction's predict_time, flagged ones too (Replicate bills them)
    images: int  # outputs of the predictions that succeeded (what per-image billing counts)


async def run(fake: FakeReplicate, version: str, per_prediction: int, flagged_rate: float, rng: random.Random,
              scale: float) -> Outcome:
    client = replicate.Client(api_token=fake.api_token, base_url=fake.base_url)
    missing = list(range(VARIANTS))
    slots = asyncio.Semaphore(PARALLEL)
    started, first = time.monotonic(), 0.0
    ids: list[str] = []

    async def one(group: list[int]) -> list[int]:
        """The variants of `group` made by one prediction; [] when it was flagged."""
        nonlocal first
        async with slots:
            flagged = any(rng.random() < flagged_rate for _ in group)
            fake.script_predictions("nsfw" if flagged else "succeed")
            prediction = await client.predictions.async_create(version=version, input={
                "prompt": f"variant {group[0]}", "seed": group[0], "num_outputs": len(group)})
            ids.append(prediction.id)
            while prediction.status not in ("succeeded", "failed", "canceled"):
                await asyncio.sleep(0.005)
                prediction = await client.predictions.async_get(prediction.id)
        if prediction.status != "succeeded":
            return []
        first = first or time.monotonic() - started
        return group

    while missing:
        groups = [missing[i:i + per_prediction] for i in range(0, len(missing), per_prediction)]
        made = await asyncio.gather(*(one(group) for group in groups))
        done = {number for group in made for number in group}
        missing = [number for number in missing if number not in done]
    makespan = time.monotonic() - started
    jobs = [fake.state.get_job("prediction", job_id) for job_id in ids]
    # The modelled run time, not completed_at - started_at: the fake settles a job when it is next read, so those
    # stamps include our polling lag, which Replicate does not bill.
    gpu = sum(job.timing.processing_seconds for job in jobs if job is not None)
    images = sum(int(job.input.get("num_outputs", 1)) for job in jobs if job is not None and job.status == "succeeded")
    return Outcome(len(ids), makespan / scale, first / scale, gpu / scale, images)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--setup", type=float, default=1.5, help="seconds a prediction spends before its outputs")
    parser.add_argument("--per-output", type=float, default=3.5, help="seconds per output (28 steps, 1 MP, H100)")
    parser.add_argument("--scale", type=float, default=0.2,
                        help="the fake runs this many times real time (smaller: our HTTP overhead weighs more)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(f"24 variants, P = {PARALLEL} predictions at once; a prediction = {args.setup} s + n x {args.per_output} s "
          f"on an H100 (${USD_PER_H100_SECOND}/s); flux-dev ${USD_PER_FLUX_DEV_IMAGE}/image")
    print(f"{'outputs/prediction':>18} {'flagged':>8} {'predictions':>11} {'makespan s':>10} {'first shown s':>13} "
          f"{'GPU s/variant':>13} {'$/variant per-second':>20} {'$/variant per-image':>19}")
    with FakeReplicate() as fake:
        fake.set_prediction_timing(starting_seconds=0.0, processing_seconds=(args.setup + args.per_output) * args.scale)
        fake.state.extra_output_seconds = args.per_output * args.scale
        version = fake.add_trained_version().split(":")[1]
        for flagged_rate in (0.0, 0.05, 0.10):
            for per_prediction in (1, 4):
                rng = random.Random(args.seed)
                outcome = await run(fake, version, per_prediction, flagged_rate, rng, args.scale)
                per_second = outcome.gpu_seconds * USD_PER_H100_SECOND / VARIANTS
                per_image = outcome.images * USD_PER_FLUX_DEV_IMAGE / VARIANTS
                print(f"{per_prediction:>18} {flagged_rate:>8.0%} {outcome.predictions:>11} {outcome.makespan:>10.1f} "
                      f"{outcome.first_variant:>13.1f} {outcome.gpu_seconds / VARIANTS:>13.2f} {per_second:>20.5f} "
                      f"{per_image:>19.4f}")


if __name__ == "__main__":
    asyncio.run(main())
