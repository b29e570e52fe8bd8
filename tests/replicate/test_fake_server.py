"""The fake itself speaks Replicate's dialect: checked with the real client and with raw HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
import replicate
from replicate.exceptions import ReplicateError

from testkit.fake_replicate.server import FakeReplicate, Fault


@pytest.fixture
def client(fake: FakeReplicate) -> replicate.Client:
    return replicate.Client(api_token=fake.api_token, base_url=fake.base_url)


@pytest.fixture
def raw(fake: FakeReplicate) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake.base_url, headers={"Authorization": f"Bearer {fake.api_token}"}) as http:
        yield http


async def test_errors_are_problem_json(fake: FakeReplicate, client: replicate.Client) -> None:
    with pytest.raises(ReplicateError) as not_found:
        await client.predictions.async_get("nope")
    with pytest.raises(ReplicateError) as unauthenticated:
        await replicate.Client(api_token="wrong", base_url=fake.base_url).predictions.async_get("nope")

    assert (not_found.value.status, not_found.value.title) == (404, "Not found")
    assert unauthenticated.value.status == 401 and unauthenticated.value.detail


def test_prefer_wait_holds_the_create_until_done(fake: FakeReplicate, raw: httpx.Client) -> None:
    version = fake.add_trained_version().split(":")[1]

    response = raw.post("/v1/predictions", json={"version": version, "input": {"prompt": "p"}},
                        headers={"Prefer": "wait=5"})

    assert response.status_code == 201 and response.json()["status"] == "succeeded"
    assert set(response.json()) >= {"id", "model", "version", "status", "input", "output", "logs", "error",
                                    "created_at", "urls"}


def test_cancel_after_cancels_a_prediction_that_runs_too_long(fake: FakeReplicate, raw: httpx.Client) -> None:
    fake.script_predictions("stuck")
    created = raw.post("/v1/models/black-forest-labs/flux-dev/predictions", json={"input": {"prompt": "p"}},
                       headers={"Cancel-After": "150ms"}).json()

    time.sleep(0.25)

    assert raw.get(f"/v1/predictions/{created['id']}").json()["status"] == "canceled"


async def test_listing_is_newest_first_and_paginated(fake: FakeReplicate, client: replicate.Client) -> None:
    fake.state.page_size = 2
    version = fake.add_trained_version().split(":")[1]
    created = [(await client.predictions.async_create(version=version, input={"prompt": f"p{n}"})).id
               for n in range(5)]

    first = await client.predictions.async_list()
    second = await client.predictions.async_list(first.next)

    assert [p.id for p in first] + [p.id for p in second] == created[::-1][:4]
    assert second.previous is not None


async def test_throttled_reads_are_retried_by_the_client_itself(fake: FakeReplicate, client: replicate.Client) -> None:
    fake.faults.plan("list_predictions", Fault.throttled(retry_after=0), Fault.server_error(503))

    await client.predictions.async_list()

    assert fake.faults.injected[("list_predictions", "throttle")] == 1


async def test_a_dropped_create_response_still_bills(fake: FakeReplicate, client: replicate.Client) -> None:
    fake.faults.lose_next_responses("create_prediction")

    with pytest.raises(httpx.RemoteProtocolError):
        await client.predictions.async_create(version=fake.add_trained_version().split(":")[1],
                                              input={"prompt": "p"})

    assert fake.billed_predictions() == 1


def test_a_throttled_create_says_when_to_come_back(fake: FakeReplicate, raw: httpx.Client) -> None:
    fake.faults.throttle_next("create_prediction", retry_after=30)

    response = raw.post("/v1/predictions", json={"version": "v", "input": {}})

    assert response.status_code == 429 and response.headers["retry-after"] == "30"
    assert response.json() == {"detail": "Request was throttled. Your rate limit resets in ~30s."}
    assert fake.billed_predictions() == 0


async def test_destination_models_are_created_once(fake: FakeReplicate, client: replicate.Client) -> None:
    await client.models.async_create("calendary", "lora-u9", visibility="private", hardware="gpu-t4")

    with pytest.raises(ReplicateError) as conflict:
        await client.models.async_create("calendary", "lora-u9", visibility="private", hardware="gpu-t4")
    model = await client.models.async_get("calendary/lora-u9")

    assert conflict.value.status == 409 and model.latest_version is None


def test_num_outputs_makes_that_many_images_one_after_another(fake: FakeReplicate, raw: httpx.Client) -> None:
    """As flux does (bench/batch_outputs.py): each output beyond the first adds its time; 5 is refused."""
    fake.set_prediction_timing(starting_seconds=0.0, processing_seconds=0.05)
    fake.state.extra_output_seconds = 0.1
    version = fake.add_trained_version().split(":")[1]

    response = raw.post("/v1/predictions", json={"version": version, "input": {"prompt": "p", "seed": 1,
                                                                                "num_outputs": 3}},
                        headers={"Prefer": "wait=5"})
    refused = raw.post("/v1/predictions", json={"version": version, "input": {"prompt": "p", "num_outputs": 5}})

    body = response.json()
    assert body["status"] == "succeeded" and len(body["output"]) == 3
    assert len({raw.get(url.removeprefix(fake.base_url)).content for url in body["output"]}) == 3  # 3 seeds
    assert body["metrics"]["predict_time"] >= 0.25
    assert refused.status_code == 422 and "num_outputs" in refused.json()["detail"]
