"""The generation's e-mails, as the workflow sends them: each through `send_notification` with its own retries,
caught whatever happens — a message that cannot go out is logged, never a reason to fail or hold up a calendar."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from contracts import activities as act
    from contracts.activities import FailureType
    from contracts.messages import Notification, NotificationKind
    from workflows.models import GenerationInput
    from workflows.steps import reason

# Behaviour added while generations were running: runs that started before replay without e-mails.
PATCH_NOTIFICATIONS = "email-notifications"

# An SMTP outage is retried for hours, spaced out; a message that still cannot go is given up.
_MAIL_RETRY = RetryPolicy(initial_interval=timedelta(seconds=10), backoff_coefficient=2.0,
                          maximum_interval=timedelta(minutes=10), maximum_attempts=0,
                          non_retryable_error_types=[FailureType.invalid_input])
_MAIL_GIVE_UP_AFTER = timedelta(hours=6)


async def notify(input: GenerationInput, kind: NotificationKind, *, calendar_id: int | None = None,
                 expires_at: datetime | None = None) -> None:
    try:
        await workflow.execute_activity(
            act.send_notification, Notification(job_id=input.job_id, user_id=input.user_id, kind=kind,
                                                calendar_id=calendar_id, expires_at=expires_at),
            retry_policy=_MAIL_RETRY, start_to_close_timeout=timedelta(minutes=1),
            schedule_to_close_timeout=_MAIL_GIVE_UP_AFTER, summary=f"e-mail: {kind}")
    except ActivityError as err:
        workflow.logger.warning("%s e-mail not sent: %s", kind, reason(err))


async def variants_ready_then_reminder(input: GenerationInput, deadline: datetime,
                                       chosen: Callable[[], bool]) -> None:
    """"Your variants are ready" now; a reminder `expiry_reminder_before` the deadline unless chosen by then (a
    durable timer: it survives worker restarts, and a choice cancels it)."""
    await notify(input, NotificationKind.variants_ready, expires_at=deadline)
    wait = deadline - input.expiry_reminder_before - workflow.now()
    if wait <= timedelta(0):
        return  # a window shorter than the reminder lead: the first e-mail already named the deadline
    try:
        await workflow.wait_condition(chosen, timeout=wait)
    except TimeoutError:
        await notify(input, NotificationKind.expiry_reminder, expires_at=deadline)
