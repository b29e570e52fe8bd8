"""Webhooks as Replicate sends them, and a sink that receives them.

Signing is written here from the published scheme (not imported from the provider) so that the provider's
verifier is checked against an independent implementation: headers webhook-id (kept across retries),
webhook-timestamp (unix seconds) and webhook-signature ("v1,<base64 HMAC-SHA256 of '{id}.{timestamp}.{body}'>"
keyed with the base64-decoded part of the "whsec_..." secret).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx

DEFAULT_EVENTS = ("output", "completed")  # what Replicate sends when no webhook_events_filter is given


def sign(key: bytes, webhook_id: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(key, f"{webhook_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


@dataclass(frozen=True)
class Delivery:
    url: str
    webhook_id: str
    event: str
    attempt: int
    status_code: int | None  # None: the request itself failed


class WebhookSender:
    def __init__(self, *, max_attempts: int = 3, retry_delay_seconds: float = 0.05) -> None:
        self.key = secrets.token_bytes(32)
        self.max_attempts = max_attempts
        self.retry_delay_seconds = retry_delay_seconds
        self.deliveries: list[Delivery] = []
        self.lose_next = 0  # never send this many webhooks (every attempt lost): what the reconcilers are for
        self.lost = 0
        self._lock = threading.Lock()
        self._http: httpx.AsyncClient | None = None

    @property
    def secret(self) -> str:
        return "whsec_" + base64.b64encode(self.key).decode()

    async def start(self) -> None:
        # 15 s, as common webhook senders allow (2 s made a receiver slowed by a loaded machine a failed delivery).
        self._http = httpx.AsyncClient(timeout=15.0)

    async def stop(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    @staticmethod
    def wants(event: str, events_filter: list[str] | None) -> bool:
        return event in (events_filter or DEFAULT_EVENTS)

    async def deliver(self, url: str, event: str, payload: dict[str, Any]) -> None:
        assert self._http is not None, "start() the sender inside the server's loop first"
        with self._lock:
            if self.lose_next > 0:
                self.lose_next -= 1
                self.lost += 1
                return
        body = json.dumps(payload).encode()
        webhook_id = "msg_" + secrets.token_hex(12)
        # Replicate retries only the final webhook of a job; intermediate events get a single attempt.
        attempts = self.max_attempts if event == "completed" else 1
        for attempt in range(1, attempts + 1):
            timestamp = int(time.time())
            headers = {
                "content-type": "application/json",
                "webhook-id": webhook_id,
                "webhook-timestamp": str(timestamp),
                "webhook-signature": sign(self.key, webhook_id, timestamp, body),
            }
            try:
                status_code: int | None = (await self._http.post(url, content=body, headers=headers)).status_code
            except httpx.HTTPError:
                status_code = None
            with self._lock:
                self.deliveries.append(Delivery(url, webhook_id, event, attempt, status_code))
            if status_code is not None and 200 <= status_code < 300:
                return
            await asyncio.sleep(self.retry_delay_seconds * attempt)


@dataclass(frozen=True)
class ReceivedWebhook:
    headers: dict[str, str]
    body: bytes
    query: str

    def json(self) -> Any:
        return json.loads(self.body)


class WebhookSink:
    """A receiver hosted by the fake itself (POST /_sink/webhooks) so tests need no second server."""

    def __init__(self) -> None:
        self.received: list[ReceivedWebhook] = []
        self.fail_next = 0  # answer 500 to this many deliveries, to exercise retries
        self._lock = threading.Lock()

    def receive(self, headers: dict[str, str], body: bytes, query: str) -> int:
        with self._lock:
            self.received.append(ReceivedWebhook(headers, body, query))
            if self.fail_next > 0:
                self.fail_next -= 1
                return 500
            return 200

    def snapshot(self) -> list[ReceivedWebhook]:
        with self._lock:
            return list(self.received)


SENDER = WebhookSender()  # tests of the API's webhook route sign with its key (the signing above is independent)


def prediction(status: str = "succeeded", job_id: str = "p1abc") -> dict[str, Any]:
    return {"id": job_id, "status": status, "model": "calendary/calendary-lora-u1", "version": "v1",
            "input": {"prompt": "a portrait of TOK", "image": "https://replicate.delivery/photo.jpg"},
            "output": ["https://replicate.delivery/out-0.jpg"] if status == "succeeded" else None,
            "error": None, "logs": "a long log", "metrics": {"predict_time": 2.5},
            "created_at": "2026-11-24T12:00:00Z", "completed_at": "2026-11-24T12:00:03Z",
            "webhook": "https://calendary.example/api/webhooks/replicate?tag=job1-v1-a0",
            "urls": {"get": f"https://api.replicate.com/v1/predictions/{job_id}"}}


def signed(job: dict[str, Any], *, webhook_id: str | None = None, key: bytes = SENDER.key,
           timestamp: int | None = None) -> dict[str, Any]:
    body = json.dumps(job).encode()
    webhook_id = webhook_id or f"msg_{secrets.token_hex(8)}"
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {"content": body, "headers": {"content-type": "application/json", "webhook-id": webhook_id,
                                         "webhook-timestamp": str(timestamp),
                                         "webhook-signature": sign(key, webhook_id, timestamp, body)}}
