"""/readyz names what is unreachable; /metrics counts requests by route template (never by raw path)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from settings import Settings
from storage import StoredObject
from testkit.api import running_api


class UnreachableStorage:
    """A storage backend whose server does not answer."""

    async def start(self) -> None:
        pass

    async def exists(self, key: str) -> bool:
        raise ConnectionRefusedError("minio:9000 refused the connection")

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        raise AssertionError("not used")

    async def get(self, key: str) -> StoredObject:
        raise AssertionError("not used")

    async def delete(self, key: str) -> None:
        raise AssertionError("not used")

    async def delete_prefix(self, prefix: str) -> int:
        raise AssertionError("not used")

    async def list_keys(self, prefix: str) -> list[str]:
        raise AssertionError("not used")

    async def presigned_url(self, key: str, expires: timedelta) -> str | None:
        raise AssertionError("not used")


async def test_readyz_answers_503_naming_every_unreachable_dependency(tmp_path: Path, settings: Settings) -> None:
    broken = settings.model_copy(update={"database_url": f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'x.db'}"})
    async with running_api(broken) as api:
        api.app.state.storage = UnreachableStorage()  # type: ignore[attr-defined]
        alive = await api.get("/healthz")
        ready = await api.get("/readyz")
    assert alive.status_code == 200
    assert ready.status_code == 503
    body = ready.json()
    assert body["failed"] == ["database", "storage", "temporal"]
    assert body["detail"] == "not ready: database, storage, temporal unavailable"
    assert "refused" in body["checks"]["storage"]


async def test_readyz_names_only_what_failed(app_client: httpx.AsyncClient) -> None:
    ready = await app_client.get("/readyz")  # the fixture's settings point Temporal at a closed port
    assert ready.status_code == 503
    assert ready.json()["failed"] == ["temporal"]
    assert ready.json()["checks"]["database"] == ready.json()["checks"]["storage"] == "ok"


def _requests(text: str) -> dict[tuple[str, str, str], float]:
    return {(s.labels["route"], s.labels["method"], s.labels["status"]): s.value
            for family in text_string_to_metric_families(text) if family.name == "calendary_http_requests"
            for s in family.samples if s.name.endswith("_total")}


async def test_metrics_count_requests_by_route_template(app_client: httpx.AsyncClient) -> None:
    before = _requests((await app_client.get("/metrics")).text)
    await app_client.get("/api/calendars/41")
    await app_client.get("/api/calendars/42")
    await app_client.get("/no/such/page/7")
    after = _requests((await app_client.get("/metrics")).text)

    def grew(key: tuple[str, str, str]) -> float:
        return after.get(key, 0) - before.get(key, 0)

    assert grew(("/api/calendars/{calendar_id}", "GET", "401")) == 2
    assert grew(("unmatched", "GET", "404")) == 1
    assert not any("/42" in route or "/no/such" in route for route, _, _ in after)
