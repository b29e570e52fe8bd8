"""The worker: runs CalendarGenerationWorkflow and its activities; stops gracefully on SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import timedelta

from temporalio.client import Client
from temporalio.worker import Worker

from activities import all_activities
from activities.deps import ActivityDeps
from settings import Settings, get_settings
from temporal_client import connect
from workflows.calendar_generation import CalendarGenerationWorkflow


def build_worker(client: Client, settings: Settings, deps: ActivityDeps) -> Worker:
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=[CalendarGenerationWorkflow],
        activities=all_activities(deps),
        max_concurrent_activities=settings.worker_max_concurrent_activities,
        graceful_shutdown_timeout=timedelta(seconds=20),
    )


async def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    client = await connect(settings)
    deps = await ActivityDeps.from_settings(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    worker = build_worker(client, settings, deps)
    async with worker:
        logging.info("worker polling task queue %r at %s", settings.task_queue, settings.temporal_address)
        await stop.wait()
        logging.info("stopping: finishing running activities (up to 20 s)")
    await deps.close()


if __name__ == "__main__":
    asyncio.run(main())
