"""Bodies of making a calendar: photos, themes, quotes, generations and their variants, calendars, ratings, the
balance."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.schemas.examples import EXAMPLE_TIME, example
from contracts.messages import LikenessNote
from contracts.prompts import MAX_CUSTOM_PROMPT
from contracts.selection import MonthPick
from contracts.vocabulary import DbId, LedgerKind, Stage, VariantStatus
from imaging.recommend import Season


def _thumbnail_webp() -> Any:
    return Field(default=None, description="the thumbnail's WebP copy for `<picture>` (the JPEG stays the fallback); "
                                           "None where none is stored (docs/media.md)")


class PhotoOut(BaseModel):
    model_config = example(id=1, url="/media/users/1/photos/ab12.jpg?expires=1764842400&signature=9f1c",
                            thumbnail_url="/media/users/1/photos/ab12.thumb.jpg?expires=1764842400&signature=77ad",
                            width=3024, height=4032, size=2811904, original_name="beach.jpg",
                            checks={"faces": 1, "warnings": []}, created_at=EXAMPLE_TIME)

    id: int
    url: str
    thumbnail_url: str
    thumbnail_webp_url: str | None = _thumbnail_webp()
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
    preview_webp_url: str | None = Field(default=None, description="the preview's WebP copy for `<picture>`; None "
                                                                   "where none is stored (docs/media.md)")


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


class QuoteRequest(BaseModel):
    model_config = example(template_id=1, photo_ids=[1, 2, 3], preview=False)

    template_id: DbId
    photo_ids: list[DbId]
    preview: bool = False


class QuoteOut(BaseModel):
    model_config = example(quote_id=5, template_id=1, photo_ids=[1, 2, 3], preview=False, variant_count=24,
                            price_uah=849.0, model="train", eta_seconds=1920, balance_uah=3000.0,
                            valid_until="2026-12-04T10:15:00Z")

    quote_id: int = Field(description="send it with POST /api/calendars/generate to pay exactly this price")
    template_id: int
    photo_ids: list[int]
    preview: bool
    variant_count: int
    price_uah: float = Field(description="reserved at the start; charged when the variants are delivered")
    model: Literal["train", "reuse"] = Field(description="whether a model is trained on the photos or reused")
    eta_seconds: int = Field(description="estimated time until the variants are ready")
    balance_uah: float = Field(description="the caller's balance now")
    valid_until: datetime


class GenerateCalendarRequest(QuoteRequest):
    model_config = example(template_id=1, photo_ids=[1, 2, 3], preview=False, year=2027, locale="uk", quote_id=5,
                            title="Our year")

    year: int | None = Field(default=None, ge=2000, le=2100)
    locale: Literal["uk", "en"] = "uk"
    custom_prompt: str | None = Field(
        default=None, min_length=3, max_length=MAX_CUSTOM_PROMPT,
        description="your own words, appended to the theme's prompt for every variant; some words are refused "
                    "(422 `custom_prompt_refused`, docs/scoring.md)")
    title: str | None = Field(default=None, max_length=80, description="printed on the cover above the year; "
                              "empty or left out: the theme's name in the calendar's language")
    quote_id: DbId | None = Field(default=None, description="a quote of the caller's for this very generation: its "
                                                            "price is reserved (without: today's price)")


class LedgerEntryOut(BaseModel):
    kind: LedgerKind
    amount_uah: float = Field(description="+ credits the balance, - debits it")
    job_id: int | None
    created_at: datetime
    note: str


class AccountBalanceOut(BaseModel):
    model_config = example(balance_uah=2151.0, entries=[
        {"kind": "reservation", "amount_uah": -849.0, "job_id": 7, "created_at": EXAMPLE_TIME,
         "note": "generation 7: reserved"},
        {"kind": "top_up", "amount_uah": 3000.0, "job_id": None, "created_at": EXAMPLE_TIME, "note": "welcome credit"}])

    balance_uah: float
    entries: list[LedgerEntryOut] = Field(description="newest first")


class GenerationStarted(BaseModel):
    model_config = example(job_id=7, workflow_id="calendar-generation-7", status="pending",
                            status_url="/api/calendars/generate/7/status", eta_seconds=95, needs_training=True)

    job_id: int
    workflow_id: str
    status: Stage
    status_url: str
    eta_seconds: int | None = Field(default=None, description="on a start: estimated seconds until the variants "
                                    "are ready, from the provider's measured latencies (services/eta.py)")
    needs_training: bool | None = Field(default=None, description="on a start: no model is trained on these "
                                        "photos yet, so the estimate counts a training in")


class ScoreDetailsDto(BaseModel):
    """The score's components, each 0 (bad) … 1 (good); docs/scoring.md says how each is measured and weighed."""

    likeness: float | None = Field(description="how close the variant's best face is to your photos' faces; "
                                               "null when your photos show no face")
    face: float = Field(description="a face is there and large enough to carry the page")
    framing: float = Field(description="share of the face inside the part of the image the month page prints")
    sharpness: float
    exposure: float = Field(description="neither too dark nor too bright, little clipping")
    colour: float = Field(description="colourfulness")
    uniqueness: float = Field(description="0 when it nearly repeats a better variant of this generation")


class CalendarVariantDto(BaseModel):
    id: int
    variant_number: int
    attempt: int
    image_url: str
    thumbnail_url: str
    thumbnail_webp_url: str | None = _thumbnail_webp()
    source_photo_id: int
    is_selected: bool
    month_number: int | None
    status: VariantStatus
    score: float | None = Field(default=None, ge=0, le=100,
                                description="0-100 quality and likeness score; null until the variant is scored")
    score_details: ScoreDetailsDto | None = None
    recommended: bool = Field(default=False, description="one of the recommended 12")
    suggested_month: int | None = Field(default=None, ge=1, le=12,
                                        description="the month a recommended variant suits (12 distinct months)")
    suggested_season: Season | None = Field(
        default=None, description="why that month: the season its palette (warmth, brightness) suits")
    likeness_note: LikenessNote | None = Field(
        default=None, description="what the likeness guard did: `replacing_*` (a fresh image is being made), "
                                  "`kept_*` (no automatic replacement left: may not look like you), `replaced_*` "
                                  "(this image replaced one that showed no face / did not look like you)")


class CalendarGenerationStatusDto(BaseModel):
    model_config = example(
        job_id=7, status="ready_for_selection", progress=80, current_step="choose 12 variants",
        generated_variants_count=24, variant_count=24,
        variants=[{"id": 31, "variant_number": 1, "attempt": 0, "image_url": "/media/users/1/variants/31.jpg?...",
                   "thumbnail_url": "/media/users/1/variants/31.thumb.jpg?...", "source_photo_id": 1,
                   "is_selected": False, "month_number": None, "status": "ready", "score": 82.5,
                   "recommended": True, "suggested_month": 7, "suggested_season": "summer"}],
        generated_calendar_id=None, template_id=1, preview=False, created_at=EXAMPLE_TIME, completed_at=None,
        expires_at="2026-12-11T10:00:00Z", error=None, error_code=None, price_uah=849.0, eta_seconds=None)

    job_id: int
    status: Stage
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
    error: str | None = Field(description="what went wrong, as a sentence for the customer (see `error_code`)")
    error_code: str | None = Field(default=None, description="stable code of `error` (docs/api.md); what the "
                                                             "provider said is logged, never shown")
    title: str | None = Field(default=None, description="the title the customer chose; null: the theme's name in "
                              "the calendar's language")
    year: int | None = None
    locale: str | None = None
    eta_seconds: int | None = Field(default=None, description="estimated seconds until the variants are ready "
                                    "(or, while finalizing, the calendar); null while waiting for the choice or "
                                    "once finished")
    price_uah: float = Field(description="reserved at the start (GET /api/account shows what was charged)")


class MonthSelection(BaseModel):
    variant_id: DbId
    month_number: int = Field(ge=1, le=12)

    def pick(self) -> MonthPick:
        return MonthPick(variant_id=self.variant_id, month_number=self.month_number)


class SelectCalendarVariantsRequest(BaseModel):
    model_config = example(selections=[{"variant_id": 31 + month, "month_number": month} for month in range(1, 13)])

    selections: list[MonthSelection]


class RegenerateVariantRequest(BaseModel):
    custom_prompt: str | None = Field(default=None, min_length=3, max_length=MAX_CUSTOM_PROMPT,
                                      description="appended to the theme's prompt (and to the one given at start)")


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
    thumbnail_webp_url: str | None = _thumbnail_webp()


class CalendarRenderStatus(StrEnum):
    ready = "ready"
    rendering = "rendering"
    render_failed = "render_failed"


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
    page_urls: list[str] = Field(description="the page previews (cover first) through the API: need the bearer token")
    preview_urls: list[str] = Field(description="the same previews as signed links for <img src>, cacheable by a "
                                                "browser or CDN (docs/media.md)")
    preview_webp_urls: list[str] = Field(default_factory=list, description="the previews' WebP copies, in the same "
                                         "order, for `<picture>`; empty for calendars rendered before copies existed")
    cover_thumbnail_url: str | None = Field(default=None, description="the rendered cover, small (signed link); "
                                            "calendars rendered before it existed fall back to preview_urls[0]")
    render_report: list | None
    version: int = Field(description="the edit version; send it back with an edit (`If-Match` or `version`)")
    status: CalendarRenderStatus = Field(
        description="`rendering`: an edit is being rendered by the worker (the URLs still show the previous render; "
                    "poll until `ready`); `render_failed`: the renderer refused this version (`render_error` says "
                    "why; edit again)")
    render_error: str | None = None
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
    version: int | None = Field(default=None, ge=1, le=2**31 - 1,
                                description="the version this edit was made on (or the `If-Match` header)")

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
