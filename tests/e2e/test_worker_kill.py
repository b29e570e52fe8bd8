"""A worker process killed with SIGKILL mid-generation: another worker finishes the job, nothing lost, nothing
doubled."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlmodel import func, select
from temporalio.testing import WorkflowEnvironment

from db.models import GeneratedCalendarVariant, UploadedFile
from settings import PROJECT_ROOT, Settings
from testkit.journey import start_generation, wait_for_status
from testkit.stack import build_stack


def _worker_process(settings: Settings, temporal_address: str) -> subprocess.Popen:
    variables = {"database_url": settings.database_url, "storage_dir": str(settings.storage_dir),
                 "temporal_address": temporal_address, "task_queue": settings.task_queue,
                 "provider_task_queue": settings.provider_task_queue}
    environment = {**os.environ, **{f"CALENDARY_{name.upper()}": value for name, value in variables.items()}}
    return subprocess.Popen([sys.executable, str(PROJECT_ROOT / "worker.py")], env=environment, cwd=PROJECT_ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def test_sigkill_mid_generation_loses_no_variant_and_makes_none_twice(
        tmp_path: Path, dev_server: WorkflowEnvironment) -> None:
    async for stack in build_stack(tmp_path, dev_server, max_parallel=1,
                                   provider_heartbeat_timeout=timedelta(seconds=3)):
        api = stack.api
        process = _worker_process(stack.settings, dev_server.client.service_client.config.target_host)
        try:
            headers, started = await start_generation(api)
            job = started["job_id"]
            async with asyncio.timeout(60):
                while (ready := (await api.get(f"/api/calendars/generate/{job}/status",
                                               headers=headers)).json()["generated_variants_count"]) < 3:
                    await asyncio.sleep(0.05)
            process.send_signal(signal.SIGKILL)  # no graceful anything: in-flight work just stops
            process.wait(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
        assert ready < 24, "the worker finished before it could be killed; the test proves nothing"

        async with stack.worker():  # a new worker picks up once the heartbeat timeout declares the old one dead
            status = (await wait_for_status(api, headers, job, "ready_for_selection", seconds=90))[-1]
        assert sorted(v["variant_number"] for v in status["variants"]) == list(range(1, 25))
        async with stack.deps.sessions() as session:
            rows = (await session.exec(select(func.count()).select_from(GeneratedCalendarVariant))).one()
            files = (await session.exec(select(func.count()).select_from(UploadedFile)
                                        .where(UploadedFile.kind == "variant"))).one()
        assert (rows, files) == (24, 24)
        variant_objects = [k for k in await stack.deps.storage.list_keys("users") if "/variants/" in k]
        assert len(variant_objects) == 48  # an image and a thumbnail each, no leftovers of the killed attempt
