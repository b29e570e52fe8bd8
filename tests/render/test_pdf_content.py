"""What the printed calendar says, read back from the PDF text."""

import re

from render.calendar_pdf import render_calendar
from render.models import RenderedCalendar
from tests.render.pdf_probe import page_text, read_pdf
from tests.render.synthetic import BIRTHDAY, spec_for

UK_MONTHS = ["Січень", "Лютий", "Березень", "Квітень", "Травень", "Червень",
             "Липень", "Серпень", "Вересень", "Жовтень", "Листопад", "Грудень"]


def texts(rendered: RenderedCalendar) -> list[str]:
    return [page_text(page) for page in read_pdf(rendered.pdf).pages]


def test_ukrainian_month_pages_name_their_month_in_the_nominative(uk_calendar: RenderedCalendar) -> None:
    pages = texts(uk_calendar)
    for month, name in enumerate(UK_MONTHS, start=1):
        assert name in pages[month]
        assert "2027" in pages[month]
    assert "січня" not in " ".join(pages)
    assert re.search(r"Пн Вт Ср Чт Пт Сб Нд", pages[1])


def test_cover_shows_default_title_and_year(uk_calendar: RenderedCalendar) -> None:
    cover = texts(uk_calendar)[0]
    assert "Календар" in cover and "2027" in cover


def test_ukrainian_holidays_are_named_on_their_month(uk_calendar: RenderedCalendar) -> None:
    pages = texts(uk_calendar)
    assert "Новий рік" in pages[1]
    assert "День незалежності України" in pages[8]
    assert "Різдво Христове" in pages[12]
    assert "Різдво Христове" not in pages[1]


def test_personal_date_label_appears_on_its_month_only(uk_calendar: RenderedCalendar) -> None:
    pages = texts(uk_calendar)
    assert BIRTHDAY.label in pages[3]
    assert all(BIRTHDAY.label not in text for index, text in enumerate(pages) if index != 3)


def test_english_calendar_uses_english_names_and_sunday_first(en_calendar: RenderedCalendar) -> None:
    pages = texts(en_calendar)
    assert "January" in pages[1] and "December" in pages[12]
    assert "New Year's Day" in pages[1] and "Christmas Day" in pages[12]
    assert re.search(r"Sun Mon Tue Wed Thu Fri Sat", pages[1])
    assert "Notes" in pages[1]  # the corporate layout's notes column


def test_english_calendar_can_start_on_monday(small_images: dict[int, bytes]) -> None:
    rendered = render_calendar(spec_for(locale="en", week_start="monday"), small_images, preview_max_px=100)
    assert re.search(r"Mon Tue Wed Thu Fri Sat Sun", texts(rendered)[1])


def test_custom_title_is_on_the_cover(small_images: dict[int, bytes]) -> None:
    rendered = render_calendar(spec_for(title="Родина Коваленків"), small_images, preview_max_px=100)
    assert "Родина Коваленків" in texts(rendered)[0]


def test_week_numbers_are_printed_only_when_asked(small_images: dict[int, bytes],
                                                  uk_calendar: RenderedCalendar) -> None:
    with_numbers = texts(render_calendar(spec_for(week_numbers=True), small_images, preview_max_px=100))
    without = texts(uk_calendar)
    # January 2027 begins in ISO week 53 of 2026: a number no January day can produce.
    assert "53" in with_numbers[1].split() and "Тиж." in with_numbers[1]
    assert "53" not in without[1].split() and "Тиж." not in without[1]
    assert "52" in with_numbers[12].split()
