"""Provider webhooks (Replicate): verified, stored once per delivery, answered at once.

Replicate POSTs a prediction or training as JSON when it completes, signed with the account's webhook secret, and
retries a delivery (same `webhook-id`) until it gets a 2xx. This route only records what it was told: the worker
waiting on that job reads it from `webhook_event` within ~0.1 s (activities/webhook_events.py, the provider's
CompletionHub) and stops waiting. A webhook that never arrives is caught by the hub's batched reconciler.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from api.deps import SessionDep, SettingsDep
from api.openapi import raises
from api.problems import (
    REQUEST_TOO_LARGE,
    WEBHOOK_PAYLOAD_INVALID,
    WEBHOOK_SIGNATURE_INVALID,
    WEBHOOKS_NOT_CONFIGURED,
    ApiProblem,
)
from db.models import WebhookEvent
from imaging.providers.replicate_webhooks import WebhookVerificationError, verify_webhook

router = APIRouter(prefix="/api/webhooks", tags=["webhooks"])

# What a waiting worker needs from the job; its input (prompt, photo URL) and logs are left out.
_KEPT_FIELDS = ("id", "status", "output", "error", "metrics", "model", "version", "webhook", "data_removed",
                "created_at", "started_at", "completed_at")
_MAX_ID_LENGTH = 128


@router.post("/replicate", summary="Replicate job status (signed webhook)")
@raises(WEBHOOKS_NOT_CONFIGURED, WEBHOOK_SIGNATURE_INVALID, WEBHOOK_PAYLOAD_INVALID,
        REQUEST_TOO_LARGE)  # the body is read here, not declared: api.body_limits caps it before the signature check
async def replicate_webhook(request: Request, settings: SettingsDep, session: SessionDep) -> dict[str, str]:
    secret = settings.replicate.webhook_secret
    if secret is None:
        raise ApiProblem(WEBHOOKS_NOT_CONFIGURED,
                         "Replicate webhooks are not configured: set CALENDARY_REPLICATE_WEBHOOK_SECRET")
    body = await request.body()  # raw bytes: the signature covers them exactly
    try:
        verify_webhook(request.headers, body, secret.get_secret_value(),
                       tolerance_seconds=settings.replicate.webhook_tolerance_seconds)
    except WebhookVerificationError as err:
        raise ApiProblem(WEBHOOK_SIGNATURE_INVALID, f"webhook rejected: {err}") from err
    except ValueError as err:  # our secret is malformed: the sender is not at fault, and it will retry
        raise ApiProblem(WEBHOOKS_NOT_CONFIGURED, f"the Replicate webhook secret is misconfigured: {err}") from err

    webhook_id = request.headers["webhook-id"]
    job = _job(body)
    if len(webhook_id) > _MAX_ID_LENGTH or len(job["id"]) > _MAX_ID_LENGTH:
        raise ApiProblem(WEBHOOK_PAYLOAD_INVALID, "webhook-id or job id is too long")

    event = WebhookEvent(webhook_id=webhook_id, provider_ref=job["id"], kind=_kind(job),
                         status=job["status"][:32], payload={k: job[k] for k in _KEPT_FIELDS if k in job})
    if await _stored(session, webhook_id):
        return {"status": "duplicate"}
    session.add(event)
    try:
        await session.flush()
    except IntegrityError:
        await session.rollback()
        if await _stored(session, webhook_id):  # the same delivery, stored concurrently by another request
            return {"status": "duplicate"}
        raise
    # Committed by the unit of work before this 200 leaves; if the event can't be stored, the answer is a 5xx
    # (api.errors) and Replicate delivers it again.
    return {"status": "recorded"}


async def _stored(session: SessionDep, webhook_id: str) -> bool:
    found = (await session.exec(select(WebhookEvent.id).where(WebhookEvent.webhook_id == webhook_id))).first()
    return found is not None


def _job(body: bytes) -> dict[str, Any]:
    try:
        job = json.loads(body)
    except ValueError as err:
        raise ApiProblem(WEBHOOK_PAYLOAD_INVALID, "the body is not JSON") from err
    if not isinstance(job, dict) or not isinstance(job.get("id"), str) or not isinstance(job.get("status"), str):
        raise ApiProblem(WEBHOOK_PAYLOAD_INVALID, "the body is not a prediction or training")
    return job


def _kind(job: dict[str, Any]) -> str:
    urls = job.get("urls")
    url = str(urls.get("get") or "") if isinstance(urls, dict) else ""
    return "training" if "/trainings/" in url else "prediction"
