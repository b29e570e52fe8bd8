"""The print upscale on Replicate (imaging/providers/replicate_upscale.py) against the fake, through the real client:
the chosen image is enlarged by the upscaler model, its cost is the upscaler's seconds, and a create whose response
was lost is adopted, never paid for twice."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from PIL import Image

from imaging.providers.base import ProviderError, UpscaleRequest
from imaging.providers.replicate import ReplicateSettings
from imaging.providers.replicate_upscale import AI_UPSCALE, ReplicateUpscalingProvider
from testkit.fake_replicate.server import FakeReplicate, Fault
from testkit.fake_replicate.state import UPSCALER_VERSION
from testkit.replicate_stack import REQUEST_TIMEOUT_SECONDS
from tests.replicate.conftest import jpeg, retry_like_an_activity


@pytest.fixture
async def upscaler(fake: FakeReplicate) -> AsyncIterator[ReplicateUpscalingProvider]:
    provider = ReplicateUpscalingProvider(ReplicateSettings(
        api_token=fake.api_token, base_url=fake.base_url, destination_owner="calendary",
        webhook_url=fake.webhook_sink_url, request_timeout_seconds=REQUEST_TIMEOUT_SECONDS, poll_interval_seconds=0.02,
        expected_prediction_seconds=0.0, poll_backoff_factor=1.0, starting_deadline_seconds=2.0,
        prediction_deadline_seconds=5.0))
    yield provider
    await provider.aclose()


def request(**overrides: Any) -> UpscaleRequest:
    return UpscaleRequest(**({"image": jpeg(size=40), "scale": 3, "tag": "wf.run.print-17-x3"} | overrides))


async def test_the_upscaler_model_enlarges_the_image_and_its_seconds_are_the_cost(
        fake: FakeReplicate, upscaler: ReplicateUpscalingProvider) -> None:
    started: list[str] = []

    result = await upscaler.upscale(request(), on_started=started.append)

    [prediction] = fake.predictions()
    assert prediction.version == UPSCALER_VERSION and prediction.tag == "wf.run.print-17-x3"
    assert prediction.input["scale"] == 3 and prediction.input["face_enhance"] is False
    assert started == [prediction.id] == [result.provider_ref]
    with Image.open(io.BytesIO(result.image)) as image:
        assert image.size == (120, 120)
    assert result.content_type == "image/png" and result.method.startswith(AI_UPSCALE) and "×3" in result.method
    assert prediction.completed_at is not None and prediction.started_at is not None
    assert result.cost_usd == pytest.approx((prediction.completed_at - prediction.started_at) * 0.000225, abs=1e-6)


@pytest.mark.parametrize("keep_resume_ref", [True, False], ids=["resume-ref", "tag-only"])
async def test_a_retried_upscale_is_paid_for_once(fake: FakeReplicate, upscaler: ReplicateUpscalingProvider,
                                                  keep_resume_ref: bool) -> None:
    # lost responses to the create, a read that fails after it: every retry finds the same prediction again
    fake.faults.plan("create_prediction", Fault.dropped_response(), Fault.server_error(502))
    fake.faults.plan("get_prediction", Fault.server_error(500), Fault.server_error(503))
    fake.faults.plan("download_output", Fault.server_error(500))
    wanted = request()

    result, errors = await retry_like_an_activity(
        lambda resume_ref, on_started: upscaler.upscale(replace(wanted, resume_ref=resume_ref),
                                                        on_started=on_started),
        keep_resume_ref=keep_resume_ref)

    assert errors  # the caller did have to retry
    assert fake.billed_predictions() == 1
    assert fake.billed_predictions_per_tag() == {wanted.tag: 1}
    assert result.provider_ref == fake.predictions()[0].id


async def test_an_upscale_of_another_tag_is_never_adopted(fake: FakeReplicate,
                                                          upscaler: ReplicateUpscalingProvider) -> None:
    await upscaler.upscale(request(tag="wf.run.print-1-x3"))
    await upscaler.upscale(request(tag="wf.run.print-2-x3"))

    assert fake.billed_predictions_per_tag() == {"wf.run.print-1-x3": 1, "wf.run.print-2-x3": 1}


async def test_a_throttled_create_is_retried_not_billed(fake: FakeReplicate,
                                                        upscaler: ReplicateUpscalingProvider) -> None:
    fake.faults.throttle_next("create_prediction", retry_after=3)

    with pytest.raises(ProviderError) as caught:
        await upscaler.upscale(request())

    assert caught.value.retry_after == 3.0 and fake.billed_predictions() == 0
