"""Outages of the services a generation depends on, each a context manager that always ends the outage.

How long an outage lasts is the caller's `asyncio.sleep`; the code under test runs unchanged (only its retry
intervals come from settings)."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

from moto.server import ThreadedMotoServer

from testkit.embedded import free_port


@dataclass(frozen=True)
class PostgresCluster:
    """A PostgreSQL cluster of the test's own beside the machine's `main` one (127.0.0.1:5432): stopping it for
    minutes disturbs no other test, so the suite's other PostgreSQL tests keep running in parallel meanwhile."""

    version: str
    name: str
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def ctl(self, action: str) -> None:
        _run(["pg_ctlcluster", "--skip-systemctl-redirect", self.version, self.name, action,
              *(["-m", "fast"] if action == "stop" else [])])


def _run(command: list[str]) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=120)


@asynccontextmanager
async def own_postgres_cluster() -> AsyncIterator[PostgresCluster]:
    """A new cluster (`pg_createcluster`, trust auth, on a free port), started, and dropped afterwards."""
    version = sorted(path.name for path in Path("/etc/postgresql").iterdir())[-1]
    cluster = PostgresCluster(version, f"calendary_faults_{uuid.uuid4().hex[:8]}", free_port())
    await asyncio.to_thread(_run, ["pg_createcluster", "-p", str(cluster.port), version, cluster.name,
                                   "--", "--auth=trust"])
    try:
        await asyncio.to_thread(cluster.ctl, "start")
        yield cluster
    finally:
        await asyncio.to_thread(_run, ["pg_dropcluster", "--stop", version, cluster.name])


@asynccontextmanager
async def postgres_stopped(cluster: PostgresCluster) -> AsyncIterator[None]:
    await asyncio.to_thread(cluster.ctl, "stop")
    try:
        yield
    finally:
        await asyncio.to_thread(cluster.ctl, "start")


def mounted_volume(link: Path) -> None:
    """Put the file store at `link` on a "volume": a folder beside it that `link` points to, so `folder_gone` can
    unmount it in one atomic step (a rename would race the store recreating its folder)."""
    volume = link.with_name(f"{link.name}.volume")
    volume.mkdir(parents=True, exist_ok=True)
    link.symlink_to(volume, target_is_directory=True)


def _point(link: Path, target: Path) -> None:
    replacement = link.with_name(f"{link.name}.relink")
    replacement.symlink_to(target)
    os.replace(replacement, link)  # atomic: the store sees the old target or the new one, nothing between


@asynccontextmanager
async def folder_gone(link: Path) -> AsyncIterator[None]:
    """The file store's volume unmounted: `link` (see `mounted_volume`) points at a plain file, so every read and
    write below it fails, as on a lost mount. (Permissions would not do: tests may run as root, whom no mode bit
    stops.)"""
    volume = link.readlink()
    nothing = link.with_name(f"{link.name}.unmounted")
    nothing.write_bytes(b"")
    _point(link, nothing)
    try:
        yield
    finally:
        _point(link, volume)


class StoppableS3:
    """moto's S3 server on a fixed port that can be stopped (connections refused) and started again with its
    objects intact (moto keeps them in this process's memory, not in the server thread)."""

    def __init__(self) -> None:
        self.port = free_port()
        self._server: ThreadedMotoServer | None = None

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            # moto's stop() leaves the socket listening, so clients would hang instead of being refused.
            wsgi = self._server._server  # noqa: SLF001  (moto offers no way to close it)
            if wsgi is not None:
                wsgi.server_close()
            self._server = None

    @contextmanager
    def running(self) -> Iterator[StoppableS3]:
        self.start()
        try:
            yield self
        finally:
            self.stop()

    @asynccontextmanager
    async def stopped(self) -> AsyncIterator[None]:
        await asyncio.to_thread(self.stop)
        try:
            yield
        finally:
            await asyncio.to_thread(self.start)
