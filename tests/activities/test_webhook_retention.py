"""The reconciler's pass deletes provider webhook events older than the retention, and keeps the recent ones."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select
from temporalio.testing import ActivityEnvironment

from activities.deps import ActivityDeps
from activities.reconciler import ReconcilerActivities
from db.models import WebhookEvent, utcnow
from settings import Settings


def _event(webhook_id: str, age: timedelta) -> WebhookEvent:
    return WebhookEvent(webhook_id=webhook_id, provider_ref="p1", kind="prediction", status="succeeded",
                        payload={"id": "p1"}, received_at=utcnow() - age)


async def test_old_webhook_events_are_pruned_and_recent_ones_kept(database: Settings) -> None:
    settings = database.model_copy(update={"webhook_event_retention": timedelta(days=30)})
    deps = await ActivityDeps.from_settings(settings)
    try:
        async with deps.sessions() as session:
            session.add_all([_event("old", timedelta(days=31)), _event("older", timedelta(days=90)),
                             _event("recent", timedelta(days=29))])
            await session.commit()
        # No job rows: the pass never asks Temporal anything, so no client is needed.
        reconciler = ReconcilerActivities(deps, temporal=None)  # type: ignore[arg-type]
        report = await ActivityEnvironment().run(reconciler.reconcile_jobs)
        async with deps.sessions() as session:
            kept = [event.webhook_id for event in (await session.exec(select(WebhookEvent))).all()]
        assert report.webhook_events_pruned == 2 and kept == ["recent"]
        again = await ActivityEnvironment().run(reconciler.reconcile_jobs)
        assert again.webhook_events_pruned == 0
    finally:
        await deps.close()
