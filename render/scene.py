"""A page as a flat list of drawing primitives.

Layout code decides *what* goes *where* once and records it here; `pdf_writer` and `preview` only know how
to paint these few primitives. That is what keeps the print PDF and the web preview identical.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from render.colours import Colour
from render.geometry import PageGeometry, Point, Rect
from render.images import SourcePhoto

Align = Literal["left", "centre", "right"]


@dataclass(frozen=True)
class Box:
    rect: Rect
    fill: Colour | None = None
    stroke: Colour | None = None
    stroke_width: float = 0.0
    radius: float = 0.0


@dataclass(frozen=True)
class Oval:
    rect: Rect
    fill: Colour | None = None
    stroke: Colour | None = None
    stroke_width: float = 0.0


@dataclass(frozen=True)
class Polygon:
    points: tuple[Point, ...]
    fill: Colour | None = None
    stroke: Colour | None = None
    stroke_width: float = 0.0


Shape = Box | Oval | Polygon


@dataclass(frozen=True)
class Line:
    start: Point
    end: Point
    colour: Colour
    width: float


@dataclass(frozen=True)
class Text:
    x: float  # anchor point on the baseline; `align` says which end of the string it is
    baseline: float
    text: str
    size: float
    colour: Colour
    bold: bool = False
    align: Align = "left"


@dataclass(frozen=True, eq=False)  # identity equality: a page may show the same photo twice
class Picture:
    """A photo scaled to cover `rect` (centre-cropped), visible only inside `clip`."""

    rect: Rect
    clip: Shape
    photo: SourcePhoto


Item = Box | Oval | Polygon | Line | Text | Picture


@dataclass
class Scene:
    page: PageGeometry
    label: str  # "cover", "month 3": used in warnings
    items: list[Item] = field(default_factory=list)

    def add(self, *items: Item) -> None:
        self.items.extend(items)

    @property
    def pictures(self) -> list[Picture]:
        return [item for item in self.items if isinstance(item, Picture)]
