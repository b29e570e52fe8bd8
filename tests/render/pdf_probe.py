"""Reading a rendered PDF back with pypdf: text, fonts, and where images sit on the page."""

from __future__ import annotations

import math
from dataclasses import dataclass
from io import BytesIO

from pypdf import PageObject, PdfReader
from pypdf.generic import ContentStream

IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def read_pdf(data: bytes) -> PdfReader:
    return PdfReader(BytesIO(data))


def page_text(page: PageObject) -> str:
    """Extracted text with every run of whitespace folded to one space (wrapped lines rejoin)."""
    return " ".join(page.extract_text().split())


@dataclass(frozen=True)
class PlacedImage:
    pixels_w: int
    pixels_h: int
    width_pt: float
    height_pt: float
    colour_space: str
    filters: tuple[str, ...]

    @property
    def dpi(self) -> float:
        return min(self.pixels_w / (self.width_pt / 72), self.pixels_h / (self.height_pt / 72))


def _multiply(m: tuple[float, ...], n: tuple[float, ...]) -> tuple[float, ...]:
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2,
            e * a2 + f * c2 + e2, e * b2 + f * d2 + f2)


def placed_images(reader: PdfReader, page: PageObject) -> list[PlacedImage]:
    """Every image XObject drawn on the page, with its size on paper from the current transformation matrix."""
    xobjects = page["/Resources"].get("/XObject", {})
    ctm, stack, found = IDENTITY, [], []
    for operands, operator in ContentStream(page.get_contents(), reader).operations:
        if operator == b"q":
            stack.append(ctm)
        elif operator == b"Q":
            ctm = stack.pop()
        elif operator == b"cm":
            ctm = _multiply(tuple(float(v) for v in operands), ctm)
        elif operator == b"Do":
            xobject = xobjects[operands[0]].get_object()
            if xobject.get("/Subtype") != "/Image":
                continue
            filters = xobject.get("/Filter")
            filters = tuple(filters) if isinstance(filters, list) else (filters,)
            found.append(PlacedImage(
                pixels_w=int(xobject["/Width"]),
                pixels_h=int(xobject["/Height"]),
                width_pt=math.hypot(ctm[0], ctm[1]),
                height_pt=math.hypot(ctm[2], ctm[3]),
                colour_space=str(xobject["/ColorSpace"]),
                filters=tuple(str(f) for f in filters),
            ))
    return found


def line_segments(reader: PdfReader, page: PageObject) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """Straight `m … l` segments in page coordinates (the drawing code never transforms lines)."""
    segments, start = [], None
    for operands, operator in ContentStream(page.get_contents(), reader).operations:
        if operator == b"m":
            start = (float(operands[0]), float(operands[1]))
        elif operator == b"l" and start is not None:
            end = (float(operands[0]), float(operands[1]))
            segments.append((start, end))
            start = end
    return segments


def fonts_used(page: PageObject) -> list[dict]:
    return [font.get_object() for font in page["/Resources"]["/Font"].values()]
