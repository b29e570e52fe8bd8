"""A calendar's title: the default one (the theme's name in the calendar's language) and the PDF's file name.

The year is printed once — under the title on the cover — so neither the title nor the file name repeats it."""

from __future__ import annotations

import re

from db.models import Template
from db.seed import ENGLISH_NAMES


def default_title(template: Template, locale: str) -> str:
    """The theme's name in the calendar's language (Template.name is the Ukrainian one)."""
    if locale == "en":
        return ENGLISH_NAMES.get(template.theme, template.name)
    return template.name


def is_default_title(title: str, template: Template) -> bool:
    return title.strip() in {"", *(default_title(template, locale) for locale in ("uk", "en"))}


def pdf_file_name(title: str, year: int) -> tuple[str, str]:
    """`Title 2027.pdf` as (readable UTF-8 name, ASCII fallback); a title that already ends in the year keeps it
    once."""
    title = title.strip() or "Calendar"
    readable = title if re.search(rf"(^|\s){year}$", title) else f"{title} {year}"
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "-", readable).strip("-") or f"calendar-{year}"
    return f"{readable}.pdf", f"{ascii_name}.pdf"
