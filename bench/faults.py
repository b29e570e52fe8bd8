"""The fault-injection scenarios of tests/faults, printed as a table: scenario × outcome, what was lost, what the
provider was paid twice — and the figure "N of N scenarios with nothing lost".

Each scenario runs on the stack an operator runs (`manage.py run`: Temporal, API and worker as processes; the
Replicate provider against the fake server, which bills every prediction), except the worker kills, which kill and
replace a worker process next to an in-process API (also on the Replicate provider). The PostgreSQL outage stops
this machine's PostgreSQL server.

    .venv/bin/python bench/faults.py [--kills 20] [--postgres-seconds 190] [--storage-seconds 130] [--no-outages]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from testkit.fake_replicate.server import FakeReplicate
from testkit.faults.evidence import TABLE_HEADER, Outcome
from testkit.faults.scenarios import (
    cancel_matrix,
    database_outage,
    provider_refuses,
    storage_outages,
    temporal_restart,
    worker_kills,
)
from testkit.faults.stacks import killable_stack, supervised_stack
from testkit.postgres import fresh_database
from testkit.temporal import start_dev_server


async def on_supervised_stacks(folder: Path, fake: FakeReplicate, postgres: str) -> list[Outcome]:
    outcomes: list[Outcome] = []
    async with supervised_stack(folder / "sqlite", fake=fake) as stack:
        outcomes += [await provider_refuses(stack, 401), await provider_refuses(stack, 402)]
        outcomes += await cancel_matrix(stack, "sqlite")
        outcomes.append(await temporal_restart(stack))
    async with supervised_stack(folder / "postgres", fake=fake, CALENDARY_DATABASE_URL=postgres) as stack:
        outcomes += [_named(outcome, "PostgreSQL") for outcome in await cancel_matrix(stack, "postgres")]
    return outcomes


def _named(outcome: Outcome, database: str) -> Outcome:
    outcome.scenario = f"{outcome.scenario} ({database})"
    return outcome


async def main(kills: int, database_seconds: float, storage_seconds: float, with_outages: bool) -> None:
    started = time.monotonic()
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory() as tmp, FakeReplicate() as fake:
        folder = Path(tmp)
        env = await start_dev_server()
        try:
            async with killable_stack(folder / "kills", env, fake) as stack:
                outcomes += await worker_kills(stack, env, fake, runs=kills, seed=2026)
        finally:
            await env.shutdown()
        async with fresh_database() as database_url:
            outcomes += await on_supervised_stacks(folder, fake, database_url)
            if with_outages:
                database, storage = await asyncio.gather(database_outage(folder, fake, database_seconds),
                                                         storage_outages(folder, fake, storage_seconds))
                outcomes += [database, *storage]
    print(TABLE_HEADER)
    for outcome in outcomes:
        print(outcome.row())
    whole = sum(outcome.nothing_lost for outcome in outcomes)
    print(f"\n{whole} of {len(outcomes)} scenarios with nothing lost "
          f"(variants lost: {sum(o.lost for o in outcomes)}, provider jobs paid twice: "
          f"{sum(o.paid_twice for o in outcomes)}); {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--postgres-seconds", type=float, default=190.0)
    parser.add_argument("--storage-seconds", type=float, default=130.0)
    parser.add_argument("--no-outages", action="store_true")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.kills, arguments.postgres_seconds, arguments.storage_seconds,
                     not arguments.no_outages))
