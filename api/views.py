"""Database rows → response DTOs (shared by the generation and calendar routers)."""

from __future__ import annotations

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.media import media_url
from api.schemas import CalendarGenerationStatusDto, CalendarMonthDto, CalendarVariantDto, UserCalendarDto
from db.models import CalendarMonth, GeneratedCalendarVariant, Job, UploadedFile, UserCalendar, VariantStatus
from settings import Settings
from storage import Storage


async def _files_by_id(session: AsyncSession, ids: set[int | None]) -> dict[int, UploadedFile]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {f.id: f for f in (await session.exec(select(UploadedFile).where(col(UploadedFile.id).in_(wanted)))).all()}


async def _urls(file: UploadedFile | None, storage: Storage, settings: Settings) -> tuple[str, str]:
    if file is None:
        return "", ""
    image = await media_url(storage, settings, file.storage_key)
    thumbnail = await media_url(storage, settings, file.thumbnail_key) if file.thumbnail_key else image
    return image, thumbnail


async def variant_dtos(session: AsyncSession, job_id: int, storage: Storage,
                       settings: Settings) -> list[CalendarVariantDto]:
    variants = (await session.exec(select(GeneratedCalendarVariant).where(
        GeneratedCalendarVariant.job_id == job_id).order_by(GeneratedCalendarVariant.variant_number))).all()
    files = await _files_by_id(session, {v.generated_file_id for v in variants})
    dtos = []
    for v in variants:
        image, thumbnail = await _urls(files.get(v.generated_file_id), storage, settings)
        dtos.append(CalendarVariantDto(id=v.id, variant_number=v.variant_number, attempt=v.attempt, image_url=image,
                                       thumbnail_url=thumbnail, source_photo_id=v.source_photo_id,
                                       is_selected=v.is_selected, month_number=v.month_number, status=v.status,
                                       score=v.score))
    return dtos


async def status_dto(session: AsyncSession, job: Job, storage: Storage, settings: Settings,
                     *, with_variants: bool = True) -> CalendarGenerationStatusDto:
    assert job.id is not None
    if with_variants:
        variants = await variant_dtos(session, job.id, storage, settings)
        ready = sum(1 for v in variants if v.status == VariantStatus.ready)
    else:
        variants = []
        ready = (await session.exec(select(func.count()).select_from(GeneratedCalendarVariant).where(
            GeneratedCalendarVariant.job_id == job.id, GeneratedCalendarVariant.status == VariantStatus.ready))).one()
    return CalendarGenerationStatusDto(
        job_id=job.id, status=job.status, progress=job.progress, current_step=job.current_step,
        generated_variants_count=ready, variant_count=job.variant_count, variants=variants,
        generated_calendar_id=job.calendar_id, template_id=job.template_id, preview=job.preview,
        created_at=job.created_at, completed_at=job.completed_at, expires_at=job.expires_at, error=job.error,
        cost_usd=round(job.cost_usd, 4))


async def calendar_dto(session: AsyncSession, calendar: UserCalendar, storage: Storage,
                       settings: Settings) -> UserCalendarDto:
    assert calendar.id is not None
    months = (await session.exec(select(CalendarMonth).where(CalendarMonth.calendar_id == calendar.id)
                                 .order_by(CalendarMonth.month))).all()
    files = await _files_by_id(session, {m.file_id for m in months})
    month_dtos = []
    for m in months:
        image, thumbnail = await _urls(files.get(m.file_id), storage, settings)
        month_dtos.append(CalendarMonthDto(month=m.month, variant_id=m.variant_id, image_url=image,
                                           thumbnail_url=thumbnail))
    # The render revision in the URL: an edited calendar gets new URLs, so cached page images are never stale.
    revision = f"?rev={calendar.render_revision}"
    pdf_url = f"/api/calendars/{calendar.id}/pdf{revision}" if calendar.pdf_key else None
    page_urls = [f"/api/calendars/{calendar.id}/pages/{n}{revision}" for n in range(len(calendar.page_keys or []))]
    return UserCalendarDto(id=calendar.id, title=calendar.title, year=calendar.year, locale=calendar.locale,
                           template_id=calendar.template_id, job_id=calendar.job_id, months=month_dtos,
                           options=calendar.options or {}, pdf_url=pdf_url, page_urls=page_urls,
                           render_report=calendar.render_report, created_at=calendar.created_at,
                           updated_at=calendar.updated_at)
