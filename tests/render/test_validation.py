import datetime

import pytest

from render.calendar_pdf import render_calendar
from render.models import CalendarSpec, PersonalDate
from tests.render.synthetic import month_images, spec_for


def test_feb_29_personal_date_is_rejected_in_a_common_year() -> None:
    leap_birthday = PersonalDate(date=datetime.date(2024, 2, 29), label="Олена")
    with pytest.raises(ValueError, match=r"29 February.*2027"):
        CalendarSpec(theme="family", year=2027, personal_dates=[leap_birthday])
    assert CalendarSpec(theme="family", year=2028, personal_dates=[leap_birthday]).year == 2028


def test_personal_date_from_another_year_is_kept() -> None:
    spec = CalendarSpec(theme="family", year=2027, personal_dates=[{"date": "1990-03-14", "label": "Мама"}])
    assert spec.personal_dates[0].date.year == 1990


@pytest.mark.parametrize("colour", ["red", "#12345", "#GGGGGG"])
def test_colour_scheme_must_be_hex(colour: str) -> None:
    with pytest.raises(ValueError, match="RRGGBB"):
        CalendarSpec(theme="family", color_scheme=[colour])


def test_year_defaults_to_next_year() -> None:
    assert CalendarSpec(theme="family").year == datetime.date.today().year + 1


def test_missing_months_are_named() -> None:
    images = month_images(64, 48)
    del images[4], images[12]
    with pytest.raises(ValueError, match=r"missing for month\(s\) 4, 12"):
        render_calendar(spec_for(), images)


def test_extra_month_keys_are_rejected() -> None:
    images = month_images(64, 48) | {13: b"x"}
    with pytest.raises(ValueError, match="unexpected key"):
        render_calendar(spec_for(), images)


def test_unreadable_image_names_its_month() -> None:
    images = month_images(64, 48) | {7: b"definitely not an image"}
    with pytest.raises(ValueError, match="month 7"):
        render_calendar(spec_for(), images)


def test_unreadable_cover_is_named() -> None:
    with pytest.raises(ValueError, match="cover"):
        render_calendar(spec_for(), month_images(64, 48), cover_image=b"\x89PNG broken")


def test_preview_size_above_1600_is_rejected() -> None:
    with pytest.raises(ValueError, match="preview_max_px"):
        render_calendar(spec_for(), month_images(64, 48), preview_max_px=2400)
