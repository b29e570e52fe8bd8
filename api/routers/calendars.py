"""Finished calendars: list, read, download (issue 4 adds PDF, page previews and edits)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from sqlmodel import col, select

from api.deps import CurrentUserDep, SessionDep, SettingsDep, StorageDep
from api.schemas import UserCalendarDto
from api.views import calendar_dto
from db.models import UserCalendar

router = APIRouter(prefix="/api/calendars", tags=["calendars"])


async def owned_calendar(session: SessionDep, user_id: int, calendar_id: int) -> UserCalendar:
    calendar = await session.get(UserCalendar, calendar_id)
    if calendar is None or calendar.user_id != user_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"calendar {calendar_id} not found")
    return calendar


@router.get("")
async def list_calendars(user: CurrentUserDep, session: SessionDep, storage: StorageDep,
                         settings: SettingsDep) -> list[UserCalendarDto]:
    calendars = (await session.exec(select(UserCalendar).where(UserCalendar.user_id == user.id)
                                    .order_by(col(UserCalendar.id).desc()))).all()
    return [await calendar_dto(session, c, storage, settings) for c in calendars]


@router.get("/{calendar_id}")
async def get_calendar(calendar_id: int, user: CurrentUserDep, session: SessionDep, storage: StorageDep,
                       settings: SettingsDep) -> UserCalendarDto:
    return await calendar_dto(session, await owned_calendar(session, user.id, calendar_id), storage, settings)
