"""Paints scenes with Pillow: the PNG previews for the web page, no poppler needed.

Only the trim area is shown (the customer never sees bleed or crop marks). The page is drawn at twice the
target size and reduced, which anti-aliases the shapes Pillow would otherwise draw with jagged edges.
"""

from __future__ import annotations

from io import BytesIO

from PIL import Image, ImageDraw

from render.colours import Colour
from render.fonts import pillow_font
from render.geometry import Rect
from render.images import Placement
from render.scene import Box, Line, Oval, Picture, Polygon, Scene, Shape, Text

SUPERSAMPLE = 2
_ANCHORS = {"left": "ls", "centre": "ms", "right": "rs"}
# Level 3 is ~3x faster than Pillow's default 6 on photo pages for a few percent more bytes.
PNG_COMPRESS_LEVEL = 3


class _Viewport:
    """Maps scene points (media box, y down) to canvas pixels, with the trim box's corner at (0, 0)."""

    def __init__(self, scene: Scene, long_side_px: int) -> None:
        trim = scene.page.trim
        self.scale = long_side_px / max(trim.w, trim.h)
        self.origin = (trim.x, trim.y)
        self.size = (max(1, round(trim.w * self.scale)), max(1, round(trim.h * self.scale)))

    def point(self, x: float, y: float) -> tuple[float, float]:
        return ((x - self.origin[0]) * self.scale, (y - self.origin[1]) * self.scale)

    def box(self, rect: Rect) -> tuple[float, float, float, float]:
        x0, y0 = self.point(rect.x, rect.y)
        return (x0, y0, x0 + rect.w * self.scale, y0 + rect.h * self.scale)

    def width(self, points: float) -> int:
        return max(1, round(points * self.scale))


def render_preview(scene: Scene, placements: dict[Picture, Placement], max_px: int) -> bytes:
    view = _Viewport(scene, max_px * SUPERSAMPLE)
    canvas = Image.new("RGB", view.size, (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    for item in scene.items:
        if isinstance(item, Picture):
            _paste_picture(canvas, view, item, placements[item])
        elif isinstance(item, Text):
            font = pillow_font(item.bold, item.size * view.scale)
            draw.text(view.point(item.x, item.baseline), item.text, fill=item.colour, font=font,
                      anchor=_ANCHORS[item.align])
        elif isinstance(item, Line):
            draw.line([view.point(*item.start), view.point(*item.end)], fill=item.colour,
                      width=view.width(item.width))
        else:
            _draw_shape(draw, view, item, fill=item.fill, outline=item.stroke,
                        width=view.width(item.stroke_width) if item.stroke else 0)

    buffer = BytesIO()
    canvas.reduce(SUPERSAMPLE).save(buffer, "PNG", compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()


def _draw_shape(draw: ImageDraw.ImageDraw, view: _Viewport, shape: Shape, *, fill: Colour | int | None,
                outline: Colour | None, width: int,
                offset: tuple[float, float] = (0.0, 0.0)) -> None:
    """Draw an outline; `offset` shifts it, which is how a clip mask is drawn in its own small image."""
    dx, dy = offset
    if isinstance(shape, Polygon):
        points = [(x - dx, y - dy) for x, y in (view.point(*p) for p in shape.points)]
        draw.polygon(points, fill=fill, outline=outline, width=width)
        return
    x0, y0, x1, y1 = view.box(shape.rect)
    box = (x0 - dx, y0 - dy, x1 - dx, y1 - dy)
    if isinstance(shape, Oval):
        draw.ellipse(box, fill=fill, outline=outline, width=width)
    elif isinstance(shape, Box) and shape.radius > 0:
        draw.rounded_rectangle(box, radius=shape.radius * view.scale, fill=fill, outline=outline, width=width)
    else:
        draw.rectangle(box, fill=fill, outline=outline, width=width)


def _paste_picture(canvas: Image.Image, view: _Viewport, picture: Picture, placement: Placement) -> None:
    x0, y0, x1, y1 = view.box(picture.rect)
    left, top = round(x0), round(y0)
    size = (max(1, round(x1) - left), max(1, round(y1) - top))
    photo = placement.image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    mask = Image.new("L", size, 0)
    _draw_shape(ImageDraw.Draw(mask), view, picture.clip, fill=255, outline=None, width=0, offset=(left, top))
    canvas.paste(photo, (left, top), mask)
