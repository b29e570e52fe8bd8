"""Pieces every page shares: background, header band, photo area, title line, crop marks."""

from __future__ import annotations

from render.colours import BLACK, WHITE
from render.fonts import text_width
from render.frames import add_framed_photo, heart_outline
from render.geometry import PageGeometry, Rect, crop_mark_segments
from render.images import SourcePhoto
from render.scene import Box, Line, Polygon, Scene, Text
from render.text_fit import ellipsize, fitting_size
from render.theme import ThemeStyle

HEADER_BAND_HEIGHT = 56  # points on A4, scaled by the page unit
# Printers expect hairline marks whatever the paper size.
CROP_MARK_WIDTH = 0.3
CROP_MARK_UNDERLAY_WIDTH = 1.0


def start_scene(page: PageGeometry, style: ThemeStyle, label: str) -> Scene:
    """Background over the whole media box (so it runs into the bleed), plus the vintage page border."""
    scene = Scene(page=page, label=label)
    scene.add(Box(page.media, fill=style.palette.page))
    if style.page_border:
        u = page.unit
        border = page.trim.inset(page.margin * 0.45)
        scene.add(
            Box(border, stroke=style.palette.accent, stroke_width=1.4 * u),
            Box(border.inset(3.5 * u), stroke=style.palette.accent, stroke_width=0.5 * u),
        )
    return scene


def add_header_band(scene: Scene, style: ThemeStyle) -> Rect | None:
    """The business band across the top; returns its visible part (inside the trim) for text, or None."""
    if not style.header_band:
        return None
    page = scene.page
    visible = Rect(page.trim.x, page.trim.y, page.trim.w, HEADER_BAND_HEIGHT * page.unit)
    scene.add(Box(page.bleed_out(visible, top=True, left=True, right=True), fill=style.palette.accent))
    return visible


def body_area(page: PageGeometry, band: Rect | None) -> Rect:
    """The content box, pushed below the header band when there is one."""
    content = page.content
    if band is None:
        return content
    top = band.bottom + page.margin * 0.6
    return Rect(content.x, top, content.w, content.bottom - top)


def split_photo(page: PageGeometry, style: ThemeStyle, body: Rect, share: float) -> tuple[Rect, Rect]:
    """(photo area, the rest). Portrait stacks the photo above; landscape puts it on the left."""
    u = page.unit
    if page.landscape:
        photo, rest = body.take_left(body.w * share, gap=20 * u)
        if style.photo_bleeds and not style.header_band:
            photo = page.bleed_out(Rect(page.trim.x, photo.y, photo.right - page.trim.x, photo.h),
                                   top=True, bottom=True, left=True)
    else:
        photo, rest = body.take_top(body.h * share, gap=16 * u)
        if style.photo_bleeds and not style.header_band:
            photo = page.bleed_out(Rect(photo.x, page.trim.y, photo.w, photo.bottom - page.trim.y),
                                   top=True, left=True, right=True)
    return photo, rest


def add_photo(scene: Scene, area: Rect, photo: SourcePhoto, style: ThemeStyle) -> None:
    add_framed_photo(scene, area, photo, style, slant_right=scene.page.landscape)


def add_title_line(
    scene: Scene, style: ThemeStyle, area: Rect, main: str, extra: str, size: float, *,
    on_band: bool = False,
) -> None:
    """Month name (bold) and year on one baseline: split to both ends, or centred with hearts for romance."""
    palette = style.palette
    main_colour = palette.on_accent if on_band else palette.ink
    extra_colour = palette.on_accent if on_band else palette.accent
    centred = style.centred_titles and not on_band
    hearts = centred and style.hearts
    if on_band:
        area = area.inset(14 * scene.page.unit, 0)

    available = area.w - (4 * size if hearts else 0)
    size = fitting_size(f"{main}  {extra}", available, size, size * 0.5, bold=True)
    gap = size * 0.4
    main = ellipsize(main, size, available - gap - text_width(extra, size), bold=True)
    baseline = area.centre_y + size * 0.36

    if not centred:
        scene.add(
            Text(area.x, baseline, main, size, main_colour, bold=True),
            Text(area.right, baseline, extra, size, extra_colour, align="right"),
        )
        return
    main_width = text_width(main, size, bold=True)
    total = main_width + gap + text_width(extra, size)
    start = area.centre_x - total / 2
    scene.add(
        Text(start, baseline, main, size, main_colour, bold=True),
        Text(start + main_width + gap, baseline, extra, size, extra_colour),
    )
    if hearts:
        heart = size * 0.55
        for x in (start - heart * 1.4, start + total + heart * 1.4):
            scene.add(Polygon(heart_outline(x, baseline - size * 0.35, heart), fill=palette.decoration))
            scene.add(Polygon(heart_outline(x, baseline - size * 0.35, heart * 0.45), fill=palette.accent))


def add_crop_marks(scene: Scene) -> None:
    """Registration-black marks over a white underlay, so they show on dark backgrounds too."""
    segments = crop_mark_segments(scene.page)
    scene.add(*(Line(start, end, WHITE, CROP_MARK_UNDERLAY_WIDTH) for start, end in segments))
    scene.add(*(Line(start, end, BLACK, CROP_MARK_WIDTH) for start, end in segments))
