"""The real stack in-process: a Temporal server, the real workers (local provider unless told), the API over ASGI."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.deps import ActivityDeps
from imaging.providers.base import ImageProvider
from settings import Settings
from testkit.api import running_api
from testkit.migrated import migrate, seed
from testkit.settings import make_settings
from worker import build_workers


@dataclass
class Stack:
    settings: Settings
    env: WorkflowEnvironment
    api: httpx.AsyncClient
    deps: ActivityDeps

    @asynccontextmanager
    async def worker(self) -> AsyncIterator[list[Worker]]:
        async with AsyncExitStack() as stack:
            workers = build_workers(self.env.client, self.settings, self.deps)
            for worker in workers:
                await stack.enter_async_context(worker)
            yield workers


async def build_stack(tmp_path: Path, env: WorkflowEnvironment, image_provider: ImageProvider | None = None,
                      **overrides: object) -> AsyncIterator[Stack]:
    run = uuid.uuid4().hex[:8]
    settings = make_settings(tmp_path, task_queue=f"e2e-{run}", provider_task_queue=f"e2e-{run}-provider",
                             scoring_task_queue=f"e2e-{run}-scoring",
                             workflow_id_prefix=f"e2e-{run}", **overrides)
    await asyncio.to_thread(migrate, settings)
    await seed(settings)
    deps = await ActivityDeps.from_settings(settings, provider=image_provider)
    async with running_api(settings, temporal=env.client) as api:
        yield Stack(settings=settings, env=env, api=api, deps=deps)
    await deps.close()
