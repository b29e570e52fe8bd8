"""The customer's rating of a finished calendar (the seed's "customer satisfaction"): one per calendar, updatable,
the owner's only. It feeds `calendary_ratings` and `manage.py report`."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from sqlmodel import select

from api.deps import OwnedCalendar, SessionDep
from api.schemas import RatingIn, RatingOut
from db.models import CalendarRating, utcnow

router = APIRouter(prefix="/api/calendars/{calendar_id}/rating", tags=["calendars"])


def _out(rating: CalendarRating) -> RatingOut:
    return RatingOut(calendar_id=rating.calendar_id, stars=rating.stars, comment=rating.comment,
                     updated_at=rating.updated_at)


async def _rating_of(session: SessionDep, calendar_id: int) -> CalendarRating | None:
    return (await session.exec(select(CalendarRating).where(CalendarRating.calendar_id == calendar_id))).first()


@router.get("")
async def get_rating(calendar: OwnedCalendar, session: SessionDep) -> RatingOut:
    rating = await _rating_of(session, calendar.id)
    if rating is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"calendar {calendar.id} has no rating yet")
    return _out(rating)


@router.post("")
async def rate(body: RatingIn, calendar: OwnedCalendar, session: SessionDep) -> RatingOut:
    """Rates the calendar, or changes its rating (the comment is replaced too, or cleared when left out)."""
    rating = await _rating_of(session, calendar.id) or CalendarRating(user_id=calendar.user_id,
                                                                       calendar_id=calendar.id, stars=body.stars)
    rating.stars, rating.comment, rating.updated_at = body.stars, body.comment, utcnow()
    session.add(rating)
    await session.flush()
    return _out(rating)
