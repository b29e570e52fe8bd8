"""Scale-out: two worker processes polling the same task queues finish generations between them, and neither
produces nor pays for any variant twice (docs/scaling.md)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment

from testkit.fake_replicate.server import FakeReplicate
from testkit.faults.evidence import OBJECTS_PER_VARIANT, Customer, generation_outcome
from testkit.faults.scenarios import VARIANTS
from testkit.faults.stacks import PREDICTION_SECONDS, killable_stack, worker_process

CUSTOMERS = 2


async def _workers_that_ran_activities(env: WorkflowEnvironment, workflow_id: str) -> set[str]:
    """The identities (pid@host) of the workers that started this workflow's activities, from its history."""
    history = await env.client.get_workflow_handle(workflow_id).fetch_history()
    return {event.activity_task_started_event_attributes.identity for event in history.events
            if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED}


async def test_two_worker_processes_on_one_task_queue_make_and_bill_each_variant_once(
        tmp_path: Path, dev_server: WorkflowEnvironment, fake: FakeReplicate) -> None:
    fake.set_prediction_timing(starting_seconds=0.1, processing_seconds=PREDICTION_SECONDS)
    fake.set_training_timing(starting_seconds=0.1, processing_seconds=1.0)
    async with killable_stack(tmp_path, dev_server, fake) as stack:  # the API in-process, no worker of its own
        address = dev_server.client.service_client.config.target_host
        log = stack.settings.storage_dir.parent / "workers.log"
        workers = [worker_process(stack.settings, address, log) for _ in range(2)]
        try:
            customers = [await Customer.start(stack.api, f"two-workers-{n}@example.com", stack.settings.outbox_dir)
                         for n in range(CUSTOMERS)]
            outcomes = [await generation_outcome(f"two workers, customer {n}", customer, stack.deps.storage, fake,
                                                 variant_count=VARIANTS, seconds=900)
                        for n, customer in enumerate(customers)]
            assert [worker.poll() for worker in workers] == [None, None], f"a worker exited; see {log}"
        finally:
            for worker in workers:
                worker.kill()
                await asyncio.to_thread(worker.wait)
        identities = set()
        for customer in customers:
            identities |= await _workers_that_ran_activities(dev_server, customer.workflow_id)

    for outcome in outcomes:
        assert outcome.nothing_lost, outcome  # ready for selection, every variant shown exactly once
        assert outcome.notes["numbers"] == list(range(1, VARIANTS + 1)), outcome
        assert outcome.objects == OBJECTS_PER_VARIANT * VARIANTS, outcome  # each object once: nothing made twice
        assert outcome.notes["billed"] == VARIANTS, outcome  # one prediction per variant...
    assert set(fake.billed_predictions_per_tag().values()) == {1}  # ...never two for one variant attempt
    assert fake.billed_predictions() == CUSTOMERS * VARIANTS
    assert fake.billed_trainings() == CUSTOMERS  # one training per customer, not per worker
    assert len(identities) == 2, identities  # both processes took work from the shared queues
