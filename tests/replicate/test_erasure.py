"""An erased customer's data at Replicate (imaging.providers.replicate_erasure) against the fake server: their
LoRA versions, destination model and uploads go; another customer's stay; a second run finds nothing to do."""

from __future__ import annotations

import asyncio
import hashlib

import pytest
from pydantic import SecretStr

from imaging.providers.base import ProviderAccountError, ProviderError, TrainingRequest
from imaging.providers.replicate_erasure import ReplicateErasure
from imaging.providers.replicate_settings import ReplicateSettings
from testkit.fake_replicate.server import FakeReplicate
from tests.replicate.conftest import ProviderFactory, jpeg, synthesis_request

PHOTO = jpeg((10, 200, 30))


def _settings(fake: FakeReplicate) -> ReplicateSettings:
    return ReplicateSettings(api_token=fake.api_token, base_url=fake.base_url, destination_owner="calendary",
                             request_timeout_seconds=2.0)


async def _customer(make_provider: ProviderFactory, user_id: int, photo: bytes) -> str:
    """A trained model (two versions: trained twice) and an img2img upload of `photo`; the newest version."""
    provider = make_provider()
    for set_hash in ("aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb"):
        trained = await provider.train(TrainingRequest(user_id=user_id, photo_set_hash=set_hash,
                                                       photos=[jpeg((user_id, 1, 2))]))
    await provider.generate(synthesis_request(trained.model_ref, photo=photo))
    return trained.model_ref


async def test_the_customers_versions_model_and_uploads_are_deleted_and_nobody_elses(
        fake: FakeReplicate, make_provider: ProviderFactory) -> None:
    await _customer(make_provider, 7, PHOTO)
    other_photo = jpeg((99, 99, 99))
    await _customer(make_provider, 8, other_photo)
    files_before = {stored.name for stored in fake.state.files.values()}
    assert len(files_before) == 6  # two archives and a photo each

    async with ReplicateErasure(_settings(fake)) as replicate:
        report = await replicate.erase_customer(7, [hashlib.sha256(PHOTO).hexdigest()])
        again = await replicate.erase_customer(7, [hashlib.sha256(PHOTO).hexdigest()])

    assert (report.versions_deleted, report.model_deleted, len(report.files_deleted)) == (2, True, 3)
    assert (again.versions_deleted, again.model_deleted, again.files_deleted) == (0, False, [])
    assert "calendary/calendary-lora-u7" not in fake.state.models
    assert fake.state.erasure.deleted_models == ["calendary/calendary-lora-u7"]
    assert len(fake.state.models["calendary/calendary-lora-u8"].versions) == 2
    remaining = {stored.name for stored in fake.state.files.values()}
    assert remaining == {name for name in files_before if "-u8-" in name or name.startswith(
        f"photo-{hashlib.sha256(other_photo).hexdigest()[:16]}")}


async def test_the_model_waits_for_its_queued_version_deletions(
        fake: FakeReplicate, make_provider: ProviderFactory) -> None:
    await _customer(make_provider, 7, PHOTO)
    fake.state.erasure.version_deletion_seconds = 0.5  # the hosted API answers 202: "might take a few minutes"
    async with ReplicateErasure(_settings(fake)) as replicate:
        with pytest.raises(ProviderError, match="still being deleted"):  # retryable: the activity tries again
            await replicate.erase_customer(7, [])
        await asyncio.sleep(0.6)
        retried = await replicate.erase_customer(7, [])
    assert (retried.versions_deleted, retried.model_deleted) == (0, True)


async def test_a_refusal_a_person_must_fix_is_final(fake: FakeReplicate, make_provider: ProviderFactory) -> None:
    await _customer(make_provider, 7, PHOTO)
    fake.state.models["calendary/calendary-lora-u7"].visibility = "public"  # Replicate deletes only private ones
    async with ReplicateErasure(_settings(fake)) as replicate:
        with pytest.raises(ProviderAccountError, match="403"):
            await replicate.erase_customer(7, [])
    wrong_token = _settings(fake).model_copy(update={"api_token": SecretStr("r8_wrong")})
    async with ReplicateErasure(wrong_token) as replicate:
        with pytest.raises(ProviderAccountError, match="401"):
            await replicate.erase_customer(7, [])
