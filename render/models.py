"""What the renderer is asked for (CalendarSpec) and what it hands back (RenderedCalendar)."""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Locale = Literal["uk", "en"]
PageSize = Literal["A4", "A3", "Letter"]
Orientation = Literal["portrait", "landscape"]
WeekStart = Literal["monday", "sunday"]

HEX_COLOUR_PATTERN = r"^#[0-9A-Fa-f]{6}$"


def _next_year() -> int:
    return datetime.date.today().year + 1


class PersonalDate(BaseModel):
    """A birthday or anniversary; its year is ignored because such dates recur every year."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    date: datetime.date
    label: str = Field(min_length=1, max_length=60)

    @field_validator("label")
    @classmethod
    def _label_not_blank(cls, label: str) -> str:
        stripped = label.strip()
        if not stripped:
            raise ValueError("personal date label must not be blank")
        return stripped


class CalendarSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(default="", max_length=80)
    year: int = Field(default_factory=_next_year, ge=1900, le=2200)
    locale: Locale = "uk"
    page_size: PageSize = "A4"
    orientation: Orientation = "portrait"
    bleed: bool = False
    week_start: WeekStart | None = None
    week_numbers: bool = False
    personal_dates: list[PersonalDate] = Field(default_factory=list, max_length=500)
    theme: str = Field(min_length=1, max_length=32)
    # Empty scheme/layout fall back to a neutral look; the ten themes' real values live in the template data.
    color_scheme: list[str] = Field(default_factory=list, max_length=12)
    layout: dict[str, Any] = Field(default_factory=dict)

    @field_validator("color_scheme")
    @classmethod
    def _hex_colours(cls, colours: list[str]) -> list[str]:
        bad = [colour for colour in colours if not re.fullmatch(HEX_COLOUR_PATTERN, colour)]
        if bad:
            raise ValueError(f"colours must look like #RRGGBB, got {bad}")
        return colours

    @model_validator(mode="after")
    def _personal_dates_exist_in_year(self) -> CalendarSpec:
        for personal in self.personal_dates:
            if (personal.date.month, personal.date.day) == (2, 29) and not calendar.isleap(self.year):
                raise ValueError(
                    f"personal date {personal.label!r} falls on 29 February, which does not exist in {self.year}"
                )
        return self

    @property
    def first_weekday(self) -> int:
        """0 = Monday … 6 = Sunday, as in `datetime.date.weekday()`."""
        return 0 if (self.week_start or default_week_start(self.locale)) == "monday" else 6


def default_week_start(locale: str) -> WeekStart:
    """The week start a calendar prints when none was chosen: the locale's custom (Ukraine: Monday; the US-style
    English calendar: Sunday). The API shows it as the calendar's option, so the form shows what is printed."""
    return "monday" if locale == "uk" else "sunday"


@dataclass(frozen=True)
class PrintCopy:
    """A month image that is an enlarged copy made for print, not the variant as generated."""

    method: str  # e.g. "AI upscaled (real-esrgan ×3)"
    enlarged_by: float


class PageReport(BaseModel):
    page: int  # 0 = cover, 1..12 = months
    effective_dpi: float | None  # None when the page carries no photo
    source_dpi: float | None = None  # what the photo had of its own, before any upscale
    upscaled_with: str | None = None  # e.g. "classical (Lanczos + unsharp mask)"; None: not upscaled
    warnings: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class RenderedCalendar:
    pdf: bytes
    pages: list[bytes]  # PNG previews: index 0 is the cover, 1..12 the months
    page_reports: list[PageReport]

    @property
    def warnings(self) -> list[str]:
        return [warning for report in self.page_reports for warning in report.warnings]
