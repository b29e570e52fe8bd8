"""Provider webhooks an attacker could send: forged, replayed under a new id, stale, or re-sent — 401 (or, for an
exact re-delivery, the recorded "duplicate") and no state change."""

from __future__ import annotations

import time

import pytest
from sqlmodel import select

from db.models import WebhookEvent
from testkit.fake_replicate.webhooks import prediction, signed
from tests.security.conftest import World

URL = "/api/webhooks/replicate"


async def _events(world: World) -> list[tuple[str, str]]:
    async with world.api.app.state.sessions() as session:  # type: ignore[attr-defined]
        rows = (await session.exec(select(WebhookEvent).order_by(WebhookEvent.id))).all()
        return [(row.webhook_id, row.status) for row in rows]


def _attack(kind: str, genuine: dict) -> dict:
    headers = dict(genuine["headers"])
    if kind == "forged body":
        return {"content": genuine["content"].replace(b'"succeeded"', b'"failed"'), "headers": headers}
    if kind == "forged key":
        return signed(prediction("failed"), key=b"attacker-key-32-bytes-long......")
    if kind == "replayed under a new id":  # the signature covers the id: a replay can't be stored twice
        return {"content": genuine["content"], "headers": headers | {"webhook-id": "msg_replayed"}}
    if kind == "stale":  # a genuine signature, captured and sent after the tolerance window
        return signed(prediction("failed"), timestamp=int(time.time()) - 3600)
    if kind == "from the future":
        return signed(prediction("failed"), timestamp=int(time.time()) + 3600)
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["forged body", "forged key", "replayed under a new id", "stale", "from the future"])
async def test_a_forged_replayed_or_stale_webhook_is_refused_and_changes_nothing(world: World, kind: str) -> None:
    genuine = signed(prediction(), webhook_id="msg_genuine")
    assert (await world.api.post(URL, **genuine)).status_code == 200
    before = await _events(world)

    response = await world.api.post(URL, **_attack(kind, genuine))

    assert response.status_code == 401 and response.json()["code"] == "webhook_signature_invalid", response.text
    assert await _events(world) == before == [("msg_genuine", "succeeded")]


async def test_an_exact_redelivery_is_recorded_once(world: World) -> None:
    genuine = signed(prediction(), webhook_id="msg_twice")
    first = await world.api.post(URL, **genuine)
    again = await world.api.post(URL, **genuine)
    assert (first.json(), again.json()) == ({"status": "recorded"}, {"status": "duplicate"})
    assert await _events(world) == [("msg_twice", "succeeded")]
