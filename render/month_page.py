"""A month page: photo, title, day grid (weekends, holidays and personal dates marked), legend, notes."""

from __future__ import annotations

from dataclasses import dataclass

from render.calendar_data import DayCell, MonthData, UiText
from render.geometry import PageGeometry, Rect, page_geometry
from render.images import SourcePhoto
from render.models import CalendarSpec
from render.page_parts import add_header_band, add_photo, add_title_line, body_area, split_photo, start_scene
from render.scene import Box, Line, Oval, Scene, Text
from render.text_fit import fitting_size, wrap
from render.theme import ThemeStyle

PERSONAL_MARK = "★"
LEGEND_SEPARATOR = "  ·  "  # wrap() folds runs of spaces, so this prints as " · "


@dataclass(frozen=True)
class GridMetrics:
    """Sizes shared by every cell of one month, in points."""

    number_size: float
    label_size: float
    label_leading: float
    padding: float


def month_photo_area(page: PageGeometry, style: ThemeStyle) -> Rect:
    """Where a month page puts its photo: the part of an image that prints is cropped to this shape."""
    return _layout(start_scene(page, style, label="layout"), style)[1]


def default_photo_aspect(style: ThemeStyle) -> float:
    """Width / height of a month page's photo in a new calendar's page setup (the renderer's defaults)."""
    defaults = CalendarSpec.model_fields
    page = page_geometry(defaults["page_size"].default, defaults["orientation"].default, defaults["bleed"].default)
    area = month_photo_area(page, style)
    return area.w / area.h


def _layout(scene: Scene, style: ThemeStyle) -> tuple[Rect | None, Rect, Rect]:
    """(header band, photo area, the rest) of a month page."""
    page = scene.page
    band = add_header_band(scene, style)
    body = body_area(page, band)
    # Side by side, the grid needs half the width to keep its cells wider than tall.
    share = min(style.photo_share, 0.5) if page.landscape else style.photo_share
    photo_area, info = split_photo(page, style, body, share)
    return band, photo_area, info


def month_scene(
    page: PageGeometry,
    style: ThemeStyle,
    month: MonthData,
    photo: SourcePhoto,
    ui: UiText,
    *,
    week_numbers: bool,
) -> Scene:
    u = page.unit
    scene = start_scene(page, style, label=f"month {month.month}")
    band, photo_area, info = _layout(scene, style)
    add_photo(scene, photo_area, photo, style)

    title_size = 30 * u
    if band is not None:
        add_title_line(scene, style, band, month.name, str(month.year), 24 * u, on_band=True)
    else:
        title_area, info = info.take_top(title_size * 1.35, gap=6 * u)
        add_title_line(scene, style, title_area, month.name, str(month.year), title_size)

    legend_area, info = info.take_bottom(20 * u, gap=6 * u)
    if style.include_notes:
        if page.landscape:
            notes_area, info = info.take_bottom(info.h * 0.2, gap=8 * u)
        else:
            notes_area, info = info.take_right(info.w * 0.24, gap=10 * u)
        _add_notes(scene, style, notes_area, ui)
    _add_grid(scene, style, info, month, ui, week_numbers)
    _add_legend(scene, style, legend_area, month)
    return scene


def _add_grid(
    scene: Scene, style: ThemeStyle, area: Rect, month: MonthData, ui: UiText, week_numbers: bool
) -> None:
    u = scene.page.unit
    palette = style.palette
    header, rows_area = area.take_top(16 * u)
    week_column = 0.0
    if week_numbers:
        week_column = max(18 * u, area.w * 0.06)
        week_header, _ = header.take_left(week_column)
        scene.add(Text(week_header.centre_x, week_header.bottom - 5 * u, ui.week, 6.5 * u, palette.muted,
                       align="centre"))
    column_w = (area.w - week_column) / 7
    row_h = rows_area.h / len(month.weeks)
    # Labels never drop below 5.2 pt on A4: smaller holiday names stop being readable on paper.
    label_size = max(5.2 * u, min(6.2 * u, row_h * 0.13))
    metrics = GridMetrics(
        number_size=min(row_h * 0.34, column_w * 0.3, 16 * u),
        label_size=label_size,
        label_leading=label_size * 1.18,
        padding=max(2.5 * u, min(row_h, column_w) * 0.08),
    )

    header_size = fitting_size(max(month.weekday_labels, key=len), column_w * 0.9, 8.5 * u, 5 * u, bold=True)
    for column, label in enumerate(month.weekday_labels):
        colour = palette.accent if column in month.weekend_columns else palette.muted
        x = area.x + week_column + column_w * (column + 0.5)
        scene.add(Text(x, header.bottom - 5 * u, label, header_size, colour, bold=True, align="centre"))

    for row, week in enumerate(month.weeks):
        top = rows_area.y + row * row_h
        if style.cell_style == "lined":
            scene.add(Line((area.x, top), (area.right, top), palette.grid_line, 0.6 * u))
        if week_numbers:
            scene.add(Text(area.x + week_column / 2, top + metrics.padding + metrics.number_size * 0.75,
                           str(month.week_numbers[row]), metrics.number_size * 0.55, palette.muted,
                           align="centre"))
        for column, day in enumerate(week):
            cell = Rect(area.x + week_column + column * column_w, top, column_w, row_h)
            _add_cell(scene, style, cell, day, metrics, tint_index=row + column)
    if style.cell_style == "lined":
        scene.add(Line((area.x, rows_area.bottom), (area.right, rows_area.bottom), palette.grid_line, 0.6 * u))


def _add_cell(
    scene: Scene, style: ThemeStyle, cell: Rect, day: DayCell | None, metrics: GridMetrics, tint_index: int
) -> None:
    u = scene.page.unit
    palette = style.palette
    kind = style.cell_style
    if day is None:
        if kind == "boxed":
            scene.add(Box(cell, stroke=palette.grid_line, stroke_width=0.5 * u))
        return

    highlight = palette.holiday_fill if day.is_holiday else palette.weekend_fill if day.is_weekend else None
    if kind == "boxed":
        scene.add(Box(cell, fill=highlight or palette.page, stroke=palette.grid_line, stroke_width=0.5 * u))
    elif kind == "lined" and highlight:
        scene.add(Box(cell.inset(0.8 * u), fill=highlight))
    elif kind == "bubbles":
        bubble = cell.inset(2 * u)
        fill = highlight or palette.tints[tint_index % len(palette.tints)]
        scene.add(Box(bubble, fill=fill, radius=0.22 * min(bubble.w, bubble.h),
                      stroke=palette.accent if day.is_holiday else None, stroke_width=0.8 * u))

    centred = kind in ("open", "bubbles")
    number = str(day.date.day)
    number_colour = palette.accent if (day.is_weekend or day.is_holiday) else palette.ink
    baseline = cell.y + metrics.padding + metrics.number_size * 0.78
    x = cell.centre_x if centred else cell.x + metrics.padding
    if kind == "open" and day.is_holiday:
        radius = metrics.number_size * 0.82
        centre_y = baseline - metrics.number_size * 0.36
        scene.add(Oval(Rect(x - radius, centre_y - radius, 2 * radius, 2 * radius), fill=palette.holiday_fill))
    scene.add(Text(x, baseline, number, metrics.number_size, number_colour, bold=True,
                   align="centre" if centred else "left"))
    _add_cell_labels(scene, style, cell, day, metrics, first_baseline=baseline + metrics.number_size * 0.3)


def _add_cell_labels(
    scene: Scene, style: ThemeStyle, cell: Rect, day: DayCell, metrics: GridMetrics, first_baseline: float
) -> None:
    """Holiday names, then personal dates, wrapped into whatever lines the cell has left."""
    palette = style.palette
    width = cell.w - 2 * metrics.padding
    free_height = cell.bottom - metrics.padding * 0.6 - first_baseline
    lines_left = int(free_height // metrics.label_leading)
    centred = style.cell_style in ("open", "bubbles")
    x = cell.centre_x if centred else cell.x + metrics.padding
    baseline = first_baseline + metrics.label_leading * 0.9
    entries = [(name, palette.accent, True) for name in day.holidays]
    entries += [(f"{PERSONAL_MARK} {label}", palette.ink, False) for label in day.personal]
    for text, colour, bold in entries:
        for line in wrap(text, metrics.label_size, width, lines_left, bold=bold):
            scene.add(Text(x, baseline, line, metrics.label_size, colour, bold=bold,
                           align="centre" if centred else "left"))
            baseline += metrics.label_leading
            lines_left -= 1
        if lines_left <= 0:
            break


def _add_legend(scene: Scene, style: ThemeStyle, area: Rect, month: MonthData) -> None:
    """Full holiday and personal-date names under the grid: the cells can only hold a few words each."""
    u = scene.page.unit
    items = []
    for day in month.notable_days():
        items += [f"{day.date.day} — {name}" for name in day.holidays]
        items += [f"{day.date.day} {PERSONAL_MARK} {label}" for label in day.personal]
    if not items:
        return
    size = 6.6 * u
    lines = wrap(LEGEND_SEPARATOR.join(items), size, area.w, max_lines=2)
    if len(lines) == 2 and lines[-1].endswith("…"):
        size = 5.6 * u
        lines = wrap(LEGEND_SEPARATOR.join(items), size, area.w, max_lines=2)
    leading = size * 1.3
    baseline = area.y + size
    for line in lines:
        scene.add(Text(area.x, baseline, line, size, style.palette.muted))
        baseline += leading


def _add_notes(scene: Scene, style: ThemeStyle, area: Rect, ui: UiText) -> None:
    u = scene.page.unit
    palette = style.palette
    scene.add(Text(area.x, area.y + 11 * u, ui.notes, 8.5 * u, palette.accent, bold=True))
    y = area.y + 30 * u
    while y <= area.bottom:
        scene.add(Line((area.x, y), (area.right, y), palette.grid_line, 0.5 * u))
        y += 18 * u
