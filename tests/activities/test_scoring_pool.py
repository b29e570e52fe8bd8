"""The scoring activities' process pool survives a pool process that dies (killed, out of memory)."""

from __future__ import annotations

import os
from concurrent.futures.process import BrokenProcessPool
from functools import partial
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
