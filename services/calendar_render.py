"""Render a UserCalendar to its print-ready PDF and page previews, and store them under fresh keys."""

from __future__ import annotations

import asyncio
from functools import partial

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.files import calendar_object_keys
from db.models import CalendarMonth, Template, UploadedFile, UserCalendar, utcnow
from db.template_data import TemplateData
from imaging.thumbnails import image_size, make_thumbnail
from imaging.web_formats import JPEG, sized_for_slot
from render.calendar_pdf import render_calendar
from render.models import CalendarSpec, PrintCopy
from services.web_images import put_web_image
from storage import Storage
from storage.keys import PREVIEW_SLOT_PX, calendar_page_key, calendar_pdf_key, thumbnail_key


def calendar_spec(calendar: UserCalendar, template: Template) -> CalendarSpec:
    """The renderer's input: the calendar's own fields and options on top of its template's look."""
    data = TemplateData.model_validate(template.template_data)
    return CalendarSpec.model_validate({
        **(calendar.options or {}),
        "title": calendar.title, "year": calendar.year, "locale": calendar.locale,
        "theme": data.theme, "color_scheme": data.color_scheme, "layout": data.layout,
    })


async def render_and_store(session: AsyncSession, storage: Storage, calendar: UserCalendar) -> None:
    template = await session.get(Template, calendar.template_id)
    assert template is not None
    spec = calendar_spec(calendar, template)
    months = (await session.exec(select(CalendarMonth).where(CalendarMonth.calendar_id == calendar.id))).all()
    files = {f.id: f for f in (await session.exec(select(UploadedFile).where(
        col(UploadedFile.id).in_([m.file_id for m in months])))).all()}
    # An image upscaled for print (activities/print_upscale.py) prints from its copy; the report names the method.
    images = {m.month: (await storage.get(files[m.file_id].print_key or files[m.file_id].storage_key)).data
              for m in months}
    copies = {m.month: PrintCopy(method=files[m.file_id].print_method or "upscaled",
                                 enlarged_by=image_size(images[m.month])[0] / files[m.file_id].width)
              for m in months if files[m.file_id].print_key}

    rendered = await asyncio.to_thread(partial(render_calendar, spec, images, print_copies=copies))
    # Stored as JPEG, not the renderer's PNG (a tenth of the bytes for a photo page), which every browser shows,
    # with a WebP copy next to each: links straight to the object store serve what is stored (docs/media.md).
    previews = await asyncio.to_thread(lambda: [sized_for_slot(page, JPEG, PREVIEW_SLOT_PX).data
                                                for page in rendered.pages])

    cover_thumbnail = await asyncio.to_thread(make_thumbnail, previews[0])  # "My calendars" shows the cover small

    old_keys = calendar_object_keys(calendar)
    revision = calendar.render_revision + 1
    pdf_key = calendar_pdf_key(calendar.user_id, calendar.id, revision)
    page_keys = [calendar_page_key(calendar.user_id, calendar.id, revision, n) for n in range(len(previews))]
    await storage.put(pdf_key, rendered.pdf, "application/pdf")
    webp_keys = [await put_web_image(storage.put, key, page, PREVIEW_SLOT_PX)
                 for key, page in zip(page_keys, previews, strict=True)]
    await storage.put(thumbnail_key(page_keys[0]), cover_thumbnail, JPEG)
    calendar.render_revision, calendar.pdf_key = revision, pdf_key
    calendar.page_keys, calendar.page_webp_keys = page_keys, webp_keys
    calendar.render_report = [report.model_dump() for report in rendered.page_reports]
    calendar.rendered_at = calendar.updated_at = utcnow()
    session.add(calendar)
    await session.commit()  # the calendar points at the new render before the old one disappears
    kept = set(calendar_object_keys(calendar))
    for key in old_keys:
        if key not in kept:
            await storage.delete(key)
