import datetime

import pytest

from render.calendar_data import build_month, month_names, public_holidays, weekday_labels
from render.models import CalendarSpec, PersonalDate


def test_month_names_are_nominative_and_capitalised() -> None:
    assert month_names("uk") == [
        "Січень", "Лютий", "Березень", "Квітень", "Травень", "Червень",
        "Липень", "Серпень", "Вересень", "Жовтень", "Листопад", "Грудень",
    ]
    assert month_names("en")[0] == "January"


def test_weekday_labels_follow_the_first_weekday() -> None:
    assert weekday_labels("uk", 0) == ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Нд")
    assert weekday_labels("en", 6) == ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")


@pytest.mark.parametrize(
    ("locale", "week_start", "expected"),
    [("uk", None, 0), ("en", None, 6), ("en", "monday", 0), ("uk", "sunday", 6)],
)
def test_week_start_defaults_by_locale(locale: str, week_start: str | None, expected: int) -> None:
    spec = CalendarSpec(theme="family", year=2027, locale=locale, week_start=week_start)
    assert spec.first_weekday == expected


def test_monday_grid_places_days_and_iso_weeks() -> None:
    january = build_month(2027, 1, "uk", 0, [])
    first_row = january.weeks[0]
    assert [cell.date.day if cell else None for cell in first_row] == [None, None, None, None, 1, 2, 3]
    # 1 January 2027 is a Friday, so its ISO week is the last week of 2026.
    assert january.week_numbers[:2] == (53, 1)
    assert january.weekend_columns == frozenset({5, 6})
    assert first_row[5].is_weekend and not first_row[4].is_weekend


def test_sunday_grid_moves_weekends_to_both_edges() -> None:
    january = build_month(2027, 1, "en", 6, [])
    assert [cell.date.day if cell else None for cell in january.weeks[0]] == [None] * 5 + [1, 2]
    assert january.weekend_columns == frozenset({0, 6})
    assert january.weeks[1][0].date == datetime.date(2027, 1, 3) and january.weeks[1][0].is_weekend
    assert sum(1 for week in january.weeks for cell in week if cell) == 31


def test_february_starting_on_monday_needs_four_rows() -> None:
    assert len(build_month(2027, 2, "uk", 0, []).weeks) == 4


def test_holidays_come_from_both_public_and_martial_law_categories() -> None:
    # Since 2022 the `holidays` package files Ukrainian holidays under WORKDAY; both must be read.
    uk = public_holidays(2027, "uk")
    assert uk[datetime.date(2027, 1, 1)] == ("Новий рік",)
    assert "Різдво Христове" in uk[datetime.date(2027, 12, 25)]
    assert "Independence Day" in public_holidays(2027, "en")[datetime.date(2027, 8, 24)]


def test_holidays_and_personal_dates_land_in_their_cells() -> None:
    birthday = PersonalDate(date=datetime.date(1985, 8, 24), label="Тато")
    august = build_month(2027, 8, "uk", 0, [birthday])
    cell = next(c for week in august.weeks for c in week if c and c.date.day == 24)
    assert cell.is_holiday and "День незалежності України" in cell.holidays
    assert cell.personal == ("Тато",)
    assert [c.date.day for c in august.notable_days()] == [24]
