from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from temporalio.testing import WorkflowEnvironment

from testkit.temporal import register_search_attributes, start_time_skipping


async def _time_skipping() -> AsyncIterator[WorkflowEnvironment]:
    env = await start_time_skipping()
    await register_search_attributes(env)
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    async for env in _time_skipping():
        yield env


@pytest.fixture
async def own_time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """A server of the test's own, for tests that need its clock to jump over days: a run another test left behind
    (its worker gone mid-task) can hold the shared server's clock."""
    async for env in _time_skipping():
        yield env
