"""The fake Replicate in a process of its own, so a bench's figures for our processes don't include it.

    fake = RemoteFake.start()          # `python -m testkit.fake_replicate.remote` in a child process
    fake.set_prediction_timing(starting_seconds=0, processing_seconds=10)
    ... replicate_overrides(fake, ...) / supervised_stack(folder, fake=fake) accept it like a FakeReplicate ...
    fake.stats()["requests"]           # requests per route, as FakeReplicate.requests_per_route()
    fake.stop()
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from typing import Any

import httpx

from settings import PROJECT_ROOT


class RemoteFake:
    def __init__(self, process: subprocess.Popen[str], started: dict[str, str]) -> None:
        self._process = process
        self.base_url = started["base_url"]
        self.api_token = started["api_token"]
        self.signing_secret = started["signing_secret"]

    @classmethod
    def start(cls) -> RemoteFake:
        process = subprocess.Popen([sys.executable, "-m", "testkit.fake_replicate.remote"], cwd=PROJECT_ROOT,
                                   stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise RuntimeError("the fake Replicate process did not start")
        return cls(process, json.loads(line))

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def webhook_sink_url(self) -> str:
        return f"{self.base_url}/_sink/webhooks"

    def set_prediction_timing(self, *, starting_seconds: float, processing_seconds: float) -> None:
        self._control(prediction_timing={"starting_seconds": starting_seconds,
                                         "processing_seconds": processing_seconds})

    def set_training_timing(self, *, starting_seconds: float, processing_seconds: float) -> None:
        self._control(training_timing={"starting_seconds": starting_seconds, "processing_seconds": processing_seconds})

    def set_rate_budget(self, *, creates: int | None, others: int | None, window_seconds: float = 60.0) -> None:
        self._control(budget={"creates": creates, "others": others, "window_seconds": window_seconds})

    def stats(self) -> dict[str, Any]:
        return httpx.get(f"{self.base_url}/_fake/stats", timeout=30).json()

    def stop(self) -> None:
        self._process.send_signal(signal.SIGINT)
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()

    def _control(self, **body: Any) -> None:
        httpx.post(f"{self.base_url}/_fake/control", json=body, timeout=30).raise_for_status()


def _serve() -> None:
    from testkit.fake_replicate.server import FakeReplicate

    with FakeReplicate() as fake:
        started = {"base_url": fake.base_url, "api_token": fake.api_token, "signing_secret": fake.signing_secret}
        sys.stdout.write(json.dumps(started) + "\n")
        sys.stdout.flush()
        stop = threading.Event()
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        stop.wait()


if __name__ == "__main__":
    _serve()
