"""What the calendar's form shows is what is printed, for every locale, week start and title: each combination's
cover and first month are rendered the way the service renders a stored calendar, and their PDF text is compared
with the values the API hands the form (`UserCalendarDto.title` / `.year` / `.options`)."""

from __future__ import annotations

import itertools

import pytest

from api.views import effective_options
from db.models import Template, UserCalendar
from db.seed import THEMES, template_data_for
from render.calendar_data import month_names
from render.calendar_pdf import render_calendar
from services.calendar_render import calendar_spec
from services.calendar_titles import default_title, pdf_file_name
from tests.render.pdf_probe import page_text, read_pdf

THEME = next(theme for theme in THEMES if theme.theme == "nature")
TEMPLATE = Template(id=1, theme=THEME.theme, name=THEME.name, category=THEME.category, price_uah=THEME.price_uah,
                    template_data=template_data_for(THEME).to_json())
WEEKDAYS = {"uk": ("Пн", "Нд"), "en": ("Mon", "Sun")}


@pytest.mark.parametrize(("locale", "week_start", "custom_title"), list(itertools.product(
    ["uk", "en"], [None, "monday", "sunday"], [None, "Наш рік / Our year"])))
def test_cover_and_first_month_print_what_the_form_shows(small_images: dict[int, bytes], locale: str,
                                                         week_start: str | None, custom_title: str | None) -> None:
    calendar = UserCalendar(id=1, user_id=1, template_id=1, year=2027, locale=locale,
                            title=custom_title or default_title(TEMPLATE, locale),
                            options={"week_start": week_start} if week_start else {})
    form_title, form_year, form_week_start = calendar.title, calendar.year, effective_options(calendar)["week_start"]

    rendered = render_calendar(calendar_spec(calendar, TEMPLATE), small_images, preview_max_px=100)
    pages = read_pdf(rendered.pdf).pages
    cover, january = page_text(pages[0]), page_text(pages[1])

    assert cover == f"{form_title} {form_year}"  # the title in the calendar's language, the year once
    if custom_title is None:
        assert form_title == (THEME.name if locale == "uk" else "Nature")
    monday, sunday = WEEKDAYS[locale]
    first, last = (monday, sunday) if form_week_start == "monday" else (sunday, monday)
    assert january.index(first) < january.index(last), january
    assert month_names(locale)[0] in january and str(form_year) in january
    assert pdf_file_name(form_title, form_year)[0] == f"{form_title} {form_year}.pdf"


def test_a_title_that_already_names_the_year_keeps_it_once_in_the_file_name() -> None:
    assert pdf_file_name("Nature 2027", 2027) == ("Nature 2027.pdf", "Nature-2027.pdf")
    assert pdf_file_name("Природа", 2027) == ("Природа 2027.pdf", "2027.pdf")
    assert pdf_file_name("Route 20270", 2027)[0] == "Route 20270 2027.pdf"
