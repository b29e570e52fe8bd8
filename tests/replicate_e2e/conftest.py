"""The replicate stack (testkit.replicate_stack) for the tests; the session fixture `dev_server` is in
tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import select

from contracts.messages import GenerateVariantInput, PromptConfig
from db.models import FluxModel, Job, ModelStatus, WebhookEvent
from testkit.fake_replicate.server import FakeReplicate
from testkit.journey import start_generation
from testkit.stack import Stack


async def webhook_events(stack: Stack) -> list[WebhookEvent]:
    async with stack.deps.sessions() as session:
        return list((await session.exec(select(WebhookEvent).order_by(WebhookEvent.id))).all())


@pytest.fixture
def fake() -> Iterator[FakeReplicate]:
    with FakeReplicate() as server:
        yield server


async def variant_input(stack: Stack, model_ref: str) -> GenerateVariantInput:
    """A generation's rows and a ready model, for calling the synthesis activity directly."""
    _headers, started = await start_generation(stack.api)  # no worker runs: only the rows are wanted
    async with stack.deps.sessions() as session:
        job = await session.get(Job, started["job_id"])
        session.add(FluxModel(user_id=job.user_id, provider="replicate", base_model="b", photo_set_hash="h",
                              status=ModelStatus.ready, version_ref=model_ref))
        await session.commit()
    prompt = PromptConfig(theme="vintage", base_prompt="a portrait of TOK", negative_prompt="", style_strength=0.8,
                          steps=28, color_scheme=[])
    return GenerateVariantInput(job_id=job.id, user_id=job.user_id, template_id=job.template_id, variant_number=1,
                                attempt=0, source_photo_id=job.photo_ids[0], model_ref=model_ref, prompt=prompt,
                                variation="in a garden", seed=42)
