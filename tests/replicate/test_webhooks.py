"""verify_webhook against webhooks the fake signed and delivered, cross-checked with the client's validator."""

from __future__ import annotations

import asyncio
import base64
import time

import pytest
import replicate
from replicate.webhook import Webhooks, WebhookSigningSecret

from imaging.providers.replicate import WebhookVerificationError, verify_webhook
from testkit.fake_replicate.server import FakeReplicate
from testkit.fake_replicate.webhooks import ReceivedWebhook, sign
from tests.replicate.conftest import ProviderFactory, synthesis_request


async def completed_webhooks(fake: FakeReplicate, make_provider: ProviderFactory, *,
                             expected: int = 1) -> list[ReceivedWebhook]:
    await make_provider().generate(synthesis_request(fake.add_trained_version()))
    for _ in range(200):
        received = fake.sink.snapshot()
        if len(received) >= expected:
            return received
        await asyncio.sleep(0.01)
    raise AssertionError(f"expected {expected} webhook deliveries, got {len(fake.sink.snapshot())}")


@pytest.fixture
async def delivered(fake: FakeReplicate, make_provider: ProviderFactory) -> ReceivedWebhook:
    return (await completed_webhooks(fake, make_provider))[0]


async def test_a_genuine_webhook_is_accepted(fake: FakeReplicate, delivered: ReceivedWebhook) -> None:
    secret = (await replicate.Client(api_token=fake.api_token, base_url=fake.base_url)
              .webhooks.default.async_secret()).key

    verify_webhook(delivered.headers, delivered.body, secret)

    # The client's own validator raises on a bad signature (and returns None, whatever its annotation says).
    Webhooks.validate(headers=delivered.headers, body=delivered.body.decode(),
                      secret=WebhookSigningSecret(key=secret), tolerance=300)
    assert delivered.json()["status"] == "succeeded" and delivered.query == "tag=gen-1-variant-0"


async def test_a_forged_body_is_rejected(fake: FakeReplicate, delivered: ReceivedWebhook) -> None:
    forged = delivered.body.replace(b'"succeeded"', b'"failed"')

    with pytest.raises(WebhookVerificationError, match="no valid signature"):
        verify_webhook(delivered.headers, forged, fake.signing_secret)


async def test_another_secret_is_rejected(delivered: ReceivedWebhook) -> None:
    other_secret = "whsec_" + base64.b64encode(b"k" * 32).decode()

    with pytest.raises(WebhookVerificationError):
        verify_webhook(delivered.headers, delivered.body, other_secret)


@pytest.mark.parametrize("skew", [-301, 301], ids=["stale", "from-the-future"])
async def test_timestamps_outside_the_tolerance_are_rejected(
    fake: FakeReplicate, delivered: ReceivedWebhook, skew: int
) -> None:
    sent_at = int(delivered.headers["webhook-timestamp"])

    with pytest.raises(WebhookVerificationError, match="away from now"):
        verify_webhook(delivered.headers, delivered.body, fake.signing_secret, now=sent_at + skew)
    verify_webhook(delivered.headers, delivered.body, fake.signing_secret, now=sent_at + skew * 299 // 301)


@pytest.mark.parametrize("header", ["webhook-id", "webhook-timestamp", "webhook-signature"])
async def test_missing_headers_are_rejected(fake: FakeReplicate, delivered: ReceivedWebhook, header: str) -> None:
    headers = {name: value for name, value in delivered.headers.items() if name != header}

    with pytest.raises(WebhookVerificationError, match="missing"):
        verify_webhook(headers, delivered.body, fake.signing_secret)


def test_any_of_several_signatures_may_match_and_header_case_does_not_matter() -> None:
    key = b"0123456789abcdef0123456789abcdef"
    secret = "whsec_" + base64.b64encode(key).decode()
    timestamp = int(time.time())
    body = b'{"id": "abc", "status": "succeeded"}'
    valid = sign(key, "msg_1", timestamp, body)
    headers = {"Webhook-Id": "msg_1", "Webhook-Timestamp": str(timestamp),
               "Webhook-Signature": f"v1,bm90LXRoaXMtb25l v2,garbage {valid}"}

    verify_webhook(headers, body, secret)
    with pytest.raises(WebhookVerificationError):
        verify_webhook(headers | {"Webhook-Id": "msg_2"}, body, secret)  # the id is part of what is signed
    with pytest.raises(WebhookVerificationError, match="not a unix time"):
        verify_webhook(headers | {"Webhook-Timestamp": "yesterday"}, body, secret)
    with pytest.raises(ValueError, match="whsec_"):
        verify_webhook(headers, body, "not-a-secret")


async def test_retried_deliveries_keep_their_webhook_id(fake: FakeReplicate, make_provider: ProviderFactory) -> None:
    fake.sink.fail_next = 1

    first, retry = await completed_webhooks(fake, make_provider, expected=2)

    assert first.headers["webhook-id"] == retry.headers["webhook-id"]
    verify_webhook(retry.headers, retry.body, fake.signing_secret)
