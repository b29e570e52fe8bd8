"""Turn the customer's 12 choices into a UserCalendar, then render it to a print-ready PDF and page previews."""

from __future__ import annotations

from sqlmodel import select

from activities.deps import ActivityDeps
from activities.errors import invalid_input
from activities.heartbeat import keeps_beating
from activities.job_rows import owned_job
from contracts import activities as contract
from contracts.activities import implements
from contracts.messages import FinalizeInput, FinalizeResult, RenderInput
from db.models import CalendarMonth, GeneratedCalendarVariant, Template, UserCalendar, VariantStatus, utcnow
from db.session import session_scope
from services.calendar_render import record_render_refused, render_and_store
from services.calendar_titles import default_title


class CalendarActivities:
    def __init__(self, deps: ActivityDeps) -> None:
        self._deps = deps

    @implements(contract.finalize_calendar)
    @keeps_beating
    async def finalize_calendar(self, request: FinalizeInput) -> FinalizeResult:
        """Idempotent: a retry finds the calendar and its months and sets them again. The selection rules were
        checked by the workflow; this only refuses ids that don't name this job's ready variants."""
        selections = request.selections
        async with session_scope(self._deps.sessions) as session:
            job = await owned_job(session, request)
            variants = (await session.exec(select(GeneratedCalendarVariant).where(
                GeneratedCalendarVariant.job_id == request.job_id))).all()
            ready = {v.id: v for v in variants if v.status == VariantStatus.ready}
            unknown = sorted({s.variant_id for s in selections} - set(ready))
            if unknown:
                raise invalid_input(f"selected variants {unknown} are not ready variants of this job")
            # A preview calendar may use one variant for two months: the variant keeps its first month.
            first_month: dict[int, int] = {}
            for s in sorted(selections, key=lambda s: s.month_number):
                first_month.setdefault(s.variant_id, s.month_number)
            now = utcnow()
            for variant in variants:
                variant.is_selected = variant.id in first_month
                variant.month_number = first_month.get(variant.id)
                variant.selected_at = now if variant.is_selected else None
                session.add(variant)

            calendar = (await session.exec(select(UserCalendar).where(UserCalendar.job_id == request.job_id))).first()
            if calendar is None:
                template = await session.get(Template, request.template_id)
                if template is None:
                    raise invalid_input(f"template {request.template_id} does not exist")
                calendar = UserCalendar(user_id=request.user_id, job_id=request.job_id,
                                        template_id=request.template_id, year=request.year, locale=request.locale,
                                        title=job.title or default_title(template, request.locale))
                session.add(calendar)
                await session.flush()
            existing = {m.month: m for m in (await session.exec(select(CalendarMonth).where(
                CalendarMonth.calendar_id == calendar.id))).all()}
            for selection in selections:
                variant = ready[selection.variant_id]
                file_id = variant.generated_file_id
                assert file_id is not None  # a variant is ready once its image is stored
                month = existing.get(selection.month_number) or CalendarMonth(
                    calendar_id=calendar.id, month=selection.month_number, file_id=file_id)
                month.variant_id, month.file_id = variant.id, file_id
                session.add(month)
            await session.flush()
            return FinalizeResult(calendar_id=calendar.id)

    @implements(contract.render_calendar)
    @keeps_beating  # a worker killed mid-render is noticed within the heartbeat timeout, not the 10-minute limit
    async def render_calendar(self, request: RenderInput) -> None:
        async with session_scope(self._deps.sessions) as session:
            calendar = await session.get(UserCalendar, request.calendar_id)
            if calendar is None or request.user_id not in (None, calendar.user_id):
                raise invalid_input(f"calendar {request.calendar_id} does not exist")
            version = calendar.version
            if calendar.rendered_version >= version and calendar.render_error is None and calendar.pdf_key:
                return  # drawn already: a retry after the render's commit, or a render asked for twice
            try:
                await render_and_store(session, self._deps.storage, calendar)
            except ValueError as err:  # the renderer refused this calendar (ValidationError too): no retry helps
                await session.rollback()
                await record_render_refused(session, request.calendar_id, version, str(err))
                raise invalid_input(f"calendar {request.calendar_id} cannot be rendered: {err}") from err
