"""One customer's whole life on the Replicate provider with the worker SIGKILLed in each of the newest workflows:
while the chosen images are being upscaled for print (a paid provider activity inside the generation), while an
edit is being rendered (CalendarRenderWorkflow), and while the account's data at the provider is being erased
(AccountErasureWorkflow). Each kill replaces the worker at once, as a supervisor would; the evidence is read from
the API, the storage listing, the fake Replicate's bill and state, and the runs' histories (which attempt of the
interrupted activity finished: 2 or more means the kill did land in it)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from temporalio.api.enums.v1 import PendingActivityState
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from contracts.messages import AccountRef, ProviderErasureResult
from db.models import User
from testkit.fake_replicate.faults import Fault
from testkit.fake_replicate.server import FakeReplicate
from testkit.fake_replicate.state import UPSCALER_VERSION
from testkit.faults.evidence import Billing, Customer
from testkit.faults.stacks import PREDICTION_SECONDS, KillableWorker
from testkit.stack import Stack
from workflows.models import account_erasure_workflow_id, calendar_render_workflow_id

# The file listing of the erasure is answered this late: the worker is killed while it waits (under the provider
# client's read timeout, so the wait itself is no failure).
ERASURE_HELD_SECONDS = 3.0
_RUNNING = PendingActivityState.PENDING_ACTIVITY_STATE_STARTED


@dataclass
class LifeUnderKills:
    """What the customer and the provider show after each killed step."""

    calendar: dict[str, Any] = field(default_factory=dict)  # the finished calendar (API)
    upscale_tags: dict[str, int] = field(default_factory=dict)  # upscale predictions billed, per tag
    attempts: dict[str, int] = field(default_factory=dict)  # step → the attempt of its activity that finished
    edited: dict[str, Any] = field(default_factory=dict)  # the calendar once the edit is rendered (API)
    erasure: ProviderErasureResult | None = None
    after_erasure: dict[str, int] = field(default_factory=dict)  # route → its status for the erased customer
    objects_left: list[str] = field(default_factory=list)  # the customer's keys in storage
    provider_left: list[str] = field(default_factory=list)  # their model and files at the fake Replicate


async def life_under_kills(stack: Stack, env: WorkflowEnvironment, fake: FakeReplicate) -> LifeUnderKills:
    """`stack` from `killable_stack` on `fake`. A preview generation (6 variants fill the 12 months), so 6 upscales."""
    fake.set_prediction_timing(starting_seconds=0.1, processing_seconds=PREDICTION_SECONDS)
    fake.set_training_timing(starting_seconds=0.1, processing_seconds=1.0)
    seen = LifeUnderKills()
    async with KillableWorker(stack, env) as worker:
        customer = await Customer.start(stack.api, "whole-life@example.com", stack.settings.outbox_dir, preview=True)
        ready = await customer.wait_for_stage("ready_for_selection")
        assert (await customer.select_twelve(ready["variants"])).status_code in (200, 202)
        await _until(lambda: any(job.version == UPSCALER_VERSION for job in fake.predictions()), "an upscale")
        await worker.kill_and_replace()
        final = await customer.finished()
        assert final["status"] == "completed", final
        seen.calendar = await _calendar(customer, final["generated_calendar_id"])
        seen.upscale_tags = {tag: paid for tag, paid in Billing.of(fake, customer.workflow_id).per_tag.items()
                             if ".print" in tag}
        generation = env.client.get_workflow_handle(customer.workflow_id)
        seen.attempts["upscale"] = await finished_attempt(generation, "upscale_selected")

        calendar_id = final["generated_calendar_id"]
        render = env.client.get_workflow_handle(
            calendar_render_workflow_id(stack.settings.workflow_id_prefix, calendar_id))
        edit = await stack.api.patch(f"/api/calendars/{calendar_id}", json={"title": "Після збою"},
                                     headers={**customer.headers, "If-Match": f'"{seen.calendar["version"]}"'})
        assert edit.status_code == 202, edit.text
        await _until_running(render, "render_calendar")
        await worker.kill_and_replace()
        seen.edited = await _rendered(customer, calendar_id)
        await asyncio.wait_for(render.result(), 60)  # the render's end is in its history once the run has ended
        seen.attempts["render"] = await finished_attempt(render, "render_calendar")

        account = await _account(stack, customer)
        fake.faults.plan("list_files", Fault.delayed_response(ERASURE_HELD_SECONDS))
        assert (await stack.api.delete("/api/me", headers=customer.headers)).status_code == 204
        await _until(lambda: fake.requests_per_route()["list_files"] > 0, "the erasure's file listing")
        await worker.kill_and_replace()
        erasure = env.client.get_workflow_handle(
            account_erasure_workflow_id(stack.settings.workflow_id_prefix, account))
        seen.erasure = ProviderErasureResult.model_validate(await asyncio.wait_for(erasure.result(), 120))
        seen.attempts["erasure"] = await finished_attempt(erasure, "erase_provider_data")
    seen.after_erasure = {path: (await stack.api.get(path, headers=customer.headers)).status_code
                          for path in ("/api/me", f"/api/calendars/{calendar_id}", "/api/photos")}
    seen.objects_left = [key for key in await stack.deps.storage.list_keys("users")
                         if key.startswith(f"users/{account.user_id}/")]
    destination = stack.settings.replicate.destination_name(account.user_id)
    seen.provider_left = [key for key in fake.state.models if key.endswith(f"/{destination}")] + \
        [file.name for file in fake.state.files.values()]  # every upload of this fake account was theirs
    return seen


async def finished_attempt(handle: WorkflowHandle[Any, Any], activity_type: str) -> int:
    """The attempt number of the run's last started `activity_type` (Temporal records the start of a retried
    activity only with the attempt that ended it)."""
    scheduled: dict[int, str] = {}
    attempt = 0
    async for event in handle.fetch_history_events():
        if event.HasField("activity_task_scheduled_event_attributes"):
            scheduled[event.event_id] = event.activity_task_scheduled_event_attributes.activity_type.name
        elif event.HasField("activity_task_started_event_attributes"):
            started = event.activity_task_started_event_attributes
            if scheduled.get(started.scheduled_event_id) == activity_type:
                attempt = started.attempt
    return attempt


async def _until(condition: Callable[[], bool], what: str, seconds: float = 300) -> None:
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(0.05)


async def _until_running(handle: WorkflowHandle[Any, Any], activity_type: str, seconds: float = 120) -> None:
    """Until the run's `activity_type` has been picked up by a worker (it runs now)."""
    async with asyncio.timeout(seconds):
        while True:
            description = await handle.describe()
            if any(p.activity_type.name == activity_type and p.state == _RUNNING
                   for p in description.raw_description.pending_activities):
                return
            await asyncio.sleep(0.05)


async def _calendar(customer: Customer, calendar_id: int) -> dict[str, Any]:
    response = await customer.api.get(f"/api/calendars/{calendar_id}", headers=customer.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def _rendered(customer: Customer, calendar_id: int, seconds: float = 180) -> dict[str, Any]:
    async with asyncio.timeout(seconds):
        while (calendar := await _calendar(customer, calendar_id))["status"] == "rendering":
            await asyncio.sleep(0.2)
    return calendar


async def _account(stack: Stack, customer: Customer) -> AccountRef:
    me = (await stack.api.get("/api/me", headers=customer.headers)).json()["id"]
    async with stack.deps.sessions() as session:
        user = await session.get(User, me)
    assert user is not None
    return AccountRef(user_id=user.id, created_at=user.created_at)
