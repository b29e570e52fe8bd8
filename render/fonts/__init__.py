"""The bundled DejaVu Sans (full Cyrillic, free licence in LICENSE).

Bundled rather than looked up on the system so that every machine embeds the very same glyphs in the PDF and
measures text identically. PDF drawing and PNG previews both measure with the reportlab metrics below, so
text wraps the same way in both.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PIL import ImageFont
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parent
_FILES = {False: FONT_DIR / "DejaVuSans.ttf", True: FONT_DIR / "DejaVuSans-Bold.ttf"}
_PDF_NAMES = {False: "DejaVuSans", True: "DejaVuSans-Bold"}


@lru_cache(maxsize=1)
def _register_pdf_fonts() -> None:
    registered = set(pdfmetrics.getRegisteredFontNames())
    for bold, name in _PDF_NAMES.items():
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(_FILES[bold])))


def pdf_font_name(bold: bool) -> str:
    _register_pdf_fonts()
    return _PDF_NAMES[bold]


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Advance width in points, exactly as reportlab will set the string."""
    return pdfmetrics.stringWidth(text, pdf_font_name(bold), size)


@lru_cache(maxsize=256)
def pillow_font(bold: bool, size_px: float) -> ImageFont.FreeTypeFont:
    # BASIC layout: no kerning, matching reportlab's advance widths, so previews look like the PDF.
    return ImageFont.truetype(str(_FILES[bold]), size_px, layout_engine=ImageFont.Layout.BASIC)
