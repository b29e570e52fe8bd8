"""The worker's HTTP endpoint on CALENDARY_WORKER_METRICS_ADDRESS: `/metrics` and `/healthz`.

`/metrics` is this process's `calendary_*` series followed by the Temporal SDK's own (`temporal_*`), which the SDK
runtime exports on a private loopback port of its own (`temporal_runtime`): one address for Prometheus to scrape.
`/healthz` is readiness: the pollers run and the database and Temporal answer; 503 names what failed.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Awaitable, Callable

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from temporalio.client import Client
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.worker import Worker

from ops.health import Readiness, database_check, readiness, temporal_check
from ops.metrics import CONTENT_TYPE_LATEST, exposition

log = logging.getLogger("worker.endpoint")


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def temporal_runtime() -> tuple[Runtime, str]:
    """A Temporal runtime whose metrics are served on a free loopback port; returns it and that port's URL."""
    address = f"127.0.0.1:{free_loopback_port()}"
    metrics = PrometheusConfig(bind_address=address, durations_as_seconds=True)
    runtime = Runtime(telemetry=TelemetryConfig(metrics=metrics))
    return runtime, f"http://{address}/metrics"


def endpoint_app(readiness: Callable[[], Awaitable[Readiness]], sdk_metrics_url: str | None) -> Starlette:
    async def metrics(_: Request) -> Response:
        body = exposition()
        if sdk_metrics_url:
            try:
                async with httpx.AsyncClient(timeout=5) as client:
                    sdk = await client.get(sdk_metrics_url)
                body += sdk.content
            except httpx.HTTPError as err:  # the app's series are still worth a scrape
                log.warning("Temporal SDK metrics unavailable: %s", err)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    async def healthz(_: Request) -> JSONResponse:
        ready = await readiness()
        return JSONResponse(ready.body(), status_code=200 if ready.ready else 503)

    return Starlette(routes=[Route("/metrics", metrics), Route("/healthz", healthz)])


def worker_readiness(engine: AsyncEngine, client: Client, workers: list[Worker]) -> Callable[[], Awaitable[Readiness]]:
    async def pollers() -> None:
        if stopped := [w.task_queue for w in workers if not w.is_running]:
            raise RuntimeError(f"not polling {', '.join(stopped)}")

    async def connected() -> Client:
        return client

    def check() -> Awaitable[Readiness]:
        return readiness({"pollers": pollers, "database": database_check(engine),
                          "temporal": temporal_check(connected)})
    return check
