"""The tables (SQLModel). Every row a customer can reach carries `user_id`, and every query is scoped by it.

Primary keys are typed `int` though they are None until the row's first flush: code reads ids only of rows it
loaded or flushed, and table models are not validated, so the None default never meets the annotation (the
column is NOT NULL either way).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from contracts.vocabulary import TERMINAL_STAGES, Stage
from contracts.vocabulary import LedgerKind as LedgerKind  # the kinds and statuses of rows below, re-exported
from contracts.vocabulary import ModelStatus as ModelStatus
from contracts.vocabulary import VariantStatus as VariantStatus


def utcnow() -> datetime:
    return datetime.now(UTC)


def _json_column(nullable: bool = False) -> Any:
    return Field(default=None, sa_column=Column(JSON, nullable=nullable))


class FileKind(StrEnum):
    photo = "photo"
    variant = "variant"
    thumbnail = "thumbnail"
    calendar = "calendar"
    page = "page"


# A job's status is the workflow's stage: one vocabulary from the workflow to the database to the API.
JobStatus = Stage
TERMINAL_JOB_STATUSES = TERMINAL_STAGES


class User(SQLModel, table=True):
    id: int = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    language: str = Field(default="uk", max_length=8)  # of the e-mails (uk, en)
    email_notifications: bool = True  # reminders before expiry; PATCH /api/me turns them off
    token_version: int = 0  # in every token (api.security); logout and a password reset increment it
    created_at: datetime = Field(default_factory=utcnow)
    # Set by the e-mailed confirmation link (or a completed password reset); until then the account cannot sign in.
    email_verified_at: datetime | None = None


class UploadedFile(SQLModel, table=True):
    __tablename__ = "uploaded_file"
    id: int = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    kind: str = Field(max_length=16, index=True)
    storage_key: str = Field(max_length=512, unique=True)
    thumbnail_key: str | None = Field(default=None, max_length=512)
    thumbnail_webp_key: str | None = Field(default=None, max_length=512)  # its WebP copy (services/web_images.py)
    content_type: str = Field(max_length=64)
    size: int
    width: int
    height: int
    sha256: str = Field(max_length=64, index=True)
    # The stored bytes' SHA-256 (a photo is normalized at upload, so `sha256`, the original file's, differs): what
    # the image provider is sent and names its copy by, so an account's erasure finds the copies without reading
    # every object again (services/erasure.sent_image_digests). None on rows stored before it was recorded.
    stored_sha256: str | None = Field(default=None, max_length=64)
    original_name: str | None = Field(default=None, max_length=255)
    checks: dict | None = _json_column(nullable=True)
    # Photos: every face found, largest first, as imaging.scoring.StoredFace (box and 128-d embedding); [] when
    # none; None until computed (the first generation using the photo computes it).
    faces: list | None = _json_column(nullable=True)
    # Images chosen for a calendar: an enlarged copy for print made by an AI upscaler (activities/print_upscale.py)
    # and how it was made, which the render report names. None: the renderer enlarges it classically if it must.
    print_key: str | None = Field(default=None, max_length=512)
    print_method: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class FluxModel(SQLModel, table=True):
    """A model trained on one user's photo set; the same set + base model is trained once and reused."""

    __tablename__ = "flux_model"
    __table_args__ = (sa.UniqueConstraint("user_id", "photo_set_hash", "provider", "base_model"),)
    id: int = Field(default=None, primary_key=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    provider: str = Field(max_length=32)
    base_model: str = Field(max_length=255)
    photo_set_hash: str = Field(max_length=64)
    trigger_word: str = Field(default="TOK", max_length=32)
    # Random, so that the provider's training found by it is this model's, whatever deployment or restore shares
    # the provider account (see imaging.providers.replicate's reconciliation).
    provider_tag: str = Field(default_factory=lambda: f"train-{uuid.uuid4().hex}", max_length=64)
    status: str = Field(default=ModelStatus.training, max_length=16)
    version_ref: str | None = Field(default=None, max_length=255)
    error: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Template(SQLModel, table=True):
    id: int = Field(default=None, primary_key=True)
    theme: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=100)
    description: str = ""
    category: str = Field(max_length=32)
    preview_key: str | None = Field(default=None, max_length=512)
    preview_webp_key: str | None = Field(default=None, max_length=512)  # its WebP copy (services/web_images.py)
    price_uah: int = Field(ge=0)
    sort_order: int = 0
    is_active: bool = Field(default=True, index=True)
    template_data: dict = Field(sa_column=Column(JSON, nullable=False))


class Training(SQLModel, table=True):
    id: int = Field(default=None, primary_key=True)
    flux_model_id: int = Field(foreign_key="flux_model.id", index=True)
    provider_ref: str | None = Field(default=None, max_length=128)
    status: str = Field(default=ModelStatus.training, max_length=16)
    cost_usd: float = 0.0
    error: str | None = None
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None


class Job(SQLModel, table=True):
    """One calendar generation: the database mirror of a CalendarGenerationWorkflow run."""

    # Ids are never reused (SQLite would otherwise hand out a deleted row's id again): a job id names one workflow.
    __table_args__ = (sa.UniqueConstraint("user_id", "idempotency_key", name="uq_job_user_id_idempotency_key"),
                      {"sqlite_autoincrement": True})
    id: int = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    template_id: int = Field(foreign_key="template.id")
    workflow_id: str | None = Field(default=None, max_length=128, unique=True)
    status: str = Field(default=JobStatus.pending, max_length=32, index=True)
    progress: int = 0
    current_step: str | None = Field(default=None, max_length=200)
    photo_ids: list = Field(sa_column=Column(JSON, nullable=False))
    variant_count: int
    preview: bool = False
    year: int
    locale: str = Field(default="uk", max_length=8)
    custom_prompt: str | None = Field(default=None, max_length=300)  # appended to the theme's prompt
    title: str | None = Field(default=None, max_length=80)  # the customer's; None: the theme's name (calendar_titles)
    needs_training: bool = True  # no trained model of these photos when it started: the estimate counts one in
    flux_model_id: int | None = Field(default=None, foreign_key="flux_model.id")
    calendar_id: int | None = None
    cost_usd: float = 0.0
    error: str | None = None
    expires_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    ready_at: datetime | None = None  # all variants ready for selection: the seed's "time to 24 variants" ends here
    completed_at: datetime | None = None
    price_kopiyky: int = 0  # reserved at the start, settled by the workflow (services/ledger.py)
    # The client's Idempotency-Key of the start: a repeated start with the same key answers this job.
    idempotency_key: str | None = Field(default=None, max_length=128)


class GeneratedCalendarVariant(SQLModel, table=True):
    __tablename__ = "generated_calendar_variant"
    __table_args__ = (sa.UniqueConstraint("job_id", "variant_number"),)
    id: int = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    job_id: int = Field(foreign_key="job.id", index=True)
    template_id: int = Field(foreign_key="template.id")
    source_photo_id: int = Field(foreign_key="uploaded_file.id")
    generated_file_id: int | None = Field(default=None, foreign_key="uploaded_file.id")
    variant_number: int
    attempt: int = 0
    status: str = Field(default=VariantStatus.generating, max_length=16)
    prompt: str = ""
    seed: int = 0
    # What the image was made from (photo, look, prompt, seed, model): equal keys are interchangeable images.
    cache_key: str | None = Field(default=None, max_length=64, index=True)
    score: float | None = None  # 0-100 (docs/scoring.md)
    # The scoring activity's measures (imaging.scoring.VariantMeasures, the attempt they are of, the guard's verdict).
    score_details: dict | None = _json_column(nullable=True)
    image_hash: str | None = Field(default=None, max_length=16)  # perceptual hash: near-duplicates
    recommended: bool = False  # one of the recommended 12
    suggested_month: int | None = Field(default=None, ge=1, le=12)
    suggested_season: str | None = Field(default=None, max_length=8)  # why that month: its palette's season
    likeness_note: str | None = Field(default=None, max_length=200)  # what the likeness guard did, for the customer
    # How long the provider took to make it (None: copied from the cache): the time estimate's measurements.
    synthesis_seconds: float | None = None
    cost_usd: float = 0.0
    provider_ref: str | None = Field(default=None, max_length=128)
    is_selected: bool = False
    month_number: int | None = None
    error: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    selected_at: datetime | None = None


class UserCalendar(SQLModel, table=True):
    __tablename__ = "user_calendar"
    id: int = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    job_id: int | None = Field(default=None, foreign_key="job.id", unique=True)
    template_id: int = Field(foreign_key="template.id")
    title: str = Field(default="", max_length=80)
    year: int
    locale: str = Field(default="uk", max_length=8)
    options: dict | None = _json_column(nullable=True)
    render_revision: int = 0  # every render writes new keys, so cached page images are never stale
    # Every edit increments `version` (compare-and-set: of two concurrent edits the second is refused); a render
    # records the version it drew, so `rendered_version < version` means a render in the worker is due or running.
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    rendered_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    render_error: str | None = None  # why the renderer refused `rendered_version` (None: it rendered)
    pdf_key: str | None = Field(default=None, max_length=512)
    page_keys: list | None = _json_column(nullable=True)
    page_webp_keys: list | None = _json_column(nullable=True)  # the pages' WebP copies; None for older renders
    render_report: list | None = _json_column(nullable=True)
    rendered_at: datetime | None = None
    # The end of the seed's conversion (generation → calendar → PDF downloaded), counted by the download route in
    # the row itself, so every API process agrees (ops/figures.py).
    pdf_downloads: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    pdf_first_downloaded_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class CalendarRating(SQLModel, table=True):
    """The customer's satisfaction with one calendar (the seed's "customer satisfaction"); one per calendar."""

    __tablename__ = "calendar_rating"
    id: int = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    calendar_id: int = Field(foreign_key="user_calendar.id", unique=True)
    stars: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=2000)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class CalendarMonth(SQLModel, table=True):
    __tablename__ = "calendar_month"
    __table_args__ = (sa.UniqueConstraint("calendar_id", "month"),)
    id: int = Field(default=None, primary_key=True)
    calendar_id: int = Field(foreign_key="user_calendar.id", index=True)
    month: int = Field(ge=1, le=12)
    variant_id: int | None = Field(default=None, foreign_key="generated_calendar_variant.id")
    file_id: int = Field(foreign_key="uploaded_file.id")


class WebhookEvent(SQLModel, table=True):
    """A signed provider webhook, stored once per delivery id: what the provider last said about a job.

    Waiting activities read the newest final status of their job from here instead of waiting for their next poll.
    """

    __tablename__ = "webhook_event"
    id: int = Field(default=None, primary_key=True)
    webhook_id: str = Field(max_length=128, unique=True)  # the same across the provider's retries of one delivery
    provider_ref: str = Field(max_length=128, index=True)  # the prediction or training id
    kind: str = Field(max_length=16)  # prediction | training
    status: str = Field(max_length=32)
    payload: dict = Field(sa_column=Column(JSON, nullable=False))  # the job as sent, without its input and logs
    received_at: datetime = Field(default_factory=utcnow, index=True)  # pruned by age (activities.reconciler)


class LedgerEntry(SQLModel, table=True):
    """One movement of a customer's money, never changed or deleted: the balance is the sum of the amounts.

    `idempotency_key` is unique, so a retried activity or request writes its entry once (e.g. `charge:7`)."""

    __tablename__ = "ledger_entry"
    id: int = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    kind: str = Field(max_length=16)
    amount_kopiyky: int  # signed: + credits the balance, - debits it
    job_id: int | None = Field(default=None, foreign_key="job.id", index=True)
    idempotency_key: str = Field(max_length=160, unique=True)
    note: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow, index=True)


class Quote(SQLModel, table=True):
    """A price promised for a generation until `expires_at`; a start that names it pays that price."""

    id: int = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    template_id: int = Field(foreign_key="template.id")
    photo_ids: list = Field(sa_column=Column(JSON, nullable=False))
    preview: bool = False
    price_kopiyky: int
    estimated_cost_usd: float = 0.0  # ours, never shown to the customer
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
