"""The sample calendar a visitor sees on the landing page, rendered like any customer's calendar from bundled
images: the themes' preview pictures (the bundled sample portrait, styled offline by `manage.py seed`), one theme
a month — or the sample portrait itself where no preview was seeded.

Each page is rendered when it is first asked for (a fraction of a second, in a thread) and then kept in memory per
process, language and year: it never changes. The landing page shows two of the thirteen pages, so the other eleven
are normally never drawn."""

from __future__ import annotations

import asyncio
import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Template
from db.seed import ENGLISH_NAMES, THEMES, template_data_for
from imaging.assets import sample_photo
from imaging.web_formats import JPEG, sized_for_slot
from render.calendar_pdf import render_page_preview
from render.models import CalendarSpec, Locale
from storage import ObjectNotFound, Storage

SHOWCASE_THEME = "nature"  # the look of the cover and the month pages
SHOWCASE_PAGE_PX = 1000  # as the landing page shows it: sharp, yet a fraction of a full preview

class Showcase:
    """The sample calendar's pages rendered so far; one per API process (`app.state.showcase`)."""

    def __init__(self) -> None:
        self._pages: dict[tuple[Locale, int, int], bytes] = {}
        self._lock = asyncio.Lock()

    @property
    def rendered(self) -> int:
        """How many pages this process has rendered."""
        return len(self._pages)

    async def page(self, session: AsyncSession, storage: Storage, locale: Locale, number: int) -> bytes:
        """Page `number` (0: the cover) of next year's sample calendar in `locale`, as JPEG."""
        key = (locale, datetime.date.today().year + 1, number)
        if (page := self._pages.get(key)) is not None:
            return page
        async with self._lock:  # one render of a page, however many visitors arrive at once
            if key not in self._pages:
                self._pages[key] = await asyncio.to_thread(_render, *key, await _month_pictures(session, storage))
        return self._pages[key]


async def _month_pictures(session: AsyncSession, storage: Storage) -> list[bytes]:
    keys = (await session.exec(select(Template.preview_key).where(
        Template.is_active == True, col(Template.preview_key).is_not(None))  # noqa: E712
        .order_by(col(Template.sort_order), col(Template.id)))).all()
    pictures = []
    for preview_key in keys:
        try:
            pictures.append((await storage.get(str(preview_key))).data)
        except ObjectNotFound:
            continue
    return pictures or [sample_photo()]


def _render(locale: Locale, year: int, number: int, pictures: list[bytes]) -> bytes:
    look = next(theme for theme in THEMES if theme.theme == SHOWCASE_THEME)
    data = template_data_for(look)
    title = ENGLISH_NAMES[SHOWCASE_THEME] if locale == "en" else look.name
    spec = CalendarSpec(title=title, year=year, locale=locale, theme=data.theme, color_scheme=data.color_scheme,
                        layout=data.layout)
    months = {month: pictures[(month - 1) % len(pictures)] for month in range(1, 13)}
    page = render_page_preview(spec, months, number, preview_max_px=SHOWCASE_PAGE_PX)
    return sized_for_slot(page, JPEG, SHOWCASE_PAGE_PX).data
