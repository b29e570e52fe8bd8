"""A burst of logins against the API in-process: Argon2 runs in threads, at most `password_hash_concurrency` at
once (api/security.py), so the event loop keeps answering other requests meanwhile. Prints the burst's wall time,
logins per second, and how late a 10 ms timer on the same loop fired at worst (the loop's stall) — for each
concurrency given. One process, SQLite; the figures depend on the machine's cores.

    .venv/bin/python bench/login_burst.py [--logins 40] [--concurrency 1 2 4]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import manage
from settings import Settings
from testkit.api import register, running_api
from testkit.settings import PRODUCTION_PASSWORD_HASHING, make_settings

TICK = 0.01


async def _worst_lag(stop: asyncio.Event) -> float:
    worst = 0.0
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(TICK)
        worst = max(worst, time.perf_counter() - started - TICK)
    return worst


async def burst(settings: Settings, logins: int) -> tuple[float, float]:
    async with running_api(settings) as api:
        await register(api, "bench@example.com", "a long enough password")
        stop = asyncio.Event()
        lag = asyncio.create_task(_worst_lag(stop))
        started = time.perf_counter()
        answers = await asyncio.gather(*(api.post("/api/auth/login", json={
            "email": "bench@example.com", "password": "a long enough password"}) for _ in range(logins)))
        elapsed = time.perf_counter() - started
        stop.set()
        assert all(answer.status_code == 200 for answer in answers)
        return elapsed, await lag


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--logins", type=int, default=40)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    print(f"{args.logins} concurrent logins (Argon2 defaults), one API process")
    for concurrency in args.concurrency:
        with tempfile.TemporaryDirectory() as folder:
            # Production's Argon2 cost, not the suite's cheap one (testkit.settings).
            settings = make_settings(Path(folder), password_hash_concurrency=concurrency,
                                     **PRODUCTION_PASSWORD_HASHING)
            manage.migrate(settings)  # Alembic runs its own event loop: before ours
            elapsed, lag = asyncio.run(burst(settings, args.logins))
        print(f"  password_hash_concurrency={concurrency}: {elapsed:.2f} s, {args.logins / elapsed:.1f} logins/s, "
              f"worst event-loop stall {lag * 1000:.0f} ms")


if __name__ == "__main__":
    main()
