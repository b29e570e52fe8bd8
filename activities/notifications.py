"""`send_notification`: one e-mail to a job's owner, unless it no longer applies (a reminder after the choice was
made or after the customer opted out). Its retries are the workflow's concern; a failure here never touches the
generation (the workflow gives up on a message, never on the calendar)."""

from __future__ import annotations

from temporalio import activity

from activities.deps import ActivityDeps
from activities.job_rows import owned_job
from contracts import activities as contract
from contracts.activities import implements
from contracts.messages import Notification, NotificationKind
from contracts.vocabulary import Stage
from db.models import Template, User
from services.mail import MailFacts, compose, deliver


class NotificationActivities:
    def __init__(self, deps: ActivityDeps) -> None:
        self._deps = deps

    @implements(contract.send_notification)
    async def send_notification(self, notification: Notification) -> bool:
        settings = self._deps.settings
        async with self._deps.sessions() as session:
            job = await owned_job(session, notification)
            user = await session.get(User, job.user_id)
            template = await session.get(Template, job.template_id)
        assert user is not None and template is not None  # foreign keys
        if notification.kind == NotificationKind.expiry_reminder and (
                not user.email_notifications or job.status != Stage.ready_for_selection):
            activity.logger.info("reminder for job %s skipped: %s", job.id,
                                 "opted out" if not user.email_notifications else f"job is {job.status}")
            return False
        base = settings.public_url.rstrip("/")
        link = f"{base}/#/calendar/{notification.calendar_id}" if notification.calendar_id else f"{base}/#/job/{job.id}"
        theme = template.name if user.language == "uk" else template.theme.capitalize()  # names are Ukrainian
        message = compose(MailFacts(to=user.email, language=user.language, kind=notification.kind, theme=theme,
                                    link=link, count=job.variant_count, deadline=notification.expires_at),
                          settings.smtp_from)
        where = await deliver(message, settings)
        activity.logger.info("%s e-mail for job %s sent to %s", notification.kind, job.id, where)
        return True
