"""Print-ready calendars: a cover and twelve month pages as one PDF, plus PNG previews of every page.

Pure: bytes and pydantic models in, bytes out; the only file it reads is the bundled font. Knows nothing of
HTTP, Temporal, storage or the database.
"""

from render.calendar_pdf import render_calendar
from render.models import CalendarSpec, PageReport, PersonalDate, RenderedCalendar

__all__ = ["CalendarSpec", "PageReport", "PersonalDate", "RenderedCalendar", "render_calendar"]
