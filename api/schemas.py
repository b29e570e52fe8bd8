"""Request and response bodies of the HTTP API (the DTOs of seed §6)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StrictBool, field_validator

from contracts.selection import MonthPick
from contracts.vocabulary import DbId


class Credentials(BaseModel):
    email: EmailStr
    password: str = Field(min_length=8, max_length=128)


class UserOut(BaseModel):
    id: int
    email: str


class AccountOut(UserOut):
    language: Literal["uk", "en"]
    email_notifications: bool


class AccountUpdate(BaseModel):
    """Only the fields sent change."""

    model_config = ConfigDict(extra="forbid")

    language: Literal["uk", "en"] | None = Field(default=None, description="the language of e-mails")
    email_notifications: StrictBool | None = Field(
        default=None, description="false: no reminders before a generation's variants expire")


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    user: UserOut


class PhotoOut(BaseModel):
    id: int
    url: str
    thumbnail_url: str
    width: int
    height: int
    size: int
    original_name: str | None
    checks: dict | None
    created_at: datetime


class TemplateOut(BaseModel):
    id: int
    name: str
    theme: str
    description: str
    category: str
    price: int
    preview_price: int
    currency: Literal["UAH"] = "UAH"
    color_scheme: list[str]
    preview_url: str


class ClientConfig(BaseModel):
    """Limits the web page needs to know before it talks to the API."""

    variant_count: int
    preview_variant_count: int
    max_photos_per_generation: int
    max_upload_bytes: int
    min_short_side: int
    max_regenerations: int
    selection_timeout_seconds: int
    accepted_types: list[str]


class GenerateCalendarRequest(BaseModel):
    template_id: DbId
    photo_ids: list[DbId]
    preview: bool = False
    year: int | None = Field(default=None, ge=2000, le=2100)
    locale: Literal["uk", "en"] = "uk"


class GenerationStarted(BaseModel):
    job_id: int
    workflow_id: str
    status: str
    status_url: str


class CalendarVariantDto(BaseModel):
    id: int
    variant_number: int
    attempt: int
    image_url: str
    thumbnail_url: str
    source_photo_id: int
    is_selected: bool
    month_number: int | None
    status: str
    score: float | None = None


class CalendarGenerationStatusDto(BaseModel):
    job_id: int
    status: str
    progress: int
    current_step: str | None
    generated_variants_count: int
    variant_count: int
    variants: list[CalendarVariantDto]
    generated_calendar_id: int | None
    template_id: int
    preview: bool
    created_at: datetime
    completed_at: datetime | None
    expires_at: datetime | None
    error: str | None
    cost_usd: float


class MonthSelection(BaseModel):
    variant_id: DbId
    month_number: int = Field(ge=1, le=12)

    def pick(self) -> MonthPick:
        return MonthPick(variant_id=self.variant_id, month_number=self.month_number)


class SelectCalendarVariantsRequest(BaseModel):
    selections: list[MonthSelection]


class RegenerateVariantRequest(BaseModel):
    custom_prompt: str | None = Field(default=None, min_length=3, max_length=500)


class RegenerationStarted(BaseModel):
    """The variant shows `regenerating` from this answer on, and `ready` with its new image when it is done."""

    job_id: int
    variant_id: int
    variant_status: Literal["regenerating"] = "regenerating"
    regenerations_left: int
    status_url: str


class CalendarMonthDto(BaseModel):
    month: int
    variant_id: int | None
    image_url: str
    thumbnail_url: str


class UserCalendarDto(BaseModel):
    id: int
    title: str
    year: int
    locale: str
    template_id: int
    job_id: int | None
    months: list[CalendarMonthDto]
    options: dict
    pdf_url: str | None
    page_urls: list[str]
    render_report: list | None
    created_at: datetime
    updated_at: datetime


class PersonalDateIn(BaseModel):
    date: date
    label: str = Field(min_length=1, max_length=60)


class CalendarUpdate(BaseModel):
    """Edits before ordering; every field is optional and only the fields sent change."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, max_length=80)
    year: int | None = Field(default=None, ge=2000, le=2100)
    locale: Literal["uk", "en"] | None = None
    page_size: Literal["A4", "A3", "Letter"] | None = None
    orientation: Literal["portrait", "landscape"] | None = None
    bleed: bool | None = None
    week_start: Literal["monday", "sunday"] | None = None
    week_numbers: bool | None = None
    personal_dates: list[PersonalDateIn] | None = Field(default=None, max_length=200)
    swap_months: tuple[int, int] | None = None

    @field_validator("swap_months")
    @classmethod
    def _two_different_months(cls, months: tuple[int, int] | None) -> tuple[int, int] | None:
        if months is not None:
            if not all(1 <= m <= 12 for m in months):
                raise ValueError(f"months must be between 1 and 12, got {list(months)}")
            if months[0] == months[1]:
                raise ValueError("swap_months needs two different months")
        return months


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stars: int = Field(ge=1, le=5, strict=True, description="1 (poor) to 5 (excellent)")
    comment: str | None = Field(default=None, max_length=2000)


class RatingOut(RatingIn):
    calendar_id: int
    updated_at: datetime
