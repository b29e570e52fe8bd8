"""The real stack (testkit.stack) with CALENDARY_PROVIDER=replicate, pointed at the fake Replicate server.

The fake delivers signed webhooks over the network, so the API is also served on a real port here (uvicorn in a
thread, like the fake itself); callers keep driving it in-process through `stack.api`. Both share one database.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, Protocol

import uvicorn
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from settings import Settings
from testkit.fake_replicate.server import FakeReplicate
from testkit.stack import Stack, build_stack

WEBHOOK_PATH = "/api/webhooks/replicate"


class FakeAccount(Protocol):
    """What settings need of a fake Replicate: FakeReplicate, or RemoteFake in a process of its own."""

    api_token: str
    base_url: str

    @property
    def signing_secret(self) -> str: ...


# The client's patience with the fake in tests: long enough for a fake server on a busy machine (at 1 s, lists timed
# out under load), and what a delayed-response fault outlasts to look like a timeout.
REQUEST_TIMEOUT_SECONDS = 3.0
TIMED_OUT_DELAY = REQUEST_TIMEOUT_SECONDS + 0.5

def replicate_overrides(fake: FakeAccount, webhook_url: str | None, replicate: dict[str, Any] | None = None,
                        **overrides: Any) -> dict[str, Any]:
    """Settings for the replicate provider against `fake`, timed for jobs of tens of milliseconds; `replicate`
    overrides fields of the nested ReplicateSettings."""
    return {
        "provider": "replicate",
        "replicate": {
            "api_token": fake.api_token,
            "base_url": fake.base_url,
            "destination_owner": "calendary",
            "webhook_url": webhook_url,
            "webhook_secret": fake.signing_secret,
            "request_timeout_seconds": REQUEST_TIMEOUT_SECONDS,
            "poll_interval_seconds": 0.05,
            "training_poll_interval_seconds": 0.05,
            "expected_prediction_seconds": 0.0,  # fixed-interval polling from the start, as for jobs of unknown
            "expected_training_seconds": 0.0,  # length; bench/replicate_makespan.py measures the adaptive schedule
            "poll_backoff_factor": 1.0,
            "push_tail_interval_seconds": 0.02,
            "push_list_interval_seconds": 0.5,  # a lost webhook costs half a second here, not half a minute
            "push_read_after_seconds": 2.0,
            "starting_deadline_seconds": 10.0,
            "prediction_deadline_seconds": 20.0,
            "training_deadline_seconds": 30.0,
            **(replicate or {}),
        },
        "provider_activities_per_second": 500.0,
        **overrides,
    }


class ServedApp:
    """An ASGI app on 127.0.0.1 (a port held from creation on, so settings can name it before the app exists)."""

    def __init__(self) -> None:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._listener.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    @contextmanager
    def serving(self, app: Any) -> Iterator[None]:
        server = uvicorn.Server(uvicorn.Config(app, http="h11", lifespan="on", log_config=None, log_level=None,
                                               access_log=False, timeout_graceful_shutdown=1))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [self._listener]}, name="served-api",
                                  daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the API did not start")
            time.sleep(0.01)
        try:
            yield
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            self._listener.close()


@asynccontextmanager
async def replicate_stack(tmp_path: Path, env: WorkflowEnvironment, fake: FakeReplicate, *, webhooks: bool = True,
                          **overrides: Any) -> AsyncIterator[Stack]:
    """build_stack with the replicate provider; with `webhooks`, the fake's webhooks reach our served API."""
    served = ServedApp()
    settings = replicate_overrides(fake, f"{served.url}{WEBHOOK_PATH}" if webhooks else None, **overrides)
    stacks = build_stack(tmp_path, env, **settings)
    stack = await anext(stacks)
    assert stack.settings.provider == "replicate"
    try:
        with served.serving(create_app(_with_temporal_of(stack.settings, env))):
            yield stack
    finally:
        await anext(stacks, None)  # build_stack's clean-up


def _with_temporal_of(settings: Settings, env: WorkflowEnvironment) -> Settings:
    return settings.model_copy(update={"temporal_address": env.client.service_client.config.target_host})
