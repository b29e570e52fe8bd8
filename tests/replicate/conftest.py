"""Fixtures: a fresh fake Replicate per test, and providers configured for millisecond-scale jobs."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest
from PIL import Image

from imaging.providers.base import ProviderError, SynthesisRequest
from imaging.providers.replicate import ReplicateProvider, ReplicateSettings, WebhookEvents
from testkit.fake_replicate.server import FakeReplicate
from testkit.replicate_stack import REQUEST_TIMEOUT_SECONDS

T = TypeVar("T")
# `make_provider(webhook_events=None, **settings_overrides)`
ProviderFactory = Callable[..., ReplicateProvider]


def jpeg(color: tuple[int, int, int] = (200, 120, 80), size: int = 32) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), color).save(buffer, format="JPEG")
    return buffer.getvalue()


def synthesis_request(model_ref: str, variant: int = 0, **overrides: Any) -> SynthesisRequest:
    defaults: dict[str, Any] = {
        "model_ref": model_ref,
        "photo": jpeg((variant * 10 % 256, 90, 160)),
        "theme": "watercolor",
        "prompt": f"a watercolor portrait of TOK, variant {variant}",
        "negative_prompt": "",
        "style_strength": 0.8,
        "steps": 28,
        "seed": 1000 + variant,
        "tag": f"gen-1-variant-{variant}",
    }
    return SynthesisRequest(**(defaults | overrides))


@pytest.fixture
def fake() -> Iterator[FakeReplicate]:
    with FakeReplicate() as server:
        yield server


@pytest.fixture
async def make_provider(fake: FakeReplicate) -> AsyncIterator[ProviderFactory]:
    """`make_provider(webhook_events=None, **settings_overrides)`; the defaults suit jobs of tens of milliseconds.
    Without `webhook_events` the provider polls (nothing would push); with them, completion is pushed."""
    created: list[ReplicateProvider] = []

    def build(webhook_events: WebhookEvents | None = None, **overrides: Any) -> ReplicateProvider:
        settings = ReplicateSettings(**{
            "api_token": fake.api_token,
            "base_url": fake.base_url,
            "destination_owner": "calendary",
            "webhook_url": fake.webhook_sink_url,
            "request_timeout_seconds": REQUEST_TIMEOUT_SECONDS,
            "poll_interval_seconds": 0.02,
            "training_poll_interval_seconds": 0.02,
            # Fixed-interval polling from the start: the adaptive schedule has tests of its own (test_polling.py).
            "expected_prediction_seconds": 0.0,
            "expected_training_seconds": 0.0,
            "poll_backoff_factor": 1.0,
            "starting_deadline_seconds": 2.0,
            "prediction_deadline_seconds": 5.0,
            "training_deadline_seconds": 5.0,
            "push_tail_interval_seconds": 0.02,
        } | overrides)
        provider = ReplicateProvider(settings, webhook_events=webhook_events)
        created.append(provider)
        return provider

    yield build
    for provider in created:
        await provider.aclose()


async def retry_like_an_activity(
    call: Callable[[str | None, Callable[[str], None]], Awaitable[T]],
    *,
    keep_resume_ref: bool = True,
    max_attempts: int = 20,
) -> tuple[T, list[ProviderError]]:
    """What the Temporal activity does around a provider: remember the job id reported through on_started
    (heartbeat details), pass it back as resume_ref, retry ProviderError after its retry_after (scaled down)."""
    resume_ref: str | None = None
    errors: list[ProviderError] = []

    def remember(job_id: str) -> None:
        nonlocal resume_ref
        resume_ref = job_id

    for _ in range(max_attempts):
        try:
            return await call(resume_ref if keep_resume_ref else None, remember), errors
        except ProviderError as exc:
            errors.append(exc)
            await asyncio.sleep(min(exc.retry_after or 0.0, 5.0) * 0.01)
    raise AssertionError(f"still failing after {max_attempts} attempts: {errors[-3:]}")
