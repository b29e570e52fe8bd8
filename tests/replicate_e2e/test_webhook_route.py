"""POST /api/webhooks/replicate: only signed deliveries are stored, each once, and a waiting worker can read them."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from sqlmodel import select
from temporalio.testing import WorkflowEnvironment

from activities.webhook_events import StoredWebhookEvents
from db.models import WebhookEvent
from db.session import make_engine, make_session_factory
from settings import PROJECT_ROOT, Settings
from testkit.api import running_api
from testkit.fake_replicate.webhooks import SENDER, prediction, sign, signed
from testkit.settings import make_settings

URL = "/api/webhooks/replicate"


@pytest.fixture
async def configured(database: Settings) -> Settings:
    replicate = database.replicate.model_copy(update={"webhook_secret": SecretStr(SENDER.secret)})
    return database.model_copy(update={"replicate": replicate})


@pytest.fixture
async def api(configured: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with running_api(configured) as client:
        yield client


async def _events(settings: Settings) -> list[WebhookEvent]:
    engine = make_engine(settings.database_url)
    async with make_session_factory(engine)() as session:
        events = list((await session.exec(select(WebhookEvent).order_by(WebhookEvent.id))).all())
    await engine.dispose()
    return events


@pytest.mark.parametrize("forgery", ["tampered body", "other key", "stale", "unsigned", "bad signature encoding"])
async def test_a_forged_webhook_is_refused_and_changes_nothing(
    api: httpx.AsyncClient, configured: Settings, forgery: str
) -> None:
    request = signed(prediction(), key=b"k" * 32 if forgery == "other key" else SENDER.key,
                     timestamp=int(time.time()) - 301 if forgery == "stale" else None)
    if forgery == "tampered body":
        request["content"] = request["content"].replace(b'"succeeded"', b'"failed"')
    elif forgery == "unsigned":
        del request["headers"]["webhook-signature"]
    elif forgery == "bad signature encoding":
        request["headers"]["webhook-signature"] = "v1,not*base64"

    response = await api.post(URL, **request)

    assert response.status_code == 401 and response.json()["code"] == "webhook_signature_invalid"
    assert await _events(configured) == []


async def test_a_genuine_webhook_is_stored_once_however_often_it_is_delivered(
    api: httpx.AsyncClient, configured: Settings
) -> None:
    delivery = signed(prediction(), webhook_id="msg_once")

    first = await api.post(URL, **delivery)
    again = await api.post(URL, **delivery)  # Replicate retries with the same webhook-id
    concurrent = await asyncio.gather(*(api.post(URL, **delivery) for _ in range(3)))

    assert (first.status_code, first.json()) == (200, {"status": "recorded"})
    assert (again.status_code, again.json()) == (200, {"status": "duplicate"})
    assert {r.status_code for r in concurrent} == {200}
    [event] = await _events(configured)
    assert (event.webhook_id, event.provider_ref, event.kind, event.status) == ("msg_once", "p1abc", "prediction",
                                                                                "succeeded")
    assert event.payload["output"] == ["https://replicate.delivery/out-0.jpg"]
    assert event.payload["metrics"] == {"predict_time": 2.5}
    assert "input" not in event.payload and "logs" not in event.payload  # prompts and photo URLs stay out


async def test_the_waiting_worker_reads_the_final_states_stored_since_its_last_look(
        api: httpx.AsyncClient, configured: Settings) -> None:
    training = prediction("processing", job_id="t1") | {"urls": {"get": "https://api.replicate.com/v1/trainings/t1"}}
    events = StoredWebhookEvents(make_session_factory(engine := make_engine(configured.database_url)))
    try:
        cursor, nothing = await events.finals_since(None)  # from now on
        await api.post(URL, **signed(training))
        assert await events.final_state("t1") is None  # still running: nothing to act on
        cursor, finals = await events.finals_since(cursor)
        assert nothing == finals == []

        done = training | {"status": "succeeded", "output": {"version": "calendary/lora-u1:abc", "weights": "w"}}
        await api.post(URL, **signed(done))

        assert (await events.final_state("t1"))["output"]["version"] == "calendary/lora-u1:abc"
        assert await events.final_state("unknown") is None
        cursor, [final] = await events.finals_since(cursor)
        assert final["status"] == "succeeded" and final["id"] == "t1"
        assert (await events.finals_since(cursor))[0] == cursor
        assert {(e.kind, e.status) for e in await _events(configured)} == {("training", "processing"),
                                                                           ("training", "succeeded")}
    finally:
        await engine.dispose()


async def test_without_a_secret_webhooks_are_refused_as_unavailable(database: Settings) -> None:
    async with running_api(database) as client:
        response = await client.post(URL, **signed(prediction()))

    assert response.status_code == 503 and response.json()["code"] == "webhooks_not_configured"
    assert "CALENDARY_REPLICATE_WEBHOOK_SECRET" in response.json()["detail"]
    assert await _events(database) == []


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"id": 7, "status": "succeeded"}'])
async def test_a_signed_body_that_is_no_job_is_a_422(api: httpx.AsyncClient, configured: Settings, body: bytes) -> None:
    webhook_id, timestamp = "msg_odd", int(time.time())
    headers = {"webhook-id": webhook_id, "webhook-timestamp": str(timestamp),
               "webhook-signature": sign(SENDER.key, webhook_id, timestamp, body)}

    response = await api.post(URL, content=body, headers=headers)

    assert response.status_code == 422 and response.json()["code"] == "webhook_payload_invalid"
    assert await _events(configured) == []


async def test_a_worker_without_a_token_exits_at_once_saying_why(
    tmp_path: Path, dev_server: WorkflowEnvironment
) -> None:
    settings = make_settings(tmp_path)
    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith("CALENDARY_") and name != "REPLICATE_API_TOKEN"}
    environment |= {"CALENDARY_PROVIDER": "replicate", "CALENDARY_DATABASE_URL": settings.database_url,
                    "CALENDARY_STORAGE_DIR": str(settings.storage_dir),
                    "CALENDARY_TEMPORAL_ADDRESS": dev_server.client.service_client.config.target_host}

    process = await asyncio.to_thread(subprocess.run, [sys.executable, str(PROJECT_ROOT / "worker.py")],
                                      env=environment, cwd=tmp_path, capture_output=True, text=True, timeout=60)

    assert process.returncode == os.EX_CONFIG == 78
    assert "CALENDARY_PROVIDER=replicate needs an API token: set REPLICATE_API_TOKEN" in process.stderr
