"""The real stack in-process (testkit.stack) on the session's Temporal dev server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from testkit.stack import Stack, build_stack


@pytest.fixture
async def stack(tmp_path: Path, dev_server: WorkflowEnvironment) -> AsyncIterator[Stack]:
    async for built in build_stack(tmp_path, dev_server):
        yield built
