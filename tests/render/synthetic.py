"""Deterministic inputs for the render tests and for regenerating the reference preview."""

from __future__ import annotations

import datetime
from io import BytesIO
from typing import Any

from PIL import Image

from render.models import CalendarSpec, PersonalDate

# The ten themes as the template data carries them (colorScheme and layout of the seed's themes).
THEMES: dict[str, tuple[list[str], dict]] = {
    "family": (["#FFE5E5", "#FFC4C4", "#FFD4D4"],
               {"type": "12-month-grid", "monthsPerPage": 1, "photoFrameStyle": "rounded-warm"}),
    "corporate": (["#1E3A8A", "#374151", "#F3F4F6"],
                  {"type": "business-calendar", "includeNotes": True, "photoFrameStyle": "square-thin"}),
    "wedding": (["#FFFFFF", "#FFD700", "#FFC0CB"],
                {"type": "romantic-grid", "decorativeElements": "roses-hearts", "photoFrameStyle": "oval-gold"}),
    "sports": (["#DC2626", "#111827", "#FACC15"], {"type": "12-month-grid", "photoFrameStyle": "angled-bold"}),
    "kids": (["#60A5FA", "#FBBF24", "#34D399"], {"type": "12-month-grid", "photoFrameStyle": "rounded-playful"}),
    "minimalist": (["#F5F5F4", "#A8A29E", "#292524"], {"type": "12-month-grid", "photoFrameStyle": "none"}),
    "nature": (["#3F6212", "#A3E635", "#FEF3C7"], {"type": "12-month-grid", "photoFrameStyle": "rounded-soft"}),
    "travel": (["#0EA5E9", "#F97316", "#FEF9C3"], {"type": "12-month-grid", "photoFrameStyle": "polaroid"}),
    "vintage": (["#78350F", "#D6B48C", "#FDF6E3"], {"type": "12-month-grid", "photoFrameStyle": "deckled"}),
    "professional": (["#0F172A", "#64748B", "#E2E8F0"],
                     {"type": "business-calendar", "includeNotes": True, "photoFrameStyle": "square-thin"}),
}

BIRTHDAY = PersonalDate(date=datetime.date(1990, 3, 14), label="Марійка: день народження")


def gradient_image(width: int, height: int, tone: int = 120) -> Image.Image:
    """Red grows to the right, green downwards, blue fixed: every crop or flip changes the picture."""
    ramp = Image.linear_gradient("L")
    red = ramp.rotate(90).transpose(Image.Transpose.FLIP_LEFT_RIGHT).resize((width, height))
    green = ramp.resize((width, height))
    return Image.merge("RGB", (red, green, Image.new("L", (width, height), tone)))


def encode(image: Image.Image, fmt: str = "JPEG") -> bytes:
    buffer = BytesIO()
    image.save(buffer, fmt, quality=92) if fmt == "JPEG" else image.save(buffer, fmt)
    return buffer.getvalue()


def month_images(width: int = 480, height: int = 360) -> dict[int, bytes]:
    return {month: encode(gradient_image(width, height, tone=month * 20)) for month in range(1, 13)}


def spec_for(theme: str = "family", **overrides: Any) -> CalendarSpec:
    scheme, layout = THEMES[theme]
    fields = {"year": 2027, "theme": theme, "color_scheme": scheme, "layout": layout} | overrides
    return CalendarSpec(**fields)


# The stored reference preview: March (a holiday and a personal date), family theme, Ukrainian.
REFERENCE_PAGE = 3
REFERENCE_PREVIEW_PX = 400


def reference_inputs() -> tuple[CalendarSpec, dict[int, bytes]]:
    return spec_for("family", personal_dates=[BIRTHDAY]), month_images(640, 480)
