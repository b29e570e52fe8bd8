"""ReplicateProvider.train against the fake, through the real `replicate` client."""

from __future__ import annotations

import asyncio
import io
import zipfile
from dataclasses import replace

import pytest

from imaging.providers.base import ContentRejected, ProviderJobFailed, TrainingRequest
from testkit.fake_replicate.server import TRAINER_MODEL, TRAINER_VERSION, FakeReplicate
from tests.replicate.conftest import ProviderFactory, jpeg, synthesis_request

PHOTOS = [jpeg((40 * n, 100, 200)) for n in range(1, 4)]


def training_request(**overrides: object) -> TrainingRequest:
    return replace(TrainingRequest(user_id=7, photo_set_hash="abc123def456789", photos=PHOTOS), **overrides)


async def test_trains_a_lora_end_to_end(fake: FakeReplicate, make_provider: ProviderFactory) -> None:
    statuses_when_started: list[str] = []

    def on_started(training_id: str) -> None:
        statuses_when_started.append(fake.state.get_job("training", training_id).status)

    result = await make_provider().train(training_request(trigger_word="ZQX"), on_started=on_started)

    [training] = fake.trainings()
    [status_when_started] = statuses_when_started
    assert status_when_started in ("starting", "processing")  # reported before waiting: a retry can resume
    assert result.provider_ref == training.id
    assert result.model_ref == training.output["version"]
    assert result.model_ref.startswith("calendary/calendary-lora-u7:")
    assert result.cost_usd == pytest.approx((training.completed_at - training.started_at) * 0.001525, abs=1e-6)
    assert (training.model, training.version) == (TRAINER_MODEL, TRAINER_VERSION)
    assert training.destination == "calendary/calendary-lora-u7"
    assert fake.state.models["calendary/calendary-lora-u7"].visibility == "private"
    assert training.input["trigger_word"] == "ZQX" and training.input["steps"] == 1000
    assert training.input["lora_rank"] == 16 and training.input["learning_rate"] == 4e-4
    assert training.cancel_after_seconds is None  # the prediction run-time cap must not reach trainings
    uploaded = fake.state.file_for_url(training.input["input_images"])
    with zipfile.ZipFile(io.BytesIO(uploaded.data)) as archive:
        assert [archive.read(name) for name in sorted(archive.namelist())] == PHOTOS

    generated = await make_provider().generate(synthesis_request(result.model_ref))
    assert generated.image.startswith(b"\xff\xd8")


async def test_existing_destination_model_is_reused(fake: FakeReplicate, make_provider: ProviderFactory) -> None:
    fake.state.ensure_model("calendary/calendary-lora-u7")
    provider = make_provider()

    first = await provider.train(training_request())
    second = await provider.train(training_request(photo_set_hash="another-photo-set"))

    assert first.model_ref != second.model_ref and fake.billed_trainings() == 2
    assert len(fake.state.models["calendary/calendary-lora-u7"].versions) == 2


async def test_interrupted_training_resumes_without_paying_again(fake: FakeReplicate,
                                                                 make_provider: ProviderFactory) -> None:
    fake.set_training_timing(starting_seconds=0.05, processing_seconds=0.4)
    started: list[str] = []
    attempt = asyncio.create_task(make_provider().train(training_request(), on_started=started.append))
    while not started:
        await asyncio.sleep(0.01)
    attempt.cancel()  # the worker died mid-wait; the caller kept the id from on_started
    with pytest.raises(asyncio.CancelledError):
        await attempt

    result = await make_provider().train(training_request(resume_ref=started[0]))

    assert result.provider_ref == started[0]
    assert fake.billed_trainings() == 1


async def test_lost_training_create_is_reconciled_by_tag(fake: FakeReplicate, make_provider: ProviderFactory) -> None:
    fake.faults.lose_next_responses("create_training")

    result = await make_provider().train(training_request())

    assert fake.billed_trainings() == 1 and result.provider_ref == fake.trainings()[0].id
    assert fake.billed_trainings_per_tag() == {"train-7-abc123def456789": 1}


async def test_bad_training_input_is_a_content_rejection(fake: FakeReplicate, make_provider: ProviderFactory) -> None:
    fake.script_trainings("bad_input")

    with pytest.raises(ContentRejected, match="No images found"):
        await make_provider().train(training_request())


async def test_no_photos_is_rejected_before_paying(fake: FakeReplicate, make_provider: ProviderFactory) -> None:
    with pytest.raises(ContentRejected):
        await make_provider().train(training_request(photos=[]))

    assert fake.billed_trainings() == 0


async def test_a_failed_training_is_final_and_a_fresh_one_starts_afresh(fake: FakeReplicate,
                                                                        make_provider: ProviderFactory) -> None:
    fake.script_trainings("fail")
    provider = make_provider()
    started: list[str] = []

    with pytest.raises(ProviderJobFailed, match="ended failed"):
        await provider.train(training_request(), on_started=started.append)
    result = await provider.train(training_request(resume_ref=started[0]))

    assert result.provider_ref != started[0] and fake.billed_trainings() == 2


async def test_training_past_its_deadline_is_cancelled(fake: FakeReplicate, make_provider: ProviderFactory) -> None:
    fake.script_trainings("stuck")

    with pytest.raises(ProviderJobFailed, match="still starting"):
        await make_provider(training_deadline_seconds=0.3).train(training_request())

    assert fake.trainings()[0].status == "canceled"
