"""Database rows → response DTOs (shared by the generation and calendar routers)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.media import media_url, optional_media_url
from api.problems import JOB_ERRORS
from api.schemas import (
    CalendarGenerationStatusDto,
    CalendarMonthDto,
    CalendarRenderStatus,
    CalendarVariantDto,
    ScoreDetailsDto,
    UserCalendarDto,
)
from contracts.vocabulary import Stage
from db.models import (
    CalendarMonth,
    GeneratedCalendarVariant,
    Job,
    JobStatus,
    UploadedFile,
    UserCalendar,
    VariantStatus,
)
from render.models import default_week_start
from services.eta import Latencies, LatencyMedians, job_eta_seconds
from services.ledger import in_uah
from settings import Settings
from storage import Storage
from storage.keys import thumbnail_key


async def _files_by_id(session: AsyncSession, ids: set[int | None]) -> dict[int, UploadedFile]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {f.id: f for f in (await session.exec(select(UploadedFile).where(col(UploadedFile.id).in_(wanted)))).all()}


@dataclass(frozen=True)
class _Links:
    image: str = ""
    thumbnail: str = ""
    thumbnail_webp: str | None = None


async def _urls(storage_key: str | None, thumbnail_key: str | None, thumbnail_webp_key: str | None,
                storage: Storage, settings: Settings) -> _Links:
    if storage_key is None:
        return _Links()
    image = await media_url(storage, settings, storage_key)
    thumbnail = await media_url(storage, settings, thumbnail_key) if thumbnail_key else image
    return _Links(image, thumbnail, await optional_media_url(storage, settings, thumbnail_webp_key))


_V, _F = GeneratedCalendarVariant, UploadedFile
# What a variant's DTO shows, read as plain columns: no ORM objects to build for every variant of every poll.
_VARIANT_COLUMNS = (col(_V.id), col(_V.variant_number), col(_V.attempt), col(_V.source_photo_id),
                    col(_V.is_selected), col(_V.month_number), col(_V.status), col(_V.score),
                    col(_V.score_details), col(_V.recommended), col(_V.suggested_month), col(_V.suggested_season),
                    col(_V.likeness_note), col(_F.storage_key), col(_F.thumbnail_key), col(_F.thumbnail_webp_key))


async def variant_dtos(session: AsyncSession, job_id: int, storage: Storage,
                       settings: Settings) -> list[CalendarVariantDto]:
    """A job's variants with their images' links, in one query (the page polls this while a generation runs)."""
    return (await variants_by_job(session, col(_V.job_id) == job_id, storage, settings)).get(job_id, [])


async def variants_by_job(session: AsyncSession, which: ColumnElement[bool], storage: Storage,
                          settings: Settings) -> dict[int, list[CalendarVariantDto]]:
    """The variants `which` selects, of any number of jobs, with their images' links, in one query; per job, in
    variant order (the live stream reads those of every watched job that changed at once)."""
    # sqlmodel types select() for up to four columns; it takes any number.
    query = select(*_VARIANT_COLUMNS, col(_V.job_id))  # type: ignore[call-overload]
    rows = (await session.exec(query.outerjoin(_F, col(_F.id) == col(_V.generated_file_id))
                               .where(which).order_by(col(_V.job_id), col(_V.variant_number)))).all()
    by_job: dict[int, list[CalendarVariantDto]] = {}
    for row in rows:
        links = await _urls(row.storage_key, row.thumbnail_key, row.thumbnail_webp_key, storage, settings)
        by_job.setdefault(row.job_id, []).append(CalendarVariantDto(
            id=row.id, variant_number=row.variant_number, attempt=row.attempt, image_url=links.image,
            thumbnail_url=links.thumbnail, thumbnail_webp_url=links.thumbnail_webp, source_photo_id=row.source_photo_id,
            is_selected=row.is_selected, month_number=row.month_number, status=VariantStatus(row.status),
            **_scoring(row)))
    return by_job


def _scoring(variant: Any) -> dict[str, Any]:  # a variant row, or the row of its columns `variant_dtos` selects
    """The scoring fields of a variant (a new image clears its score until it is scored)."""
    components = (variant.score_details or {}).get("measures", {}).get("components")
    return {"score": variant.score,
            "score_details": ScoreDetailsDto.model_validate(components) if components else None,
            "recommended": variant.recommended, "suggested_month": variant.suggested_month,
            "suggested_season": variant.suggested_season, "likeness_note": variant.likeness_note}


async def _ready_counts(session: AsyncSession, job_ids: list[int | None]) -> dict[int | None, int]:
    """Ready variants per job, for any number of jobs in one query."""
    if not job_ids:
        return {}
    rows = (await session.exec(select(GeneratedCalendarVariant.job_id, func.count()).where(
        col(GeneratedCalendarVariant.job_id).in_(job_ids), GeneratedCalendarVariant.status == VariantStatus.ready)
        .group_by(col(GeneratedCalendarVariant.job_id)))).all()
    return dict(rows)


def _job_error(job: Job) -> str | None:
    """The code of the job's error: the stored text may carry the provider's words, which stay server-side."""
    if job.status == JobStatus.failed:
        return "generation_failed"
    # Outside `failed` the workflow records one kind of error: why it refused a selection (a new one may pass).
    return "selection_refused" if job.error else None


def job_status_dto(job: Job, ready: int, variants: list[CalendarVariantDto], latencies: Latencies,
                   settings: Settings) -> CalendarGenerationStatusDto:
    """One job from what was read already: its ready variants counted, the variant list (or [])."""
    error_code = _job_error(job)
    return CalendarGenerationStatusDto(
        job_id=job.id, status=Stage(job.status), progress=job.progress, current_step=job.current_step,
        generated_variants_count=ready, variant_count=job.variant_count, variants=variants,
        generated_calendar_id=job.calendar_id, template_id=job.template_id, preview=job.preview,
        created_at=job.created_at, completed_at=job.completed_at, expires_at=job.expires_at,
        error=JOB_ERRORS[error_code].message if error_code else None, error_code=error_code,
        title=job.title, year=job.year, locale=job.locale,
        eta_seconds=job_eta_seconds(latencies, job, ready, settings.max_parallel), price_uah=in_uah(job.price_kopiyky))


async def status_dtos(session: AsyncSession, jobs: Sequence[Job], medians: LatencyMedians,
                      settings: Settings) -> list[CalendarGenerationStatusDto]:
    """Jobs without their variant lists (`variants: []`), in a constant number of queries."""
    ready = await _ready_counts(session, [job.id for job in jobs])
    latencies = await medians.recent(session, settings.provider)
    return [job_status_dto(job, ready.get(job.id, 0), [], latencies, settings) for job in jobs]


def ready_count(variants: list[CalendarVariantDto]) -> int:
    return sum(1 for v in variants if v.status == VariantStatus.ready)


async def status_dto(session: AsyncSession, job: Job, storage: Storage, medians: LatencyMedians,
                     settings: Settings) -> CalendarGenerationStatusDto:
    """One job with all its variants."""
    variants = await variant_dtos(session, job.id, storage, settings)
    latencies = await medians.recent(session, settings.provider)
    return job_status_dto(job, ready_count(variants), variants, latencies, settings)


async def calendar_dtos(session: AsyncSession, calendars: Sequence[UserCalendar], storage: Storage,
                        settings: Settings) -> list[UserCalendarDto]:
    """Calendars with their months, in a constant number of queries however many there are."""
    ids = [c.id for c in calendars]
    months = (await session.exec(select(CalendarMonth).where(col(CalendarMonth.calendar_id).in_(ids)).order_by(
        col(CalendarMonth.calendar_id), col(CalendarMonth.month)))).all() if ids else []
    files = await _files_by_id(session, {m.file_id for m in months})
    months_of: dict[int | None, list[CalendarMonthDto]] = {}
    for m in months:
        file = files.get(m.file_id)
        links = await _urls(file.storage_key, file.thumbnail_key, file.thumbnail_webp_key, storage, settings) \
            if file else _Links()
        months_of.setdefault(m.calendar_id, []).append(CalendarMonthDto(
            month=m.month, variant_id=m.variant_id, image_url=links.image, thumbnail_url=links.thumbnail,
            thumbnail_webp_url=links.thumbnail_webp))
    return [_calendar(calendar, months_of.get(calendar.id, []),
                      [await media_url(storage, settings, key) for key in calendar.page_keys or []],
                      [await media_url(storage, settings, key) for key in calendar.page_webp_keys or []],
                      await media_url(storage, settings, thumbnail_key(calendar.page_keys[0]))
                      if calendar.page_keys else None)
            for calendar in calendars]


async def calendar_dto(session: AsyncSession, calendar: UserCalendar, storage: Storage,
                       settings: Settings) -> UserCalendarDto:
    return (await calendar_dtos(session, [calendar], storage, settings))[0]


def effective_options(calendar: UserCalendar) -> dict[str, Any]:
    """The calendar's options as printed: a default the renderer applies is shown, not left out."""
    options = dict(calendar.options or {})
    options["week_start"] = options.get("week_start") or default_week_start(calendar.locale)
    return options


def render_status(calendar: UserCalendar) -> CalendarRenderStatus:
    if calendar.rendered_version < calendar.version:
        return CalendarRenderStatus.rendering
    return CalendarRenderStatus.render_failed if calendar.render_error else CalendarRenderStatus.ready


def _calendar(calendar: UserCalendar, months: list[CalendarMonthDto], preview_urls: list[str],
              preview_webp_urls: list[str], cover_thumbnail_url: str | None) -> UserCalendarDto:
    # The render revision in the URL: an edited calendar gets new URLs, so cached page images are never stale.
    revision = f"?rev={calendar.render_revision}"
    pdf_url = f"/api/calendars/{calendar.id}/pdf{revision}" if calendar.pdf_key else None
    page_urls = [f"/api/calendars/{calendar.id}/pages/{n}{revision}" for n in range(len(calendar.page_keys or []))]
    return UserCalendarDto(id=calendar.id, title=calendar.title, year=calendar.year, locale=calendar.locale,
                           template_id=calendar.template_id, job_id=calendar.job_id, months=months,
                           options=effective_options(calendar), pdf_url=pdf_url, page_urls=page_urls,
                           preview_urls=preview_urls, preview_webp_urls=preview_webp_urls,
                           cover_thumbnail_url=cover_thumbnail_url,
                           render_report=calendar.render_report, version=calendar.version,
                           status=render_status(calendar), render_error=calendar.render_error,
                           created_at=calendar.created_at, updated_at=calendar.updated_at)
