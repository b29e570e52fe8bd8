from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from temporalio.testing import WorkflowEnvironment

from testkit.temporal import register_search_attributes, start_time_skipping


@pytest.fixture(scope="session")
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await start_time_skipping()
    await register_search_attributes(env)
    yield env
    await env.shutdown()
