"""Finished calendars: list, read, download the PDF and page previews, edit before ordering."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Header, Response
from pydantic import ValidationError
from sqlalchemy import func, update
from sqlmodel import col, select

from api.deps import CurrentUserDep, OwnedCalendar, SessionDep, SettingsDep, StorageDep
from api.media import image_response
from api.openapi import raises
from api.problems import CALENDAR_OPTIONS_INVALID, CALENDAR_RENDER_PENDING, NOT_FOUND, ApiProblem
from api.schemas import CalendarUpdate, UserCalendarDto
from api.views import calendar_dto, calendar_dtos
from db.models import CalendarMonth, Template, UserCalendar, utcnow
from services.calendar_render import calendar_spec, render_and_store
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


@router.get("", summary="List my calendars")
async def list_calendars(user: CurrentUserDep, session: SessionDep, storage: StorageDep,
                         settings: SettingsDep) -> list[UserCalendarDto]:
    calendars = (await session.exec(select(UserCalendar).where(UserCalendar.user_id == user.id)
                                    .order_by(col(UserCalendar.id).desc()))).all()
    return await calendar_dtos(session, calendars, storage, settings)


@router.get("/{calendar_id}", summary="Read one calendar")
async def get_calendar(calendar: OwnedCalendar, session: SessionDep, storage: StorageDep,
                       settings: SettingsDep) -> UserCalendarDto:
    return await calendar_dto(session, calendar, storage, settings)


@router.get("/{calendar_id}/pdf", summary="Download the print-ready PDF", response_class=Response,
            responses={200: {"content": {"application/pdf": {"schema": _BINARY}}, "description": "the PDF"}})
@raises(CALENDAR_RENDER_PENDING)
async def calendar_pdf(calendar: OwnedCalendar, session: SessionDep, storage: StorageDep) -> Response:
    """The PDF as an attachment. Each download is counted with the calendar (the seed's conversion figure,
    docs/operations.md)."""
    pdf = (await _stored(storage, calendar.pdf_key, "PDF")).data
    await _count_download(session, calendar.id)
    readable = f"{calendar.title or 'calendar'} {calendar.year}".strip()
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "-", readable).strip("-") or "calendar"
    disposition = f"attachment; filename=\"{ascii_name}.pdf\"; filename*=UTF-8''{quote(readable)}.pdf"
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": disposition})


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


@router.patch("/{calendar_id}", summary="Edit a calendar before ordering (renders it again)")
@raises(CALENDAR_OPTIONS_INVALID)
async def update_calendar(calendar: OwnedCalendar, body: CalendarUpdate, session: SessionDep, storage: StorageDep,
                          settings: SettingsDep) -> UserCalendarDto:
    changes = body.model_dump(exclude_unset=True, mode="json")
    for field in ("title", "year", "locale"):
        if changes.get(field) is not None:
            setattr(calendar, field, changes[field])
    calendar.options = {**(calendar.options or {}),
                        **{k: v for k, v in changes.items() if k in _OPTION_FIELDS and v is not None}}
    template = await session.get(Template, calendar.template_id)
    assert template is not None
    try:
        calendar_spec(calendar, template)
    except (ValidationError, ValueError) as err:
        raise ApiProblem(CALENDAR_OPTIONS_INVALID, _first_problem(err)) from None
    if body.swap_months:
        await _swap_months(session, calendar.id, *body.swap_months)
    calendar.updated_at = utcnow()
    session.add(calendar)
    # Commits the edit once the new render is stored under fresh keys, and deletes the old render only after: a
    # failure before the commit leaves unreferenced new objects, one after it unreferenced old ones (both harmless,
    # for the sweep) — never a calendar pointing at a missing PDF or page.
    await render_and_store(session, storage, calendar)
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
