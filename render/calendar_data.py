"""What each month shows: the day grid, localised names (Babel), public holidays and personal dates."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from functools import lru_cache

import holidays
from babel.dates import get_day_names, get_month_names

from render.models import CalendarSpec, Locale, PersonalDate

# The `holidays` package speaks en_US, not bare `en`.
_HOLIDAY_LANGUAGE = {"uk": "uk", "en": "en_US"}
_WEEKEND = frozenset({5, 6})  # Saturday, Sunday


@dataclass(frozen=True)
class UiText:
    calendar: str
    notes: str
    week: str


# Babel has no short "week" column heading, so the few words of our own live here.
UI_TEXT: dict[str, UiText] = {
    "uk": UiText(calendar="Календар", notes="Нотатки", week="Тиж."),
    "en": UiText(calendar="Calendar", notes="Notes", week="Wk"),
}


@dataclass(frozen=True)
class DayCell:
    date: datetime.date
    is_weekend: bool
    holidays: tuple[str, ...]
    personal: tuple[str, ...]

    @property
    def is_holiday(self) -> bool:
        return bool(self.holidays)


@dataclass(frozen=True)
class MonthData:
    year: int
    month: int
    name: str
    weekday_labels: tuple[str, ...]  # seven labels in display order
    weekend_columns: frozenset[int]
    weeks: tuple[tuple[DayCell | None, ...], ...]  # None pads the first and last week
    week_numbers: tuple[int, ...]  # ISO week of each row

    def notable_days(self) -> list[DayCell]:
        return [cell for week in self.weeks for cell in week if cell and (cell.holidays or cell.personal)]


def month_names(locale: Locale) -> list[str]:
    """Nominative ("Січень"), which CLDR calls stand-alone; the format context would give "січня"."""
    names = get_month_names("wide", context="stand-alone", locale=locale)
    return [_capitalise(names[month]) for month in range(1, 13)]


def weekday_labels(locale: Locale, first_weekday: int) -> tuple[str, ...]:
    names = get_day_names("abbreviated", context="stand-alone", locale=locale)
    return tuple(_capitalise(names[(first_weekday + offset) % 7]) for offset in range(7))


@lru_cache(maxsize=32)
def public_holidays(year: int, locale: Locale) -> dict[datetime.date, tuple[str, ...]]:
    """Ukraine's public holidays by date.

    Under martial law (2022 onwards) the holidays are still observed but are not days off, and the `holidays`
    package files them under WORKDAY instead of PUBLIC; reading only PUBLIC would silently drop them all.
    """
    found = holidays.country_holidays(
        "UA",
        years=year,
        categories=(holidays.PUBLIC, holidays.WORKDAY),
        language=_HOLIDAY_LANGUAGE[locale],
    )
    return {day: tuple(found.get_list(day)) for day in sorted(found)}


def build_month(
    year: int,
    month: int,
    locale: Locale,
    first_weekday: int,
    personal_dates: list[PersonalDate],
) -> MonthData:
    holiday_names = public_holidays(year, locale)
    personal_by_day: dict[int, list[str]] = {}
    for personal in personal_dates:
        if personal.date.month == month:
            personal_by_day.setdefault(personal.date.day, []).append(personal.label)

    first = datetime.date(year, month, 1)
    lead = (first.weekday() - first_weekday) % 7
    days_in_month = calendar.monthrange(year, month)[1]
    row_count = -(-(lead + days_in_month) // 7)
    grid_start = first - datetime.timedelta(days=lead)

    weeks: list[tuple[DayCell | None, ...]] = []
    week_numbers: list[int] = []
    for row in range(row_count):
        row_start = grid_start + datetime.timedelta(days=7 * row)
        # A Sunday-first row holds its Monday in column 1; the ISO week is the Monday's.
        monday = row_start + datetime.timedelta(days=(0 - row_start.weekday()) % 7)
        week_numbers.append(monday.isocalendar().week)
        cells: list[DayCell | None] = []
        for column in range(7):
            day = row_start + datetime.timedelta(days=column)
            if day.month != month:
                cells.append(None)
                continue
            cells.append(
                DayCell(
                    date=day,
                    is_weekend=day.weekday() in _WEEKEND,
                    holidays=holiday_names.get(day, ()),
                    personal=tuple(personal_by_day.get(day.day, ())),
                )
            )
        weeks.append(tuple(cells))

    return MonthData(
        year=year,
        month=month,
        name=month_names(locale)[month - 1],
        weekday_labels=weekday_labels(locale, first_weekday),
        weekend_columns=frozenset(c for c in range(7) if (first_weekday + c) % 7 in _WEEKEND),
        weeks=tuple(weeks),
        week_numbers=tuple(week_numbers),
    )


def build_year(spec: CalendarSpec) -> list[MonthData]:
    return [
        build_month(spec.year, month, spec.locale, spec.first_weekday, spec.personal_dates)
        for month in range(1, 13)
    ]


def _capitalise(word: str) -> str:
    return word[:1].upper() + word[1:]
