"""The cover: the largest photo of the calendar, the title and the year."""

from __future__ import annotations

from render.frames import heart_outline
from render.geometry import PageGeometry, Rect
from render.images import SourcePhoto
from render.page_parts import add_header_band, add_photo, body_area, split_photo, start_scene
from render.scene import Align, Polygon, Scene, Text
from render.text_fit import ellipsize, fitting_size
from render.theme import ThemeStyle

COVER_PHOTO_SHARE = 0.74


def cover_scene(page: PageGeometry, style: ThemeStyle, title: str, year: int, photo: SourcePhoto) -> Scene:
    u = page.unit
    palette = style.palette
    scene = start_scene(page, style, label="cover")
    band = add_header_band(scene, style)
    body = body_area(page, band)
    share = COVER_PHOTO_SHARE if not page.landscape else 0.62
    photo_area, text_area = split_photo(page, style, body, share)
    add_photo(scene, photo_area, photo, style)

    year_text = str(year)
    year_size = fitting_size(year_text, text_area.w, 96 * u, 24 * u, bold=True)
    title_size = fitting_size(title, text_area.w, 28 * u, 11 * u, bold=True)
    title = ellipsize(title, title_size, text_area.w, bold=True)
    block_height = title_size * 1.2 + year_size * 0.95
    top = text_area.y + max(0.0, (text_area.h - block_height) / 2)
    title_baseline = top + title_size
    year_baseline = title_baseline + title_size * 0.3 + year_size * 0.85

    centred = style.centred_titles or page.landscape
    align: Align
    x, align = (text_area.centre_x, "centre") if centred else (text_area.x, "left")
    scene.add(
        Text(x, title_baseline, title, title_size, palette.ink, bold=True, align=align),
        Text(x, year_baseline, year_text, year_size, palette.accent, bold=True, align=align),
    )
    if style.hearts:
        _add_heart_row(scene, Rect(text_area.x, year_baseline + 10 * u, text_area.w, 14 * u), style)
    return scene


def _add_heart_row(scene: Scene, area: Rect, style: ThemeStyle) -> None:
    size = area.h
    for offset in (-2, -1, 0, 1, 2):
        heart = size if offset == 0 else size * 0.6
        colour = style.palette.accent if offset == 0 else style.palette.decoration
        scene.add(Polygon(heart_outline(area.centre_x + offset * size * 1.3, area.centre_y, heart), fill=colour))
