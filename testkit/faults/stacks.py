"""The stacks the fault scenarios run on.

- `supervised_stack`: what `make run` starts — `manage.py run` supervising the Temporal dev server, the API and the
  worker as separate processes — on free ports under a folder, with the local provider or the Replicate provider
  pointed at the fake Replicate server (which runs in this process and sends signed webhooks to the API's port).
- `worker_process`: one worker process on an in-process stack's task queues, for scenarios that kill and replace
  the worker themselves faster than a supervisor's backoff would (`KillableWorker` does both).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
from pydantic import SecretStr
from temporalio.testing import WorkflowEnvironment

from db.models import Job
from db.session import make_engine, make_session_factory
from settings import PROJECT_ROOT, Settings
from storage import Storage, make_storage
from testkit.embedded import EmbeddedStack, embedded_stack, free_port, prepared
from testkit.fake_replicate.server import FakeReplicate
from testkit.faults.outages import mounted_volume
from testkit.replicate_stack import WEBHOOK_PATH, replicate_overrides, replicate_stack
from testkit.stack import Stack

# Fake predictions take a second and trainings a few: long enough to catch each stage, short enough for a suite.
PREDICTION_SECONDS = 1.0
TRAINING_SECONDS = 6.0
# The provider's patience: shorter than production's, but never so short that a machine busy with a fault test
# (a fake server in the test process, several stacks at once) makes a slow answer look like a stuck job.
FAULT_TIMING = {"poll_interval_seconds": 0.5, "training_poll_interval_seconds": 0.5,
                "expected_prediction_seconds": 0.0, "expected_training_seconds": 0.0, "poll_backoff_factor": 1.0,
                "push_tail_interval_seconds": 0.05, "push_list_interval_seconds": 1.0,
                "push_read_after_seconds": 3.0, "request_timeout_seconds": 5.0,
                "starting_deadline_seconds": 60.0, "prediction_deadline_seconds": 120.0,
                "training_deadline_seconds": 120.0}


@contextmanager
def _environ(variables: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(variables)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def settings_of(env: dict[str, str]) -> Settings:
    """The settings the stack's processes read from `env`."""
    with _environ(env):
        return Settings(_env_file=None)


def provider_environment(settings: Settings) -> dict[str, str]:
    """CALENDARY_* variables that give another process `settings`' image provider."""
    variables = {"CALENDARY_PROVIDER": settings.provider,
                 "CALENDARY_PROVIDER_ACTIVITIES_PER_SECOND": str(settings.provider_activities_per_second)}
    for name, value in settings.replicate.model_dump().items():
        if value is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        text = value if isinstance(value, str) else json.dumps(value)  # how settings parse complex values
        variables[f"CALENDARY_REPLICATE_{name.upper()}"] = text
    return variables


def replicate_environment(fake: FakeReplicate, api_url: str) -> dict[str, str]:
    """CALENDARY_* variables for the Replicate provider against `fake`, webhooks delivered to `api_url`."""
    overrides = replicate_overrides(fake, f"{api_url}{WEBHOOK_PATH}", replicate=FAULT_TIMING)
    return provider_environment(Settings(_env_file=None, **overrides))


@dataclass
class SupervisedStack:
    embedded: EmbeddedStack
    api: httpx.AsyncClient
    settings: Settings
    storage: Storage
    fake: FakeReplicate | None
    env: dict[str, str]

    async def recorded_error(self, job_id: int) -> str | None:
        """The job row's `error`: the whole reason, for operators (customers see a code and a sentence)."""
        engine = make_engine(self.settings.database_url)
        try:
            async with make_session_factory(engine)() as session:
                row = await session.get(Job, job_id)
                return row.error if row else None
        finally:
            await engine.dispose()

    async def temporal_cancel(self, workflow_id: str) -> tuple[int, str]:
        """`temporal workflow cancel`, as an operator types it: (exit code, output)."""
        process = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).parent / "temporal"), "workflow", "cancel", "--workflow-id", workflow_id,
            "--address", self.settings.temporal_address, "--namespace", self.settings.temporal_namespace,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        output, _ = await process.communicate()
        return process.returncode or 0, output.decode(errors="replace")


@asynccontextmanager
async def supervised_stack(folder: Path, *, fake: FakeReplicate | None = None,
                           **variables: str) -> AsyncIterator[SupervisedStack]:
    """`manage.py run` on `folder` (SQLite and files there unless `variables` say otherwise), started and ready."""
    folder.mkdir(parents=True, exist_ok=True)
    api_port = str(free_port())
    # Its own workflow ids and Replicate models: stacks may share one fake Replicate account, as deployments do.
    deployment = f"faults-{uuid.uuid4().hex[:8]}"
    variables = {"CALENDARY_API_PORT": api_port, "CALENDARY_PROVIDER_HEARTBEAT_TIMEOUT": "5",
                 "CALENDARY_SELECT_WAIT_SECONDS": "0", "CALENDARY_WORKFLOW_ID_PREFIX": deployment,
                 "CALENDARY_REPLICATE_DESTINATION_PREFIX": deployment, **variables}
    if fake is not None:
        fake.set_prediction_timing(starting_seconds=0.1, processing_seconds=PREDICTION_SECONDS)
        fake.set_training_timing(starting_seconds=0.1, processing_seconds=TRAINING_SECONDS)
        variables = replicate_environment(fake, f"http://127.0.0.1:{api_port}") | variables
    if "CALENDARY_STORAGE_DIR" not in variables:
        mounted_volume(folder / "storage")  # where environment() puts the file store
    env = await asyncio.to_thread(prepared, folder, **variables)
    settings = settings_of(env)
    with embedded_stack(folder, env) as embedded:
        await embedded.started(seconds=180)
        async with httpx.AsyncClient(base_url=embedded.url, timeout=30) as api:
            yield SupervisedStack(embedded, api, settings, make_storage(settings), fake, env)


def worker_process(settings: Settings, temporal_address: str, log: Path) -> subprocess.Popen[bytes]:
    """`worker.py` as its own process on `settings`' database, storage, task queues and provider; output to `log`."""
    variables = {"database_url": settings.database_url, "storage_dir": str(settings.storage_dir),
                 "temporal_address": temporal_address, "task_queue": settings.task_queue,
                 "provider_task_queue": settings.provider_task_queue,
                 "scoring_task_queue": settings.scoring_task_queue,
                 "provider_heartbeat_timeout": str(settings.provider_heartbeat_timeout.total_seconds()),
                 # Several may run at once: each its own free metrics port, e-mails beside the test's files.
                 "worker_metrics_address": "127.0.0.1:0", "outbox_dir": str(settings.outbox_dir)}
    environment = {name: value for name, value in os.environ.items() if not name.startswith("CALENDARY_")}
    environment |= {f"CALENDARY_{name.upper()}": value for name, value in variables.items()}
    environment |= provider_environment(settings)
    with log.open("ab") as output:
        return subprocess.Popen([sys.executable, str(PROJECT_ROOT / "worker.py")], env=environment,
                                cwd=PROJECT_ROOT, stdout=output, stderr=subprocess.STDOUT)


class KillableWorker:
    """One `worker_process` at a time on a killable stack's queues, SIGKILLed and replaced at once by a new one (as a
    supervisor or an orchestrator would, without their backoff); stopped on leaving. Its output: `worker.log`."""

    def __init__(self, stack: Stack, env: WorkflowEnvironment) -> None:
        self._settings = stack.settings
        self._address = env.client.service_client.config.target_host
        self.log = stack.settings.storage_dir.parent / "worker.log"
        self._process: subprocess.Popen[bytes] | None = None

    async def __aenter__(self) -> KillableWorker:
        self._process = worker_process(self._settings, self._address, self.log)
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._kill()

    async def kill_and_replace(self) -> None:
        assert self._process is not None and self._process.poll() is None, \
            f"the worker exited by itself ({self._process and self._process.returncode}); see {self.log}"
        await self._kill()
        self._process = worker_process(self._settings, self._address, self.log)

    async def _kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            await asyncio.to_thread(self._process.wait)


@asynccontextmanager
async def killable_stack(folder: Path, env: WorkflowEnvironment, fake: FakeReplicate) -> AsyncIterator[Stack]:
    """The API in-process on the Replicate provider (`fake`), for `worker_process`es a scenario kills itself; their
    provider activities are retried elsewhere 3 s after a kill."""
    async with replicate_stack(folder, env, fake, provider_heartbeat_timeout=timedelta(seconds=3),
                               replicate=FAULT_TIMING) as stack:
        yield stack
