"""A fake of Replicate's HTTP API v1, served by uvicorn on 127.0.0.1 in a background thread.

Point the real `replicate` client at `fake.base_url` and it behaves like the hosted service, including the
ways the hosted service misbehaves. Usage:

    with FakeReplicate() as fake:
        fake.faults.lose_next_responses("create_prediction", times=2)   # created and billed, response lost
        fake.faults.throttle_next("create_prediction", retry_after=3)   # 429 + Retry-After
        fake.script_predictions("nsfw", "stuck", "abort")               # outcomes of the next predictions
        fake.set_rate_budget(creates=600, others=3000)                  # the account's limits (the default)
        client = replicate.Client(api_token=fake.api_token, base_url=fake.base_url)
        ...
        assert fake.billed_predictions() == 24

Pieces: state (jobs, files, models, counters), routes (HTTP), faults (fault plans as ASGI middleware), webhooks
(signed delivery, and a sink at `fake.webhook_sink_url`).
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from typing import Any

import uvicorn

from testkit.fake_replicate.faults import Fault, FaultPlan, RateBudget, silence_dropped_responses
from testkit.fake_replicate.routes import build_app
from testkit.fake_replicate.state import (
    NSFW_ERROR,
    TAG_QUERY_PARAM,
    TRAINER_MODEL,
    TRAINER_VERSION,
    FakeState,
    Job,
    Outcome,
)
from testkit.fake_replicate.webhooks import WebhookSender, WebhookSink

__all__ = [
    "NSFW_ERROR",
    "TAG_QUERY_PARAM",
    "TRAINER_MODEL",
    "TRAINER_VERSION",
    "FakeReplicate",
    "Fault",
]


class FakeReplicate:
    def __init__(self, *, api_token: str = "r8_fake_token_for_tests") -> None:
        self.api_token = api_token
        self.state = FakeState()
        self.faults = FaultPlan()
        self.webhooks = WebhookSender()
        self.sink = WebhookSink()
        self.base_url = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------------------

    def start(self) -> FakeReplicate:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted sockets inherit this: without it Nagle meets delayed ACKs and every request takes ~40 ms.
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        listener.bind(("127.0.0.1", 0))  # a free port, held from now on: no race with other test processes
        self.base_url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        self.state.base_url = self.base_url
        silence_dropped_responses()
        config = uvicorn.Config(
            build_app(self),
            http="h11",
            lifespan="on",
            log_config=None,
            log_level=None,
            access_log=False,
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [listener]}, name="fake-replicate", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fake Replicate server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self._server = self._thread = None

    def __enter__(self) -> FakeReplicate:
        return self.start()

    def __exit__(self, *_: Any) -> None:
        self.stop()

    # -- knobs -----------------------------------------------------------------------------------------------

    @property
    def webhook_sink_url(self) -> str:
        return f"{self.base_url}/_sink/webhooks"

    @property
    def signing_secret(self) -> str:
        return self.webhooks.secret

    def set_prediction_timing(self, *, starting_seconds: float, processing_seconds: float) -> None:
        self.state.prediction_timing.starting_seconds = starting_seconds
        self.state.prediction_timing.processing_seconds = processing_seconds

    def set_training_timing(self, *, starting_seconds: float, processing_seconds: float) -> None:
        self.state.training_timing.starting_seconds = starting_seconds
        self.state.training_timing.processing_seconds = processing_seconds

    def set_rate_budget(self, *, creates: int | None, others: int | None, window_seconds: float = 60.0) -> None:
        """Requests allowed per window before 429 + Retry-After (None: unlimited); Replicate's are 600 creates and
        3000 other calls a minute. Benches that simulate many accounts' worth of traffic raise them."""
        self.faults.budget = RateBudget(creates, others, window_seconds)

    def script_predictions(self, *outcomes: Outcome) -> None:
        """Outcomes for the next predictions, in creation order; unscripted predictions succeed."""
        self.state.script("prediction", *outcomes)

    def script_trainings(self, *outcomes: Outcome) -> None:
        self.state.script("training", *outcomes)

    def add_trained_version(self, model: str = "calendary/lora-u1") -> str:
        """A destination with one version, as a finished training leaves it: "owner/name:version"."""
        return self.state.add_version(model)

    # -- what happened ---------------------------------------------------------------------------------------

    def predictions(self) -> list[Job]:
        return self.state.created("prediction")

    def trainings(self) -> list[Job]:
        return self.state.created("training")

    def billed_predictions(self) -> int:
        return len(self.predictions())

    def billed_trainings(self) -> int:
        return len(self.trainings())

    def billed_predictions_per_tag(self) -> Counter[str | None]:
        """Keyed by the `tag` query parameter of each prediction's webhook URL (see the provider's docs)."""
        return self.state.created_per_tag("prediction")

    def billed_trainings_per_tag(self) -> Counter[str | None]:
        return self.state.created_per_tag("training")

    def requests_per_route(self) -> Counter[str]:
        """Requests received so far per route name (testkit.fake_replicate.faults), including refused ones."""
        return self.faults.received()
