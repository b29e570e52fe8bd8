"""The worker: runs CalendarGenerationWorkflow and its activities; stops gracefully on SIGINT/SIGTERM.
Exits with 78 (EX_CONFIG) when its settings cannot work (e.g. CALENDARY_PROVIDER=replicate without a token).

Three pollers share one process: the main task queue (workflow, database and storage activities), the provider
queue (training, synthesis), whose server-side rate limit caps paid provider calls across all workers, and the
scoring queue (face embeddings, variant scores), whose CPU work runs in a process pool.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from contextlib import AsyncExitStack
from datetime import timedelta

from pydantic import ValidationError
from temporalio.client import Client
from temporalio.worker import Worker

from activities import all_activities, provider_activities, scoring_activities
from activities.deps import ActivityDeps
from imaging.providers.replicate_settings import ReplicateNotConfigured
from ops.http_server import served, split_address
from ops.logs import configure_logging
from ops.worker_endpoint import endpoint_app, temporal_runtime, worker_readiness
from services.reconciler_schedule import ensure_reconciler_schedule
from settings import Settings, get_settings
from temporal_client import connect
from workflows.account_erasure import AccountErasureWorkflow
from workflows.calendar_generation import CalendarGenerationWorkflow
from workflows.calendar_render import CalendarRenderWorkflow
from workflows.job_reconciler import JobReconcilerWorkflow

GRACEFUL_SHUTDOWN = timedelta(seconds=20)
PROVIDER_HEARTBEAT_THROTTLE = timedelta(seconds=2)
# Scoring activities at once per scoring process: while one process measures an image, the others' activities read
# their rows and images and write their scores, so the process is never idle waiting on I/O (docs/scaling.md has
# the bench's figures). The CPU work itself still queues for the pool.
SCORING_ACTIVITIES_PER_PROCESS = 4

log = logging.getLogger("worker")


def build_workers(client: Client, settings: Settings, deps: ActivityDeps) -> list[Worker]:
    main = Worker(
        client,
        task_queue=settings.task_queue,
        workflows=[CalendarGenerationWorkflow, CalendarRenderWorkflow, JobReconcilerWorkflow, AccountErasureWorkflow],
        activities=all_activities(deps, client),
        max_concurrent_activities=settings.worker_max_concurrent_activities,
        graceful_shutdown_timeout=GRACEFUL_SHUTDOWN,
    )
    provider = Worker(
        client,
        task_queue=settings.provider_task_queue,
        activities=provider_activities(deps),
        max_concurrent_activities=settings.worker_max_concurrent_activities,
        max_task_queue_activities_per_second=settings.provider_activities_per_second,
        # Cancellation reaches an activity only with a heartbeat's reply: beat often enough that a cancelled
        # generation stops its paid jobs within seconds (the default throttle is 80% of the heartbeat timeout).
        max_heartbeat_throttle_interval=PROVIDER_HEARTBEAT_THROTTLE,
        graceful_shutdown_timeout=GRACEFUL_SHUTDOWN,
    )
    # Scoring is CPU work: its own queue and pollers, and a few activities per pool process, so it neither starves
    # the provider's activities of the event loop nor waits behind them (docs/scoring.md).
    scoring = Worker(
        client,
        task_queue=settings.scoring_task_queue,
        activities=scoring_activities(deps),
        max_concurrent_activities=settings.scoring_processes * SCORING_ACTIVITIES_PER_PROCESS,
        graceful_shutdown_timeout=GRACEFUL_SHUTDOWN,
    )
    return [main, provider, scoring]


async def main() -> None:
    try:
        settings = get_settings()
        configure_logging(settings.log_format, settings.log_level)
        deps = await ActivityDeps.from_settings(settings)  # before connecting: a misconfiguration fails at once
    except (ValidationError, ReplicateNotConfigured) as err:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        # A distinct exit code: a supervisor (manage.py run) stops instead of restarting what cannot work.
        log.error("worker not started: %s", err)
        raise SystemExit(os.EX_CONFIG) from None
    runtime, sdk_metrics_url = temporal_runtime()
    client = await connect(settings, runtime)
    await ensure_reconciler_schedule(client, settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with AsyncExitStack() as workers:
            running = build_workers(client, settings, deps)
            for worker in running:
                await workers.enter_async_context(worker)
            endpoint = endpoint_app(worker_readiness(deps.engine, client, running), sdk_metrics_url)
            host, port = split_address(settings.worker_metrics_address)
            url = await workers.enter_async_context(served(endpoint, host, port))
            log.info("worker metrics and health at %s/metrics and %s/healthz", url, url)
            log.info("worker polling %r, %r and %r at %s", settings.task_queue, settings.provider_task_queue,
                     settings.scoring_task_queue, settings.temporal_address)
            await stop.wait()
            log.info("stopping: finishing running activities (up to %s s)", GRACEFUL_SHUTDOWN.seconds)
    finally:
        await deps.close()  # the database engine and the provider's HTTP connections, even if a worker failed


if __name__ == "__main__":
    asyncio.run(main())
