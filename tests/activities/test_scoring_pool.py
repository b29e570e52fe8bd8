"""The scoring activities' process pool survives a pool process that dies (killed, out of memory), and its processes
do not outlive a killed worker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from pathlib import Path
from typing import Any, cast

import pytest

from activities.deps import ActivityDeps
from activities.scoring import ScoringActivities
from settings import Settings


async def test_a_dead_pool_process_fails_one_try_and_the_retry_gets_a_fresh_pool(settings: Settings) -> None:
    nothing = cast(Any, None)  # the pool needs none of the other dependencies
    deps = ActivityDeps(settings=settings, engine=nothing, sessions=nothing, storage=nothing, provider=nothing)
    scoring = ScoringActivities(deps)
    try:
        with pytest.raises(BrokenProcessPool):
            await scoring._cpu(partial(os._exit, 1))  # noqa: SLF001 - the pool's one door
        assert await scoring._cpu(partial(pow, 2, 10)) == 1024  # noqa: SLF001
    finally:
        deps.replace_cpu_pool()


def test_pool_processes_exit_when_their_worker_is_killed() -> None:
    """A worker killed with SIGKILL runs no clean-up: its pool processes notice by themselves and exit."""
    script = ("import os, sys\n"
              "from activities.cpu_pool import cpu_pool\n"
              "pool = cpu_pool(2)\n"
              "pids = {pool.submit(os.getpid).result() for _ in range(8)}\n"
              "print(' '.join(map(str, pids)), flush=True)\n"
              "sys.stdin.read()\n")
    worker = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True, cwd=Path(__file__).parents[2])
    assert worker.stdout is not None
    children = [int(pid) for pid in worker.stdout.readline().split()]
    assert children and all(_alive(pid) for pid in children)
    worker.kill()
    worker.wait()
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in children if _alive(pid)], "orphaned pool processes"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has exited; only its parent's (init's) wait is missing
