"""Completion pushed by webhooks (imaging/providers/replicate_push.py): a webhook ends a wait without reading the
job; a lost webhook is caught by the batched reconciler's list, or else by the wait's own read; deadlines hold."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

import pytest

from imaging.providers.base import ContentRejected, ProviderError, ProviderJobFailed
from imaging.providers.replicate_api import JobSnapshot
from imaging.providers.replicate_push import CompletionHub
from imaging.providers.replicate_settings import ReplicateSettings
from testkit.fake_replicate.server import FakeReplicate
from tests.replicate.conftest import ProviderFactory, synthesis_request
from tests.replicate.test_training import training_request


class SinkEvents:
    """What the worker reads from our webhook table (activities/webhook_events.py), with the fake's own sink in its
    place. `hidden` jobs' webhooks are never seen (lost); `broken` makes every read fail."""

    def __init__(self, fake: FakeReplicate, *, hide_all: bool = False, broken: bool = False) -> None:
        self._fake, self._hide_all, self._broken = fake, hide_all, broken
        self.reads = 0

    def _finals(self) -> list[dict[str, Any]]:
        self.reads += 1
        if self._broken:
            raise ConnectionError("database is down")
        jobs = [json.loads(received.body) for received in self._fake.sink.snapshot()]
        return [] if self._hide_all else [job for job in jobs if job["status"] not in ("starting", "processing")]

    async def finals_since(self, cursor: int | None) -> tuple[int, list[Mapping[str, Any]]]:
        finals = self._finals()
        return len(finals), ([] if cursor is None else finals[cursor:])

    async def final_state(self, job_id: str) -> Mapping[str, Any] | None:
        return next((job for job in reversed(self._finals()) if job["id"] == job_id), None)


def _reads(fake: FakeReplicate, kind: str = "prediction") -> tuple[int, int]:
    requests = fake.requests_per_route()
    return requests[f"get_{kind}"], requests[f"list_{kind}s"]


async def test_a_webhook_ends_a_training_wait_without_reading_the_training(
        fake: FakeReplicate, make_provider: ProviderFactory) -> None:
    events = SinkEvents(fake)
    provider = make_provider(events, push_read_after_seconds=60, push_list_interval_seconds=60)
    began = time.monotonic()

    result = await provider.train(training_request())

    assert time.monotonic() - began < 5  # a read would have come after 60 s
    [training] = fake.trainings()
    assert result.provider_ref == training.id and result.model_ref == training.output["version"]
    assert result.cost_usd == pytest.approx((training.completed_at - training.started_at) * 0.001525, abs=1e-6)
    assert _reads(fake, "training") == (0, 1)  # only the reconciliation search before the create
    assert events.reads >= 2


async def test_a_pushed_prediction_is_never_read_and_its_output_is_downloaded(
        fake: FakeReplicate, make_provider: ProviderFactory) -> None:
    provider = make_provider(SinkEvents(fake), push_read_after_seconds=60, push_list_interval_seconds=60)

    result = await provider.generate(synthesis_request(fake.add_trained_version(), fresh=True))

    assert result.image.startswith(b"\xff\xd8") and result.provider_ref == fake.predictions()[0].id
    assert result.cost_usd > 0
    assert _reads(fake) == (0, 0)  # a first try searches nothing before creating, and the push reads nothing


async def test_a_nsfw_verdict_by_webhook_is_still_a_content_rejection(fake: FakeReplicate,
                                                                      make_provider: ProviderFactory) -> None:
    fake.script_predictions("nsfw")
    provider = make_provider(SinkEvents(fake), push_read_after_seconds=60)

    with pytest.raises(ContentRejected, match="NSFW"):
        await provider.generate(synthesis_request(fake.add_trained_version()))


async def test_a_lost_webhook_is_caught_by_the_batched_reconciler(fake: FakeReplicate,
                                                                  make_provider: ProviderFactory) -> None:
    fake.set_prediction_timing(starting_seconds=0.0, processing_seconds=0.1)
    provider = make_provider(SinkEvents(fake, hide_all=True), push_read_after_seconds=60,
                             push_list_interval_seconds=0.3)
    version = fake.add_trained_version()

    result = await provider.generate(synthesis_request(version, fresh=True))

    assert result.provider_ref == fake.predictions()[0].id
    assert _reads(fake) == (0, 1)  # listed once, found finished; never read on its own


async def test_a_lost_webhook_is_caught_by_the_waits_own_read_when_listing_fails(
        fake: FakeReplicate, make_provider: ProviderFactory) -> None:
    fake.faults.throttle_next("list_predictions", times=50, retry_after=0)
    provider = make_provider(SinkEvents(fake, broken=True), push_read_after_seconds=0.3,
                             push_list_interval_seconds=0.1)

    result = await provider.generate(synthesis_request(fake.add_trained_version(), fresh=True))

    assert result.provider_ref == fake.predictions()[0].id
    assert _reads(fake)[0] >= 1


async def test_the_deadline_still_applies_while_nothing_is_pushed(fake: FakeReplicate,
                                                                  make_provider: ProviderFactory) -> None:
    fake.set_prediction_timing(starting_seconds=0.0, processing_seconds=30)
    provider = make_provider(SinkEvents(fake), prediction_deadline_seconds=0.3, push_read_after_seconds=60)

    with pytest.raises(ProviderJobFailed, match="still processing"):
        await provider.generate(synthesis_request(fake.add_trained_version()))

    assert fake.predictions()[0].status == "canceled"


class _Stored:
    """Events where one job's final state was stored before anyone waited on it."""

    def __init__(self, job: dict[str, Any]) -> None:
        self.job = job

    async def finals_since(self, cursor: int | None) -> tuple[int, list[Mapping[str, Any]]]:
        return 1, []

    async def final_state(self, job_id: str) -> Mapping[str, Any] | None:
        return self.job if job_id == self.job["id"] else None


async def test_a_wait_that_begins_after_its_webhook_ends_at_once() -> None:
    hub = CompletionHub(_Stored({"id": "p1", "status": "succeeded", "output": ["x"]}), None,  # type: ignore[arg-type]
                        ReplicateSettings(push_list_interval_seconds=60))
    try:
        done = await hub.wait("prediction", JobSnapshot(id="p1", status="processing"), 5.0)
        silent = await hub.wait("prediction", JobSnapshot(id="p2", status="processing"), 0.1)
    finally:
        await hub.aclose()
    assert done is not None and done.status == "succeeded" and silent is None


async def test_a_throttled_create_says_when_to_try_again(fake: FakeReplicate,
                                                         make_provider: ProviderFactory) -> None:
    fake.set_rate_budget(creates=1, others=None, window_seconds=30)
    provider = make_provider()
    version = fake.add_trained_version()
    await provider.generate(synthesis_request(version, variant=1, fresh=True))

    with pytest.raises(ProviderError, match="throttled") as refused:
        await provider.generate(synthesis_request(version, variant=2, fresh=True))

    assert refused.value.retry_after is not None and 25 <= refused.value.retry_after <= 30
    assert fake.billed_predictions() == 1 and fake.faults.throttled["create_prediction"] == 1
