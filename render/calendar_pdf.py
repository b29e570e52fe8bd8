"""Entry point: a CalendarSpec and photos in, a print-ready PDF, page previews and a quality report out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from io import BytesIO

from render.calendar_data import UI_TEXT, MonthData, UiText, build_year
from render.cover_page import cover_scene
from render.geometry import PageGeometry, page_geometry
from render.images import Placement, SourcePhoto, enlargement_needed, load_photo, place_photo
from render.models import CalendarSpec, PageReport, PrintCopy, RenderedCalendar
from render.month_page import month_scene
from render.page_parts import add_crop_marks
from render.pdf_writer import draw_scene, new_canvas
from render.preview import render_preview
from render.scene import Picture, Scene
from render.theme import ThemeStyle, theme_style

MONTHS = range(1, 13)
MIN_PREVIEW_PX = 100
MAX_PREVIEW_PX = 1600


def render_calendar(
    spec: CalendarSpec,
    month_images: Mapping[int, bytes],
    cover_image: bytes | None = None,
    *,
    preview_max_px: int = MAX_PREVIEW_PX,
    print_copies: Mapping[int, PrintCopy] | None = None,
) -> RenderedCalendar:
    """Render the 13-page calendar (cover + 12 months).

    Pure: no files, network or clock beyond the bundled fonts. Raises ValueError naming the problem when an
    image is missing, extra or unreadable, or when the preview size is out of range. Without a cover image
    the January photo is used on the cover. `print_copies` says which month images are enlarged copies made for
    print (an AI upscale), so the report names how and still gives the photo's own resolution.
    """
    _check_preview_size(preview_max_px)
    scenes, title = _scenes(spec, _load_month_photos(month_images, print_copies or {}), cover_image)

    buffer = BytesIO()
    canvas = new_canvas(buffer, page_geometry(spec.page_size, spec.orientation, spec.bleed),
                        title=f"{title} {spec.year}")
    previews: list[bytes] = []
    reports: list[PageReport] = []
    for number, scene in enumerate(scenes):
        if spec.bleed:
            add_crop_marks(scene)
        # Placements are made page by page so only one page's full-resolution photos are in memory at a time.
        placements = _place_photos(scene)
        draw_scene(canvas, scene, placements)
        previews.append(render_preview(scene, placements, preview_max_px))
        reports.append(_page_report(number, placements.values()))
    canvas.save()
    return RenderedCalendar(pdf=buffer.getvalue(), pages=previews, page_reports=reports)


def print_enlargements(spec: CalendarSpec, month_images: Mapping[int, bytes]) -> dict[int, float]:
    """How many times each month's image must be enlarged to print at TARGET_DPI on every page it appears on (its
    month, and January's on the cover); ≤ 1 when it has enough pixels. What the print upscale sizes its work by."""
    scenes, _ = _scenes(spec, _load_month_photos(month_images, {}), None)
    needed: dict[int, float] = {}
    for number, scene in enumerate(scenes):
        month = number or 1  # the cover shows January's photo
        for picture in scene.pictures:
            factor = enlargement_needed(picture.photo, picture.rect.w, picture.rect.h)
            needed[month] = max(needed.get(month, 0.0), factor)
    return needed


def _scenes(spec: CalendarSpec, month_photos: Mapping[int, SourcePhoto],
            cover_image: bytes | None) -> tuple[list[Scene], str]:
    if cover_image is not None:
        cover_photo = load_photo(cover_image, "cover")
    else:
        cover_photo = replace(month_photos[1], label="cover (January's photo)")
    look = _Look.of(spec)
    scenes = [look.cover(cover_photo)]
    scenes += [look.month(month, month_photos[month.month]) for month in build_year(spec)]
    return scenes, look.title


def render_page_preview(spec: CalendarSpec, month_images: Mapping[int, bytes], number: int, *,
                        preview_max_px: int = MAX_PREVIEW_PX) -> bytes:
    """The preview of one page (0: the cover, with January's photo; 1-12: the months) exactly as `render_calendar`
    draws it, without the PDF or the other pages: for a reader that shows a few pages of a calendar nobody prints.
    Only that page's photo is needed (and decoded)."""
    _check_preview_size(preview_max_px)
    if not 0 <= number <= 12:
        raise ValueError(f"a calendar has pages 0 (the cover) to 12, not {number}")
    month_number = number or 1
    if month_number not in month_images:
        raise ValueError(f"month images are missing for month(s) {month_number}")
    photo = load_photo(month_images[month_number], f"month {month_number}")
    look = _Look.of(spec)
    if number == 0:
        scene = look.cover(replace(photo, label="cover (January's photo)"))
    else:
        scene = look.month(build_year(spec)[number - 1], photo)
    if spec.bleed:
        add_crop_marks(scene)
    return render_preview(scene, _place_photos(scene), preview_max_px)


@dataclass(frozen=True)
class _Look:
    """What every page of one calendar shares: its style, page geometry, words and title."""

    spec: CalendarSpec
    style: ThemeStyle
    page: PageGeometry
    ui: UiText
    title: str

    @classmethod
    def of(cls, spec: CalendarSpec) -> _Look:
        ui = UI_TEXT[spec.locale]
        return cls(spec, theme_style(spec.theme, spec.color_scheme, spec.layout),
                   page_geometry(spec.page_size, spec.orientation, spec.bleed), ui, spec.title.strip() or ui.calendar)

    def cover(self, photo: SourcePhoto) -> Scene:
        return cover_scene(self.page, self.style, self.title, self.spec.year, photo)

    def month(self, month: MonthData, photo: SourcePhoto) -> Scene:
        return month_scene(self.page, self.style, month, photo, self.ui, week_numbers=self.spec.week_numbers)


def _check_preview_size(preview_max_px: int) -> None:
    if not MIN_PREVIEW_PX <= preview_max_px <= MAX_PREVIEW_PX:
        raise ValueError(f"preview_max_px must be between {MIN_PREVIEW_PX} and {MAX_PREVIEW_PX}, got {preview_max_px}")


def _load_month_photos(month_images: Mapping[int, bytes],
                       print_copies: Mapping[int, PrintCopy]) -> dict[int, SourcePhoto]:
    keys = set(month_images)
    missing = sorted(set(MONTHS) - keys)
    unexpected = sorted(keys - set(MONTHS), key=repr)
    if missing:
        raise ValueError(f"month images are missing for month(s) {', '.join(map(str, missing))}")
    if unexpected:
        raise ValueError(f"month images must be keyed 1..12; unexpected key(s) {unexpected}")
    photos = {}
    for month in MONTHS:
        copy = print_copies.get(month)
        photos[month] = load_photo(month_images[month], f"month {month}",
                                   upscaled_with=copy.method if copy else None,
                                   enlarged_by=copy.enlarged_by if copy else 1.0)
    return photos


def _place_photos(scene: Scene) -> dict[Picture, Placement]:
    return {picture: place_photo(picture.photo, picture.rect.w, picture.rect.h) for picture in scene.pictures}


def _page_report(number: int, placements: Iterable[Placement]) -> PageReport:
    placed = list(placements)
    if not placed:
        return PageReport(page=number, effective_dpi=None, warnings=[])
    return PageReport(
        page=number,
        effective_dpi=round(min(p.effective_dpi for p in placed), 1),
        source_dpi=round(min(p.source_dpi for p in placed), 1),
        upscaled_with=next((p.upscaled_with for p in placed if p.upscaled_with), None),
        warnings=[warning for p in placed for warning in p.warnings],
    )
