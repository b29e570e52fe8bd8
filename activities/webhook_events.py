"""The worker's side of pushed completion: the webhook events our API stored, read for the provider's
`CompletionHub` (imaging/providers/replicate_push.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import WebhookEvent

_RUNNING_STATUSES = ("starting", "processing")
# Ids are handed out at insert but become visible at commit, not always in that order on PostgreSQL: each read looks
# this many ids back, so an event committed just after a newer one is still seen (finishing a wait twice is harmless).
_OVERLAP = 16
_BATCH = 500


class StoredWebhookEvents:
    """`WebhookEvents` over the `webhook_event` table: two small indexed queries, whatever the number of jobs."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def finals_since(self, cursor: int | None) -> tuple[int, list[Mapping[str, Any]]]:
        async with self._sessions() as session:
            if cursor is None:
                newest = (await session.exec(select(func.max(WebhookEvent.id)))).one()
                return int(newest or 0), []
            rows = (await session.exec(
                select(WebhookEvent.id, WebhookEvent.payload)
                .where(col(WebhookEvent.id) > cursor - _OVERLAP, col(WebhookEvent.status).not_in(_RUNNING_STATUSES))
                .order_by(col(WebhookEvent.id)).limit(_BATCH))).all()
        return max([cursor, *(row[0] for row in rows)]), [row[1] for row in rows]

    async def final_state(self, job_id: str) -> Mapping[str, Any] | None:
        query = (select(WebhookEvent.payload)
                 .where(WebhookEvent.provider_ref == job_id, col(WebhookEvent.status).not_in(_RUNNING_STATUSES))
                 .order_by(col(WebhookEvent.received_at).desc(), col(WebhookEvent.id).desc()).limit(1))
        async with self._sessions() as session:
            return (await session.exec(query)).first()
