"""Readiness checks shared by the API (`/readyz`) and the worker (`/healthz` on its metrics address).

Each check answers None when the dependency works, or a short reason when it does not; `readiness` runs them
together, each bounded by a timeout, so one hung dependency cannot hang the probe.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client

from storage import Storage

CHECK_TIMEOUT = 3.0  # seconds; orchestrators probe every few seconds and give up on a slow answer anyway
# A key no object ever has (storage keys start with users/ or templates/): asking for it reaches the backend only.
_PROBE_KEY = "readiness-probe/absent"

Check = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Readiness:
    checks: dict[str, str]  # name -> "ok" or why it failed

    @property
    def failed(self) -> list[str]:
        return [name for name, state in self.checks.items() if state != "ok"]

    @property
    def ready(self) -> bool:
        return not self.failed

    def body(self) -> dict[str, object]:
        if self.ready:
            return {"status": "ready", "checks": self.checks}
        return {"status": "unavailable", "detail": f"not ready: {', '.join(self.failed)} unavailable",
                "failed": self.failed, "checks": self.checks}


def database_check(engine: AsyncEngine) -> Check:
    async def check() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    return check


def storage_check(storage: Storage) -> Check:
    async def check() -> None:
        await storage.exists(_PROBE_KEY)
    return check


def temporal_check(client: Callable[[], Awaitable[Client | None]]) -> Check:
    async def check() -> None:
        connected = await client()
        if connected is None:
            raise ConnectionError("not connected")
        if not await connected.service_client.check_health():
            raise ConnectionError("the frontend service reports not serving")
    return check


async def readiness(checks: Mapping[str, Check], limit: float = CHECK_TIMEOUT) -> Readiness:
    async def run(check: Check) -> str:
        try:
            async with asyncio.timeout(limit):
                await check()
        except TimeoutError:
            return f"no answer within {limit:g} s"
        except Exception as err:  # noqa: BLE001 — any failure means "not ready"; the reason is what is reported
            return f"{type(err).__name__}: {err}"[:300]
        return "ok"

    states = await asyncio.gather(*(run(check) for check in checks.values()))
    return Readiness(dict(zip(checks, states, strict=True)))
