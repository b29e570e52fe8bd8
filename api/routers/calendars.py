"""Finished calendars: list, read, download the PDF and page previews, edit before ordering."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Header, Response, status
from fastapi.responses import StreamingResponse
from pydantic import ValidationError
from sqlalchemy import func, update
from sqlmodel import col, select

from api.calendar_edits import claim_version, edited_version, start_render, version_etag
from api.deps import (
    CurrentUserDep,
    OwnedCalendar,
    SessionDep,
    SettingsDep,
    StorageDep,
    StoredObjectsDep,
    TemporalConnectionDep,
)
from api.media import image_response
from api.openapi import raises
from api.pagination import NEXT_PAGE_HEADER, PageDep
from api.problems import (
    CALENDAR_EDIT_CONFLICT,
    CALENDAR_OPTIONS_INVALID,
    CALENDAR_RENDER_PENDING,
    CALENDAR_VERSION_REQUIRED,
    NOT_FOUND,
    ApiProblem,
)
from api.schemas import CalendarUpdate, UserCalendarDto
from api.views import calendar_dto, calendar_dtos
from db.models import TERMINAL_JOB_STATUSES, CalendarMonth, Job, Template, UserCalendar, utcnow
from services.calendar_render import calendar_spec
from services.calendar_titles import default_title, is_default_title, pdf_file_name
from services.erasure import erase_calendar
from storage import ObjectNotFound, Storage, StoredObject

router = APIRouter(prefix="/api/calendars", tags=["calendars"])

PAGE_MAX_AGE_SECONDS = 3600
_BINARY = {"type": "string", "format": "binary"}
_OPTION_FIELDS = ("page_size", "orientation", "bleed", "week_start", "week_numbers", "personal_dates")


async def _stored(storage: Storage, key: str | None, what: str) -> StoredObject:
    if key is None:
        raise ApiProblem(CALENDAR_RENDER_PENDING, f"the {what} is not rendered yet; try again in a moment")
    try:
        return await storage.get(key)
    except ObjectNotFound:
        raise ApiProblem(CALENDAR_RENDER_PENDING, f"the {what} is being re-rendered; try again") from None


@router.get("", summary="List my calendars (newest first, paginated)",
            responses={200: {"headers": NEXT_PAGE_HEADER, "description": "a page of calendars"}})
async def list_calendars(user: CurrentUserDep, session: SessionDep, storage: StorageDep,
                         settings: SettingsDep, page: PageDep) -> list[UserCalendarDto]:
    calendars = page.rows((await session.exec(page.select(
        select(UserCalendar).where(UserCalendar.user_id == user.id), UserCalendar.id, newest_first=True))).all())
    return await calendar_dtos(session, calendars, storage, settings)


@router.get("/{calendar_id}", summary="Read one calendar",
            responses={200: {"headers": {"ETag": {"description": '`"<version>"`: send it back in `If-Match` to edit',
                                                  "schema": {"type": "string"}}}}})
async def get_calendar(calendar: OwnedCalendar, session: SessionDep, storage: StorageDep,
                       settings: SettingsDep, response: Response) -> UserCalendarDto:
    response.headers["ETag"] = version_etag(calendar.version)
    return await calendar_dto(session, calendar, storage, settings)


@router.get("/{calendar_id}/pdf", summary="Download the print-ready PDF", response_class=StreamingResponse,
            responses={200: {"content": {"application/pdf": {"schema": _BINARY}}, "description": "the PDF"}})
@raises(CALENDAR_RENDER_PENDING)
async def calendar_pdf(calendar: OwnedCalendar, session: SessionDep, storage: StorageDep) -> StreamingResponse:
    """The PDF as an attachment, streamed from storage in chunks (never held whole in memory). Each download is
    counted with the calendar (the seed's conversion figure, docs/operations.md)."""
    if calendar.pdf_key is None:
        raise ApiProblem(CALENDAR_RENDER_PENDING, "the PDF is not rendered yet; try again in a moment")
    try:
        pdf = await storage.open(calendar.pdf_key)
    except ObjectNotFound:
        raise ApiProblem(CALENDAR_RENDER_PENDING, "the PDF is being re-rendered; try again") from None
    await _count_download(session, calendar.id)
    readable, ascii_name = pdf_file_name(calendar.title, calendar.year)
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(readable)}"
    headers = {"Content-Disposition": disposition, "Content-Length": str(pdf.size)} if pdf.size else \
        {"Content-Disposition": disposition}
    return StreamingResponse(pdf.chunks, media_type="application/pdf", headers=headers)


async def _count_download(session: SessionDep, calendar_id: int) -> None:
    """The seed's conversion ends here. One atomic UPDATE (committed before the PDF goes out): concurrent downloads
    through several API processes each count, and the first one's time is kept."""
    await session.exec(update(UserCalendar).where(col(UserCalendar.id) == calendar_id).values(
        pdf_downloads=col(UserCalendar.pdf_downloads) + 1,
        pdf_first_downloaded_at=func.coalesce(col(UserCalendar.pdf_first_downloaded_at), utcnow())))


@router.get("/{calendar_id}/pages/{page}", summary="One page as an image preview (0 is the cover)",
            response_class=Response, responses={
                200: {"content": {"image/webp": {"schema": _BINARY}, "image/jpeg": {"schema": _BINARY}},
                      "description": "the page, WebP when `Accept` allows it"},
                304: {"description": "`If-None-Match` names the page's ETag: the client's copy is current"}})
@raises(NOT_FOUND, CALENDAR_RENDER_PENDING)
async def calendar_page(calendar: OwnedCalendar, page: int, storage: StorageDep,
                        accept: Annotated[str | None, Header()] = None,
                        if_none_match: Annotated[str | None, Header()] = None) -> Response:
    keys = calendar.page_keys or []
    if keys and not 0 <= page < len(keys):
        raise ApiProblem(NOT_FOUND, f"page {page} not found; pages are 0 (cover) to 12")
    stored = await _stored(storage, keys[page] if keys else None, "page preview")
    # The URL names the render revision (?rev=), and a revision's pages never change.
    return await image_response(stored, accept=accept, if_none_match=if_none_match, max_age=PAGE_MAX_AGE_SECONDS)


@router.delete("/{calendar_id}", summary="Delete a calendar: its pages, PDF, months and rating (for good)",
               status_code=status.HTTP_204_NO_CONTENT)
@raises(CALENDAR_RENDER_PENDING)
async def delete_calendar(calendar: OwnedCalendar, session: SessionDep, objects: StoredObjectsDep) -> None:
    job = await session.get(Job, calendar.job_id) if calendar.job_id else None
    if job is not None and job.status not in TERMINAL_JOB_STATUSES:  # the worker is still writing it
        raise ApiProblem(CALENDAR_RENDER_PENDING, f"calendar {calendar.id} is still being made; try again shortly")
    objects.delete_after_commit(await erase_calendar(session, calendar))


@router.patch("/{calendar_id}", summary="Edit a calendar before ordering (the worker renders it again)",
              status_code=status.HTTP_202_ACCEPTED)
@raises(CALENDAR_OPTIONS_INVALID, CALENDAR_VERSION_REQUIRED, CALENDAR_EDIT_CONFLICT, CALENDAR_RENDER_PENDING)
async def update_calendar(calendar: OwnedCalendar, body: CalendarUpdate, session: SessionDep, storage: StorageDep,
                          settings: SettingsDep, temporal_connection: TemporalConnectionDep, response: Response,
                          if_match: Annotated[str | None, Header(description='`"<version>"` as read')] = None,
                          ) -> UserCalendarDto:
    """Stores the edit and answers at once (202) with `status: "rendering"`; the worker renders the new version
    (poll GET until `ready`), also when Temporal is down right now: the job reconciler then starts the render a
    few minutes later. The edit names the version it was made on (`If-Match` or `version`): when another edit
    came first the answer is 409 `calendar_edit_conflict`, and nothing is changed."""
    expected = edited_version(if_match, body.version)
    job = await session.get(Job, calendar.job_id) if calendar.job_id else None
    if job is not None and job.status not in TERMINAL_JOB_STATUSES:  # its generation is still rendering it
        raise ApiProblem(CALENDAR_RENDER_PENDING, f"calendar {calendar.id} is still being made; try again shortly")
    await claim_version(session, calendar, expected)
    changes = body.model_dump(exclude_unset=True, exclude={"version"}, mode="json")
    template = await session.get(Template, calendar.template_id)
    assert template is not None
    # A title left at the theme's name follows the calendar's language; an emptied one goes back to it.
    new_title = changes.get("title")
    keeps_default = is_default_title(calendar.title if new_title is None else new_title, template)
    for field in ("title", "year", "locale"):
        if changes.get(field) is not None:
            setattr(calendar, field, changes[field].strip() if field == "title" else changes[field])
    if keeps_default:
        calendar.title = default_title(template, calendar.locale)
    calendar.options = {**(calendar.options or {}),
                        **{k: v for k, v in changes.items() if k in _OPTION_FIELDS and v is not None}}
    try:
        calendar_spec(calendar, template)  # the options are checked here, so the worker's render can't refuse them
    except (ValidationError, ValueError) as err:
        raise ApiProblem(CALENDAR_OPTIONS_INVALID, _first_problem(err)) from None
    if body.swap_months:
        await _swap_months(session, calendar.id, *body.swap_months)
    calendar.updated_at = utcnow()
    session.add(calendar)
    # Committed before the render starts: the worker always reads this version (or a newer one).
    await session.commit()
    await start_render(temporal_connection, settings, calendar)
    response.headers["ETag"] = version_etag(calendar.version)
    return await calendar_dto(session, calendar, storage, settings)


async def _swap_months(session: SessionDep, calendar_id: int, first: int, second: int) -> None:
    months = {m.month: m for m in (await session.exec(select(CalendarMonth).where(
        CalendarMonth.calendar_id == calendar_id, col(CalendarMonth.month).in_([first, second])))).all()}
    a, b = months[first], months[second]
    (a.file_id, a.variant_id), (b.file_id, b.variant_id) = (b.file_id, b.variant_id), (a.file_id, a.variant_id)
    session.add_all([a, b])
    await session.flush()


def _first_problem(err: Exception) -> str:
    if isinstance(err, ValidationError):
        first = err.errors()[0]
        return str(first.get("ctx", {}).get("error") or first["msg"]).removeprefix("Value error, ")
    return str(err)
