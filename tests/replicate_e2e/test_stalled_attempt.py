"""A try that stalls past its heartbeat timeout is replaced by the next attempt while it still lives. The
replacement looks for the job by its tag, finds none and creates it; the stalled try, waking, must not create it
again (activities.heartbeat.live_attempt_seconds): one variant, one prediction paid."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio import activity, workflow
from temporalio.common import RetryPolicy
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from activities.synthesis import SynthesisActivities
from contracts import activities as contract
from contracts.messages import GenerateVariantInput, VariantResult
from imaging.providers.base import ProviderError, StartedCallback, SynthesisRequest, SynthesisResult
from storage import StoredObject
from testkit.fake_replicate.server import FakeReplicate
from testkit.replicate_stack import replicate_stack
from tests.replicate_e2e.conftest import variant_input

HEARTBEAT_TIMEOUT = timedelta(seconds=3)
STALL_SECONDS = 7.0  # the first try's silence: over twice its heartbeat timeout


@workflow.defn
class OneVariant:
    """One synthesis with the generation's kind of retry policy and a short heartbeat timeout."""

    @workflow.run
    async def run(self, request: GenerateVariantInput) -> VariantResult:
        return await workflow.execute_activity(
            contract.generate_variant, request, start_to_close_timeout=timedelta(minutes=2),
            heartbeat_timeout=HEARTBEAT_TIMEOUT,
            retry_policy=RetryPolicy(initial_interval=timedelta(milliseconds=200), maximum_attempts=5))


async def _sleep_through_cancels(seconds: float) -> None:
    """A stall the try doesn't notice being cancelled in: the worker's own timeout notice can come after the server
    has already replaced the try (it counts from the task's start, the worker from its arrival), and a starved
    worker acts on it late. The fence must hold without it."""
    loop, task = asyncio.get_running_loop(), asyncio.current_task()
    assert task is not None
    end = loop.time() + seconds
    while (left := end - loop.time()) > 0:
        try:
            await asyncio.sleep(left)
        except asyncio.CancelledError:
            task.uncancel()


async def test_a_try_replaced_while_stalled_does_not_pay_for_the_job_again(
        tmp_path: Path, dev_server: WorkflowEnvironment, fake: FakeReplicate, monkeypatch: pytest.MonkeyPatch) -> None:
    fake.set_prediction_timing(starting_seconds=0.05, processing_seconds=1.0)
    beat = activity.heartbeat

    def first_try_unheard(*details: object) -> None:
        """The stalled try's own beats don't reach the server either (so nothing but the fence can stop it)."""
        if activity.info().attempt > 1:
            beat(*details)

    monkeypatch.setattr(activity, "heartbeat", first_try_unheard)
    async with replicate_stack(tmp_path, dev_server, fake) as stack:
        request = await variant_input(stack, fake.add_trained_version("calendary/calendary-lora-u1"))
        storage, provider = stack.deps.storage, stack.deps.provider
        read, generate = storage.get, provider.generate
        tries: dict[int, str] = {}  # how each try's provider call ended, by the activity's attempt

        async def first_read_stalls(key: str) -> StoredObject:
            """The first try goes silent before its provider call (no beat is sent) for longer than its
            heartbeat timeout, as a starved or paused worker would; the next reads are prompt."""
            if activity.info().attempt == 1:
                await _sleep_through_cancels(STALL_SECONDS)
            return await read(key)

        async def recorded(request: SynthesisRequest, on_started: StartedCallback | None = None) -> SynthesisResult:
            attempt = activity.info().attempt
            try:
                result = await generate(request, on_started)
            except BaseException as err:
                tries[attempt] = f"{'refused' if isinstance(err, ProviderError) else 'ended'}: {err!r}"
                raise
            tries[attempt] = "paid"
            return result

        storage.get = first_read_stalls  # type: ignore[method-assign]
        provider.generate = recorded  # type: ignore[method-assign]
        queue = f"{stack.settings.task_queue}-stall-{uuid.uuid4().hex[:6]}"
        async with Worker(dev_server.client, task_queue=queue, workflows=[OneVariant],
                          activities=[SynthesisActivities(stack.deps).generate_variant],
                          workflow_runner=UnsandboxedWorkflowRunner()):
            handle = await dev_server.client.start_workflow(OneVariant.run, request, id=f"stall-{uuid.uuid4().hex}",
                                                            task_queue=queue)
            result = await handle.result()
            async with asyncio.timeout(STALL_SECONDS * 3):  # the stalled try wakes and meets the fence
                while 1 not in tries:
                    await asyncio.sleep(0.05)

    assert "paid" in tries.values(), tries  # a later attempt made the variant
    billed = fake.billed_predictions_per_tag()
    assert list(billed.values()) == [1], (billed, tries)  # one prediction for the variant, never two
    # The stalled try woke, asked the server whether it was still the live attempt, and created nothing.
    assert tries[1].startswith("refused") and "not creating" in tries[1] and "NOT_FOUND" in tries[1], tries
    assert result.variant_number == 1
    history = await handle.fetch_history()
    attempts = [event.activity_task_started_event_attributes.attempt for event in history.events
                if event.HasField("activity_task_started_event_attributes")]
    assert attempts and attempts[-1] >= 2, attempts  # the replacement is what finished


pytestmark = pytest.mark.e2e
