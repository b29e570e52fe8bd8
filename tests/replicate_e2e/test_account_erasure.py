"""`DELETE /api/me` with CALENDARY_PROVIDER=replicate: the worker deletes the customer's trained versions, their
destination model and their uploads at (the fake) Replicate; another customer's stay."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from contracts.messages import AccountRef, ProviderErasureResult
from db.models import UploadedFile, User
from testkit.api import register, upload_photos
from testkit.fake_replicate.server import FakeReplicate
from testkit.replicate_stack import replicate_stack
from workflows.models import account_erasure_workflow_id


async def test_deleting_the_account_erases_its_models_and_uploads_at_replicate(
        tmp_path: Path, dev_server: WorkflowEnvironment, fake: FakeReplicate) -> None:
    async with replicate_stack(tmp_path, dev_server, fake) as stack:
        api = stack.api
        headers = await register(api, "leaving@example.com")
        [photo] = await upload_photos(api, headers, count=1)
        me = (await api.get("/api/me", headers=headers)).json()["id"]
        async with stack.deps.sessions() as session:
            user, stored = await session.get(User, me), await session.get(UploadedFile, photo["id"])
            assert user is not None and stored is not None
            account = AccountRef(user_id=me, created_at=user.created_at)
        # What training and synthesis leave there, named as the provider names them (tests/replicate proves it).
        for owner_id in (me, me + 1000):
            fake.state.add_version(f"calendary/calendary-lora-u{owner_id}")
            fake.state.add_version(f"calendary/calendary-lora-u{owner_id}")
            fake.state.store_file(f"calendary-lora-u{owner_id}-abcdef012345.zip", "application/zip", b"zip", {})
        # The photo as synthesis sends it: as stored (normalized at upload), not the original file the row's digest
        # is of.
        sent = hashlib.sha256((await stack.deps.storage.get(stored.storage_key)).data).hexdigest()
        assert sent != stored.sha256 and sent == stored.stored_sha256  # recorded at upload: erasure reads no photo
        fake.state.store_file(f"photo-{sent[:16]}.jpg", "image/jpeg", b"jpeg", {})

        async with stack.worker():
            assert (await api.delete("/api/me", headers=headers)).status_code == 204
            handle = dev_server.client.get_workflow_handle(
                account_erasure_workflow_id(stack.settings.workflow_id_prefix, account))
            result = await asyncio.wait_for(handle.result(), 60)

        assert ProviderErasureResult.model_validate(result) == ProviderErasureResult(
            provider="replicate", versions_deleted=2, model_deleted=True, files_deleted=2)
        assert f"calendary/calendary-lora-u{me}" not in fake.state.models
        assert len(fake.state.models[f"calendary/calendary-lora-u{me + 1000}"].versions) == 2
        assert [f.name for f in fake.state.files.values()] == [f"calendary-lora-u{me + 1000}-abcdef012345.zip"]
