"""`manage.py run` as an operator starts it, on free ports with its state under a temporary folder."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

from settings import PROJECT_ROOT
from testkit.settings import CHEAP_PASSWORD_HASHING, GENEROUS_RATE_LIMITS, as_environment

SERVICES = ("temporal", "api", "worker")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(folder: Path, **variables: str) -> dict[str, str]:
    """This machine's environment without any Calendary or Replicate setting, plus a stack confined to `folder`."""
    inherited = {name: value for name, value in os.environ.items()
                 if not name.upper().startswith(("CALENDARY_", "REPLICATE_"))}
    return inherited | {
        "CALENDARY_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'calendary.db'}",
        "CALENDARY_STORAGE_DIR": str(folder / "storage"),
        "CALENDARY_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
        "CALENDARY_TEMPORAL_UI_PORT": str(free_port()),
        "CALENDARY_TEMPORAL_DB_FILE": str(folder / "temporal.db"),
        "CALENDARY_RUN_DIR": str(folder / "run"),
        "CALENDARY_API_PORT": str(free_port()),
        "CALENDARY_WORKER_METRICS_ADDRESS": f"127.0.0.1:{free_port()}",
        "CALENDARY_OUTBOX_DIR": str(folder / "outbox"),
        "CALENDARY_JWT_SECRET": "embedded-stack-test-secret-embedded-stack",
        "CALENDARY_PROVIDER": "local",
        **as_environment({**GENEROUS_RATE_LIMITS, **CHEAP_PASSWORD_HASHING}),
        **variables,
    }


def manage(command: str, env: dict[str, str], folder: Path, **popen: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, str(PROJECT_ROOT / "manage.py"), command], env=env, cwd=folder,
                            **popen)  # type: ignore[call-overload]


@dataclass
class EmbeddedStack:
    process: subprocess.Popen[bytes]
    folder: Path
    url: str

    def log(self) -> str:
        return (self.folder / "run.log").read_text(errors="replace")

    def pids(self) -> dict[str, int]:
        """The current process of each service, from the supervisor's pid files."""
        run = self.folder / "run"
        return {name: int((run / f"{name}.pid").read_text()) for name in SERVICES if (run / f"{name}.pid").exists()}

    def every_pid_started(self) -> set[int]:
        return {int(pid) for pid in re.findall(r"started \w+ \(pid (\d+)\)", self.log())}

    async def new_pid(self, name: str, old: int, seconds: float = 60) -> int:
        async with asyncio.timeout(seconds):
            while (pid := self.pids().get(name)) in (None, old) or not alive(pid):
                await asyncio.sleep(0.1)
        return pid

    async def started(self, seconds: float = 120) -> dict[str, int]:
        """Once the API answers and every service has a process: their pids."""
        await self.serving(seconds)
        async with asyncio.timeout(seconds):
            while set(pids := self.pids()) != set(SERVICES):
                await asyncio.sleep(0.1)
        return pids

    async def serving(self, seconds: float = 120) -> None:
        async with asyncio.timeout(seconds), httpx.AsyncClient(base_url=self.url) as client:
            while True:
                assert self.process.poll() is None, f"manage.py run exited {self.process.returncode}:\n{self.log()}"
                try:
                    if (await client.get("/api/config")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)

    def interrupt(self, seconds: float = 90) -> int:
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=seconds)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def prepared(folder: Path, **variables: str) -> dict[str, str]:
    """What `make run` does before `manage.py run`: migrate and seed, with the same settings."""
    env = environment(folder, **variables)
    for command in ("migrate", "seed"):
        assert manage(command, env, folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).wait(120) == 0
    return env


@contextmanager
def embedded_stack(folder: Path, env: dict[str, str]) -> Iterator[EmbeddedStack]:
    with (folder / "run.log").open("wb") as log:
        process = manage("run", env, folder, stdout=log, stderr=subprocess.STDOUT)
    stack = EmbeddedStack(process, folder, f"http://127.0.0.1:{env['CALENDARY_API_PORT']}")
    try:
        yield stack
    finally:
        if process.poll() is None:  # a failed test: stop the way Ctrl-C would, then make sure
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        for pid in stack.every_pid_started():
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
