"""Paints scenes onto a reportlab canvas: the print PDF."""

from __future__ import annotations

from io import BytesIO

from reportlab import rl_config
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.pathobject import PDFPathObject

from render.colours import to_unit_rgb
from render.fonts import pdf_font_name
from render.geometry import PageGeometry
from render.images import Placement
from render.scene import Box, Line, Oval, Picture, Polygon, Scene, Shape, Text

# reportlab wraps every stream in ASCII85 by default, for 7-bit mail transports from another era; on binary
# print files it only inflates the photos by a quarter. This is process-wide, and we are reportlab's only user.
rl_config.useA85 = 0


def new_canvas(buffer: BytesIO, page: PageGeometry, *, title: str) -> Canvas:
    trim = page.trim
    # PDF boxes use a bottom-left origin; the trim box tells imposition software where to cut.
    trim_box = (trim.x, page.height - trim.bottom, trim.right, page.height - trim.y)
    canvas = Canvas(
        buffer,
        pagesize=(page.width, page.height),
        pageCompression=1,
        # Otherwise every page names an unembedded Helvetica, which print preflight rejects.
        initialFontName=pdf_font_name(bold=False),  # type: ignore[arg-type]  # the stub says float: it is a name
        invariant=1,  # no timestamps or random IDs: a retried render yields the same bytes
        trimBox=trim_box,
        bleedBox=(0, 0, page.width, page.height),
    )
    canvas.setTitle(title)
    canvas.setCreator("Calendary")
    canvas.setAuthor("Calendary")
    return canvas


def draw_scene(canvas: Canvas, scene: Scene, placements: dict[Picture, Placement]) -> None:
    height = scene.page.height
    for item in scene.items:
        if isinstance(item, Picture):
            _draw_picture(canvas, item, placements[item], height)
        elif isinstance(item, Text):
            _draw_text(canvas, item, height)
        elif isinstance(item, Line):
            canvas.setStrokeColorRGB(*to_unit_rgb(item.colour))
            canvas.setLineWidth(item.width)
            canvas.line(item.start[0], height - item.start[1], item.end[0], height - item.end[1])
        else:
            _draw_shape(canvas, item, height)
    canvas.showPage()


def _draw_text(canvas: Canvas, text: Text, height: float) -> None:
    canvas.setFillColorRGB(*to_unit_rgb(text.colour))
    canvas.setFont(pdf_font_name(text.bold), text.size)
    y = height - text.baseline
    if text.align == "centre":
        canvas.drawCentredString(text.x, y, text.text)
    elif text.align == "right":
        canvas.drawRightString(text.x, y, text.text)
    else:
        canvas.drawString(text.x, y, text.text)


def _draw_shape(canvas: Canvas, shape: Shape, height: float) -> None:
    fill = shape.fill
    stroke = shape.stroke if shape.stroke_width > 0 else None
    if fill is None and stroke is None:
        return
    if fill is not None:
        canvas.setFillColorRGB(*to_unit_rgb(fill))
    if stroke is not None:
        canvas.setStrokeColorRGB(*to_unit_rgb(stroke))
        canvas.setLineWidth(shape.stroke_width)
    canvas.drawPath(_outline(canvas, shape, height), stroke=int(stroke is not None), fill=int(fill is not None))


def _outline(canvas: Canvas, shape: Shape, height: float) -> PDFPathObject:
    path = canvas.beginPath()
    if isinstance(shape, Polygon):
        (first_x, first_y), *rest = shape.points
        path.moveTo(first_x, height - first_y)
        for x, y in rest:
            path.lineTo(x, height - y)
        path.close()
        return path
    rect = shape.rect
    bottom = height - rect.bottom
    if isinstance(shape, Oval):
        path.ellipse(rect.x, bottom, rect.w, rect.h)
    elif isinstance(shape, Box) and shape.radius > 0:
        path.roundRect(rect.x, bottom, rect.w, rect.h, min(shape.radius, rect.w / 2, rect.h / 2))
    else:
        path.rect(rect.x, bottom, rect.w, rect.h)
    return path


def _draw_picture(canvas: Canvas, picture: Picture, placement: Placement, height: float) -> None:
    rect = picture.rect
    canvas.saveState()
    canvas.clipPath(_outline(canvas, picture.clip, height), stroke=0, fill=0)
    # JPEG bytes through ImageReader are embedded as they are (DCTDecode), not re-encoded as Flate.
    canvas.drawImage(ImageReader(BytesIO(placement.jpeg)), rect.x, height - rect.bottom, rect.w, rect.h)
    canvas.restoreState()
