"""The seed's "metrics to track", computed from the database: the same figures for `/metrics` (all time, at scrape)
and for `manage.py report --since` (a period).

Derived from rows rather than counted in memory, so they are right however many API and worker processes run, and
survive restarts: every API replica exports the same values (alert and dashboard queries take `max`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import func, true
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.vocabulary import TERMINAL_STAGES, Stage
from db.models import CalendarRating, GeneratedCalendarVariant, Job, Template, UserCalendar

OUTCOMES = tuple(sorted(TERMINAL_STAGES))  # completed, expired, failed, cancelled
STUCK_AFTER_SECONDS = 30 * 60  # a job in pending/training/generating/finalizing that long without an update


@dataclass
class ThemeFigures:
    started: int = 0
    reached_ready: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    cost_usd: float = 0.0
    calendars: int = 0
    pdfs: int = 0
    downloaded: int = 0  # calendars whose PDF was downloaded at least once: the end of the conversion
    pdf_downloads: int = 0  # every download, repeats included
    seconds_to_ready: list[float] = field(default_factory=list)
    seconds_to_choose: list[float] = field(default_factory=list)
    chosen_variants: Counter[int] = field(default_factory=Counter)  # by variant number
    ratings: Counter[int] = field(default_factory=Counter)  # by stars
    stuck: int = 0


@dataclass
class Figures:
    themes: defaultdict[str, ThemeFigures] = field(default_factory=lambda: defaultdict(ThemeFigures))

    def total(self, name: str) -> float:
        return sum(getattr(theme, name) for theme in self.themes.values())

    def outcome(self, outcome: str) -> int:
        return sum(theme.outcomes[outcome] for theme in self.themes.values())

    def samples(self, name: str) -> list[float]:
        return sorted(value for theme in self.themes.values() for value in getattr(theme, name))


def _seconds(later: datetime, earlier: datetime) -> float:
    return max((_aware(later) - _aware(earlier)).total_seconds(), 0.0)


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored moment is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def collect_figures(session: AsyncSession, *, since: datetime | None = None,
                          now: datetime | None = None) -> Figures:
    """Figures over the jobs started since `since` (all of them when None)."""
    figures = Figures()
    in_period = col(Job.created_at) >= since if since is not None else true()
    # Columns, not rows as objects: a scrape reads every job, and building ORM objects costs several times more.
    connection = await session.connection()
    jobs = (await connection.execute(
        sa.select(col(Job.id), col(Template.theme), col(Job.status), col(Job.cost_usd), col(Job.created_at),
                  col(Job.updated_at), col(Job.ready_at))
        .join(Template, col(Template.id) == col(Job.template_id)).where(in_period))).all()
    theme_of: dict[int, str] = {}
    for job_id, theme, status, cost, created, updated, ready in jobs:
        theme_of[job_id] = theme
        row = figures.themes[theme]
        row.started += 1
        row.cost_usd += cost
        if status in TERMINAL_STAGES:
            row.outcomes[status] += 1
        if ready is not None:
            row.reached_ready += 1
            row.seconds_to_ready.append(_seconds(ready, created))
        if now is not None and status not in TERMINAL_STAGES and status != Stage.ready_for_selection \
                and _seconds(now, updated) > STUCK_AFTER_SECONDS:
            row.stuck += 1
    rated = col(CalendarRating.created_at) >= since if since is not None else true()
    ratings = (await session.exec(
        select(Template.theme, CalendarRating.stars)
        .join(UserCalendar, col(UserCalendar.template_id) == col(Template.id))
        .join(CalendarRating, col(CalendarRating.calendar_id) == col(UserCalendar.id)).where(rated))).all()
    for theme, stars in ratings:
        figures.themes[theme].ratings[stars] += 1
    if not theme_of:
        return figures

    chosen = (await session.exec(
        select(GeneratedCalendarVariant.job_id, GeneratedCalendarVariant.variant_number)
        .join(Job, col(Job.id) == col(GeneratedCalendarVariant.job_id))
        .where(col(GeneratedCalendarVariant.is_selected), in_period))).all()
    for job_id, number in chosen:
        figures.themes[theme_of[job_id]].chosen_variants[number] += 1

    first_choice = (await session.exec(
        select(Job.id, Job.ready_at, func.min(GeneratedCalendarVariant.selected_at))
        .join(GeneratedCalendarVariant, col(GeneratedCalendarVariant.job_id) == col(Job.id))
        .where(col(GeneratedCalendarVariant.selected_at).is_not(None), col(Job.ready_at).is_not(None), in_period)
        .group_by(col(Job.id), col(Job.ready_at)))).all()
    for job_id, ready, selected in first_choice:
        if ready is not None and selected is not None:  # the query's filter; the types cannot say so
            figures.themes[theme_of[job_id]].seconds_to_choose.append(_seconds(selected, ready))

    calendars = (await session.exec(
        select(UserCalendar.job_id, UserCalendar.pdf_key, UserCalendar.pdf_downloads)
        .join(Job, col(Job.id) == col(UserCalendar.job_id)).where(in_period))).all()
    for calendar_job, pdf_key, downloads in calendars:
        if calendar_job is not None:
            row = figures.themes[theme_of[calendar_job]]
            row.calendars += 1
            row.pdfs += pdf_key is not None
            row.downloaded += downloads > 0
            row.pdf_downloads += downloads
    return figures
