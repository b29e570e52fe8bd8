"""ReplicateProvider.generate against the fake, through the real `replicate` client."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
import replicate
from pydantic import v1 as pydantic_v1

from imaging.providers.base import ContentRejected, ProviderError, ProviderJobFailed
from testkit.fake_replicate.server import FakeReplicate, Fault
from testkit.replicate_stack import TIMED_OUT_DELAY
from tests.replicate.conftest import ProviderFactory, retry_like_an_activity, synthesis_request


async def test_generates_an_image_from_the_trained_version(fake: FakeReplicate, make_provider: ProviderFactory) -> None:
    model_ref = fake.add_trained_version()
    started: list[str] = []

    result = await make_provider().generate(synthesis_request(model_ref), on_started=started.append)

    [prediction] = fake.predictions()
    assert started == [prediction.id] and result.provider_ref == prediction.id
    assert result.image.startswith(b"\xff\xd8") and result.content_type == "image/jpeg"
    assert result.cost_usd == pytest.approx((prediction.completed_at - prediction.started_at) * 0.001525, abs=1e-6)
    assert prediction.version == model_ref.split(":")[1]
    assert prediction.input["prompt_strength"] == 0.8 and prediction.input["seed"] == 1000
    assert prediction.input["num_inference_steps"] == 28 and prediction.input["output_format"] == "jpg"
    assert prediction.input["image"].startswith(f"{fake.base_url}/v1/files/")  # uploaded, not a data URI
    assert prediction.cancel_after_seconds == 300  # Cancel-After: 5m
    assert prediction.tag == "gen-1-variant-0" and prediction.webhook_events_filter == ["completed"]


async def test_preview_runs_fewer_steps_fast_and_small(fake: FakeReplicate, make_provider: ProviderFactory) -> None:
    await make_provider().generate(synthesis_request(fake.add_trained_version(), preview=True))

    [prediction] = fake.predictions()
    assert prediction.input["num_inference_steps"] == 12
    assert prediction.input["go_fast"] is True and prediction.input["megapixels"] == "0.25"


async def test_model_without_version_runs_through_the_models_endpoint(fake: FakeReplicate,
                                                                      make_provider: ProviderFactory) -> None:
    fake.add_trained_version("calendary/lora-u2")

    result = await make_provider().generate(synthesis_request("calendary/lora-u2"))

    assert result.image and fake.predictions()[0].model == "calendary/lora-u2"


@pytest.mark.parametrize("keep_resume_ref", [True, False], ids=["resume-ref", "tag-only"])
async def test_24_variants_under_faults_are_billed_exactly_once_each(
    fake: FakeReplicate, make_provider: ProviderFactory, keep_resume_ref: bool
) -> None:
    fake.state.page_size = 10  # reconciliation has to follow `next`
    fake.faults.plan(
        "create_prediction",
        Fault.dropped_response(), Fault.server_error(500), Fault.throttled(2), None,
        Fault.delayed_response(TIMED_OUT_DELAY), Fault.server_error(503), Fault.dropped_response(), None,
        Fault.throttled(1), Fault.server_error(502), Fault.dropped_response(), Fault.delayed_response(TIMED_OUT_DELAY),
    )
    fake.faults.plan("get_prediction", Fault.server_error(500), None, Fault.server_error(503), Fault.throttled(0))
    fake.faults.plan("list_predictions", None, Fault.server_error(500), None, Fault.server_error(502))
    fake.faults.plan("download_output", None, Fault.server_error(500))
    fake.faults.plan("upload_file", Fault.server_error(500))
    provider = make_provider()
    model_ref = fake.add_trained_version()
    requests = [synthesis_request(model_ref, variant) for variant in range(24)]

    outcomes = await asyncio.gather(*[
        retry_like_an_activity(
            lambda resume_ref, on_started, request=request: provider.generate(
                replace(request, resume_ref=resume_ref), on_started=on_started
            ),
            keep_resume_ref=keep_resume_ref,
        )
        for request in requests
    ])

    for route in ("create_prediction", "get_prediction", "list_predictions", "download_output", "upload_file"):
        assert fake.faults.pending(route) == 0, f"planned {route} faults were not all hit"
    assert sum(len(errors) for _, errors in outcomes) >= 5  # the caller did have to retry
    assert fake.billed_predictions() == 24
    assert fake.billed_predictions_per_tag() == {request.tag: 1 for request in requests}
    by_tag = {job.tag: job.id for job in fake.predictions()}
    for request, (result, _) in zip(requests, outcomes, strict=True):
        assert result.provider_ref == by_tag[request.tag]
        assert result.image.startswith(b"\xff\xd8")
    assert len({result.image for result, _ in outcomes}) == 24


async def test_lost_create_response_is_adopted_within_the_same_call(fake: FakeReplicate,
                                                                    make_provider: ProviderFactory) -> None:
    fake.faults.lose_next_responses("create_prediction")
    started: list[str] = []

    result = await make_provider().generate(synthesis_request(fake.add_trained_version()), on_started=started.append)

    assert fake.billed_predictions() == 1 and started == [result.provider_ref]


async def test_create_timeout_then_failed_lookup_leaves_reconciliation_to_the_retry(
    fake: FakeReplicate, make_provider: ProviderFactory
) -> None:
    fake.faults.lose_next_responses("create_prediction", delay_seconds=TIMED_OUT_DELAY)
    fake.faults.plan("list_predictions", None, Fault.server_error(500))  # 1st: before create; 2nd: after it
    provider = make_provider()
    request = synthesis_request(fake.add_trained_version())

    with pytest.raises(ProviderError, match="list predictions"):
        await provider.generate(request)
    result = await provider.generate(request)

    assert fake.billed_predictions() == 1 and result.provider_ref == fake.predictions()[0].id


async def test_throttled_create_reports_retry_after_from_the_header(fake: FakeReplicate,
                                                                    make_provider: ProviderFactory) -> None:
    fake.faults.throttle_next("create_prediction", retry_after=7)

    with pytest.raises(ProviderError) as caught:
        await make_provider().generate(synthesis_request(fake.add_trained_version()))

    assert caught.value.retry_after == 7.0 and "throttled" in str(caught.value)
    assert fake.billed_predictions() == 0


async def test_nsfw_output_is_a_content_rejection_even_when_resumed(fake: FakeReplicate,
                                                                    make_provider: ProviderFactory) -> None:
    fake.script_predictions("nsfw")
    provider = make_provider()
    request = synthesis_request(fake.add_trained_version())
    started: list[str] = []

    with pytest.raises(ContentRejected, match="NSFW"):
        await provider.generate(request, on_started=started.append)
    with pytest.raises(ContentRejected, match="NSFW"):
        await provider.generate(replace(request, resume_ref=started[0]))

    assert fake.billed_predictions() == 1


async def test_invalid_input_is_a_content_rejection(fake: FakeReplicate, make_provider: ProviderFactory) -> None:
    with pytest.raises(ContentRejected, match="prompt_strength"):
        await make_provider().generate(synthesis_request(fake.add_trained_version(), style_strength=1.5))

    assert fake.billed_predictions() == 0


async def test_prediction_stuck_in_starting_is_cancelled_and_retried_fresh(fake: FakeReplicate,
                                                                           make_provider: ProviderFactory) -> None:
    fake.script_predictions("stuck")
    provider = make_provider(starting_deadline_seconds=0.3)
    request = synthesis_request(fake.add_trained_version())
    started: list[str] = []

    with pytest.raises(ProviderJobFailed, match="stuck in starting"):
        await provider.generate(request, on_started=started.append)
    assert fake.state.get_job("prediction", started[0]).status == "canceled"

    result = await provider.generate(replace(request, resume_ref=started[0]))
    assert result.provider_ref != started[0] and fake.billed_predictions() == 2


async def test_an_aborted_prediction_is_a_failed_job_not_a_crash(fake: FakeReplicate,
                                                                 make_provider: ProviderFactory) -> None:
    fake.script_predictions("abort")
    provider = make_provider()
    request = synthesis_request(fake.add_trained_version())
    started: list[str] = []

    with pytest.raises(ProviderJobFailed, match="aborted"):
        await provider.generate(request, on_started=started.append)
    client = replicate.Client(api_token=fake.api_token, base_url=fake.base_url)
    with pytest.raises(pydantic_v1.ValidationError):  # why the provider reads jobs as raw JSON
        await client.predictions.async_get(started[0])

    result = await provider.generate(replace(request, resume_ref=started[0]))
    assert result.image and fake.billed_predictions() == 2


async def test_a_model_failure_is_a_failed_job_a_fresh_attempt_may_fix(fake: FakeReplicate,
                                                                       make_provider: ProviderFactory) -> None:
    fake.script_predictions("fail")

    with pytest.raises(ProviderJobFailed, match="ended failed: CUDA"):
        await make_provider().generate(synthesis_request(fake.add_trained_version()))


async def test_prediction_past_its_deadline_is_cancelled(fake: FakeReplicate, make_provider: ProviderFactory) -> None:
    fake.set_prediction_timing(starting_seconds=0.0, processing_seconds=30)

    with pytest.raises(ProviderJobFailed, match="still processing"):
        await make_provider(prediction_deadline_seconds=0.3).generate(synthesis_request(fake.add_trained_version()))

    assert fake.predictions()[0].status == "canceled"


async def test_without_a_webhook_the_echoed_input_identifies_the_variant(fake: FakeReplicate,
                                                                         make_provider: ProviderFactory) -> None:
    fake.faults.lose_next_responses("create_prediction")
    provider = make_provider(webhook_url=None)
    model_ref = fake.add_trained_version()
    first, second = (synthesis_request(model_ref, variant) for variant in (1, 2))

    results = [await provider.generate(first), await provider.generate(second)]

    assert fake.billed_predictions() == 2 and fake.predictions()[0].webhook is None
    assert results[0].provider_ref != results[1].provider_ref


async def test_listing_without_webhook_field_falls_back_to_the_input(fake: FakeReplicate,
                                                                     make_provider: ProviderFactory) -> None:
    fake.state.list_omits_webhook = True
    fake.faults.lose_next_responses("create_prediction")

    result = await make_provider().generate(synthesis_request(fake.add_trained_version()))

    assert fake.billed_predictions() == 1 and result.provider_ref == fake.predictions()[0].id


async def test_a_resume_ref_the_api_does_not_know_starts_a_new_prediction(fake: FakeReplicate,
                                                                          make_provider: ProviderFactory) -> None:
    result = await make_provider().generate(synthesis_request(fake.add_trained_version(), resume_ref="gone"))

    assert result.image and fake.billed_predictions() == 1


async def test_cancel_stops_a_running_prediction(fake: FakeReplicate, make_provider: ProviderFactory) -> None:
    fake.script_predictions("stuck")
    provider = make_provider(starting_deadline_seconds=60)
    started: list[str] = []
    waiting = asyncio.create_task(provider.generate(synthesis_request(fake.add_trained_version()),
                                                    on_started=started.append))
    async with asyncio.timeout(10):
        while not started:
            await asyncio.sleep(0.01)
    await provider.cancel(started[0], "synthesis")
    assert fake.state.get_job("prediction", started[0]).status == "canceled"
    with pytest.raises(ProviderJobFailed, match="canceled"):  # the waiting call sees it end
        await waiting


@pytest.mark.parametrize(("reuse_seconds", "uploads"), [(3600.0, 1), (0.0, 3)])
async def test_predictions_from_one_photo_share_its_upload_while_it_may_be_reused(
        fake: FakeReplicate, make_provider: ProviderFactory, reuse_seconds: float, uploads: int) -> None:
    provider = make_provider(photo_reuse_seconds=reuse_seconds)
    version, photo = fake.add_trained_version(), synthesis_request("x").photo

    for variant in range(3):
        await provider.generate(synthesis_request(version, variant=variant, photo=photo))

    assert fake.requests_per_route()["upload_file"] == uploads
    assert len({p.input["image"] for p in fake.predictions()}) == uploads
