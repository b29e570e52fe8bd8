"""A final status delivered by webhook ends a wait early; a hint that is missing, running or broken changes nothing."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

import pytest

from imaging.providers.base import ContentRejected, ProviderJobFailed
from testkit.fake_replicate.server import FakeReplicate
from tests.replicate.conftest import ProviderFactory, synthesis_request
from tests.replicate.test_training import training_request


def hints_from_the_sink(fake: FakeReplicate, calls: list[str] | None = None):  # noqa: ANN201
    """What the worker's database reader does, with the fake's own sink in place of our webhook table."""

    async def final_status(job_id: str) -> Mapping[str, Any] | None:
        if calls is not None:
            calls.append(job_id)
        for received in reversed(fake.sink.snapshot()):
            job = json.loads(received.body)
            if job["id"] == job_id and job["status"] not in ("starting", "processing"):
                return job
        return None

    return final_status


async def test_a_webhook_ends_a_training_wait_long_before_the_next_poll(fake: FakeReplicate,
                                                                        make_provider: ProviderFactory) -> None:
    calls: list[str] = []
    provider = make_provider(hints_from_the_sink(fake, calls), training_poll_interval_seconds=60,
                             status_hint_interval_seconds=0.02)
    began = time.monotonic()

    result = await provider.train(training_request())

    assert time.monotonic() - began < 5  # a poll would have come after 60 s
    [training] = fake.trainings()
    assert result.provider_ref == training.id and result.model_ref == training.output["version"]
    assert result.cost_usd == pytest.approx((training.completed_at - training.started_at) * 0.001525, abs=1e-6)
    assert set(calls) == {training.id}


async def test_a_webhook_ends_a_prediction_wait_and_its_output_is_downloaded(fake: FakeReplicate,
                                                                             make_provider: ProviderFactory) -> None:
    provider = make_provider(hints_from_the_sink(fake), poll_interval_seconds=60, status_hint_interval_seconds=0.02)

    result = await provider.generate(synthesis_request(fake.add_trained_version()))

    assert result.image.startswith(b"\xff\xd8") and result.provider_ref == fake.predictions()[0].id
    assert result.cost_usd > 0


async def test_a_nsfw_verdict_by_webhook_is_still_a_content_rejection(fake: FakeReplicate,
                                                                      make_provider: ProviderFactory) -> None:
    fake.script_predictions("nsfw")
    provider = make_provider(hints_from_the_sink(fake), poll_interval_seconds=60, status_hint_interval_seconds=0.02)

    with pytest.raises(ContentRejected, match="NSFW"):
        await provider.generate(synthesis_request(fake.add_trained_version()))


@pytest.mark.parametrize("hint", ["broken", "running", "another job", "nothing"])
async def test_unhelpful_hints_leave_the_decision_to_polling(fake: FakeReplicate, make_provider: ProviderFactory,
                                                             hint: str) -> None:
    async def unhelpful(job_id: str) -> Mapping[str, Any] | None:
        if hint == "broken":
            raise ConnectionError("database is down")
        if hint == "running":
            return {"id": job_id, "status": "processing"}
        if hint == "another job":
            return {"id": "someone-else", "status": "succeeded", "output": ["http://x/y.jpg"]}
        return None

    provider = make_provider(unhelpful, status_hint_interval_seconds=0.01)

    result = await provider.generate(synthesis_request(fake.add_trained_version()))

    assert result.provider_ref == fake.predictions()[0].id and result.image.startswith(b"\xff\xd8")


async def test_the_deadline_still_applies_while_hints_say_nothing(fake: FakeReplicate,
                                                                  make_provider: ProviderFactory) -> None:
    fake.set_prediction_timing(starting_seconds=0.0, processing_seconds=30)
    provider = make_provider(hints_from_the_sink(fake), prediction_deadline_seconds=0.3,
                             status_hint_interval_seconds=0.01)

    with pytest.raises(ProviderJobFailed, match="still processing"):
        await provider.generate(synthesis_request(fake.add_trained_version()))

    assert fake.predictions()[0].status == "canceled"
