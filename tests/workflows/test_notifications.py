"""The generation's e-mails as the workflow sends them (fake activities, time-skipping server): when, which, and
that a mail that cannot go out never stops the calendar."""

from __future__ import annotations

from datetime import timedelta

from temporalio.testing import WorkflowEnvironment

from contracts.messages import NotificationKind
from contracts.vocabulary import Stage
from tests.workflows.fake_activities import FakeActivities
from tests.workflows.test_calendar_generation import generation_input, reach, started, twelve
from workflows.calendar_generation import CalendarGenerationWorkflow


async def test_variants_ready_then_calendar_ready_and_no_reminder_after_choosing(
        own_time_skipping_env: WorkflowEnvironment) -> None:
    fakes = FakeActivities()
    async with started(own_time_skipping_env, fakes, generation_input()) as handle:
        await reach(handle, Stage.ready_for_selection)
        await handle.signal(CalendarGenerationWorkflow.select, twelve())
        result = await handle.result()
    assert result.stage == Stage.completed
    assert [n.kind for n in fakes.notifications] == [NotificationKind.variants_ready, NotificationKind.calendar_ready]
    ready, done = fakes.notifications
    assert ready.expires_at is not None and (ready.job_id, ready.user_id) == (1, 5)
    assert done.calendar_id == 77


async def test_the_reminder_goes_out_a_day_before_an_unchosen_generation_expires(
        own_time_skipping_env: WorkflowEnvironment) -> None:
    fakes = FakeActivities()
    async with started(own_time_skipping_env, fakes, generation_input()) as handle:
        await reach(handle, Stage.ready_for_selection)
        result = await handle.result()  # the time-skipping server jumps over the reminder's timer and the 7 days
    assert result.stage == Stage.expired
    kinds = [n.kind for n in fakes.notifications]
    assert kinds == [NotificationKind.variants_ready, NotificationKind.expiry_reminder]
    assert fakes.notifications[1].expires_at == fakes.notifications[0].expires_at


async def test_no_reminder_when_the_window_is_shorter_than_its_lead(own_time_skipping_env: WorkflowEnvironment) -> None:
    fakes = FakeActivities()
    short = generation_input(selection_timeout=timedelta(hours=2), expiry_reminder_before=timedelta(hours=24))
    async with started(own_time_skipping_env, fakes, short) as handle:
        assert (await handle.result()).stage == Stage.expired
    assert [n.kind for n in fakes.notifications] == [NotificationKind.variants_ready]


async def test_mail_that_cannot_be_sent_never_stops_the_calendar(own_time_skipping_env: WorkflowEnvironment) -> None:
    fakes = FakeActivities(fail_mail=True)
    async with started(own_time_skipping_env, fakes, generation_input()) as handle:
        await reach(handle, Stage.ready_for_selection)
        await handle.signal(CalendarGenerationWorkflow.select, twelve())
        result = await handle.result()
    assert result.stage == Stage.completed and result.calendar_id == 77 and result.error is None
