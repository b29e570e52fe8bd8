"""Page geometry in PDF points, with the origin at the top-left corner of the media box and y growing down.

Both the PDF writer and the PNG preview draw from these numbers, so the two can never drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.pagesizes import A3, A4, LETTER

from render.models import Orientation, PageSize

MM = 72 / 25.4
BLEED = 3 * MM
# Crop marks live inside the 3 mm bleed and stop short of the trim line so a slightly off cut never shows them.
CROP_MARK_GAP = 0.75 * MM

_PORTRAIT_SIZES: dict[str, tuple[float, float]] = {"A4": A4, "A3": A3, "Letter": LETTER}
_A4_SHORT_SIDE = A4[0]

Point = tuple[float, float]


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    @property
    def centre_x(self) -> float:
        return self.x + self.w / 2

    @property
    def centre_y(self) -> float:
        return self.y + self.h / 2

    def inset(self, dx: float, dy: float | None = None) -> Rect:
        dy = dx if dy is None else dy
        return Rect(self.x + dx, self.y + dy, max(0.0, self.w - 2 * dx), max(0.0, self.h - 2 * dy))

    def moved(self, dx: float, dy: float) -> Rect:
        return Rect(self.x + dx, self.y + dy, self.w, self.h)

    def take_top(self, height: float, gap: float = 0.0) -> tuple[Rect, Rect]:
        """Split into (top strip, what is left below it after `gap`)."""
        height = min(height, self.h)
        rest_y = self.y + height + gap
        return Rect(self.x, self.y, self.w, height), Rect(self.x, rest_y, self.w, max(0.0, self.bottom - rest_y))

    def take_bottom(self, height: float, gap: float = 0.0) -> tuple[Rect, Rect]:
        height = min(height, self.h)
        bottom = Rect(self.x, self.bottom - height, self.w, height)
        return bottom, Rect(self.x, self.y, self.w, max(0.0, self.h - height - gap))

    def take_left(self, width: float, gap: float = 0.0) -> tuple[Rect, Rect]:
        width = min(width, self.w)
        rest_x = self.x + width + gap
        return Rect(self.x, self.y, width, self.h), Rect(rest_x, self.y, max(0.0, self.right - rest_x), self.h)

    def take_right(self, width: float, gap: float = 0.0) -> tuple[Rect, Rect]:
        width = min(width, self.w)
        right = Rect(self.right - width, self.y, width, self.h)
        return right, Rect(self.x, self.y, max(0.0, self.w - width - gap), self.h)


@dataclass(frozen=True)
class PageGeometry:
    width: float  # media box, bleed included
    height: float
    trim: Rect
    bleed: float
    landscape: bool

    @property
    def media(self) -> Rect:
        return Rect(0.0, 0.0, self.width, self.height)

    @property
    def unit(self) -> float:
        """Scale of type and strokes: 1.0 on A4, so every size is designed once and grows with the paper."""
        return min(self.trim.w, self.trim.h) / _A4_SHORT_SIDE

    @property
    def margin(self) -> float:
        return 30 * self.unit

    @property
    def content(self) -> Rect:
        return self.trim.inset(self.margin)

    def bleed_out(
        self, rect: Rect, *, top: bool = False, bottom: bool = False, left: bool = False, right: bool = False
    ) -> Rect:
        """Stretch a rectangle to the media edge on the chosen sides, so fills and photos run off the cut."""
        x0 = 0.0 if left else rect.x
        y0 = 0.0 if top else rect.y
        x1 = self.width if right else rect.right
        y1 = self.height if bottom else rect.bottom
        return Rect(x0, y0, x1 - x0, y1 - y0)


def page_geometry(size: PageSize, orientation: Orientation, bleed: bool) -> PageGeometry:
    short, long = sorted(_PORTRAIT_SIZES[size])
    trim_w, trim_h = (long, short) if orientation == "landscape" else (short, long)
    bleed_pt = BLEED if bleed else 0.0
    return PageGeometry(
        width=trim_w + 2 * bleed_pt,
        height=trim_h + 2 * bleed_pt,
        trim=Rect(bleed_pt, bleed_pt, trim_w, trim_h),
        bleed=bleed_pt,
        landscape=orientation == "landscape",
    )


def crop_mark_segments(page: PageGeometry) -> list[tuple[Point, Point]]:
    """Two short marks per trim corner, drawn in the bleed and pointing along the cut lines."""
    if page.bleed <= 0:
        return []
    trim = page.trim
    segments: list[tuple[Point, Point]] = []
    for corner_x, outer_x, inner_x in ((trim.x, 0.0, trim.x - CROP_MARK_GAP),
                                      (trim.right, page.width, trim.right + CROP_MARK_GAP)):
        for corner_y, outer_y, inner_y in ((trim.y, 0.0, trim.y - CROP_MARK_GAP),
                                          (trim.bottom, page.height, trim.bottom + CROP_MARK_GAP)):
            segments.append(((outer_x, corner_y), (inner_x, corner_y)))
            segments.append(((corner_x, outer_y), (corner_x, inner_y)))
    return segments
