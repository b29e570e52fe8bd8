"""The workflow's contracts: one pydantic model per input, signal, query result and activity message.

Only ids, storage keys and small values travel here — never image bytes (history payloads stay small).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, Field

WORKFLOW_NAME = "CalendarGenerationWorkflow"
MONTHS = range(1, 13)


DEFAULT_WORKFLOW_ID_PREFIX = "calendar-generation"


def workflow_id_for(job_id: int, prefix: str = DEFAULT_WORKFLOW_ID_PREFIX) -> str:
    return f"{prefix}-{job_id}"


class Stage(StrEnum):
    """The customer-visible status of a generation (the seed's CalendarGenerationStatusDto.status)."""

    pending = "pending"
    training = "training"
    generating = "generating"
    ready_for_selection = "ready_for_selection"
    finalizing = "finalizing"
    completed = "completed"
    failed = "failed"
    expired = "expired"
    cancelled = "cancelled"


class GenerationInput(BaseModel):
    job_id: int
    user_id: int
    template_id: int
    photo_ids: list[int] = Field(min_length=1)
    variant_count: int = Field(default=24, ge=1, le=48)
    max_parallel: int = Field(default=4, ge=1)
    selection_timeout: timedelta = timedelta(days=7)
    max_regenerations: int = Field(default=6, ge=0)
    max_variant_replacements: int = Field(default=2, ge=0)
    preview: bool = False
    year: int
    locale: str = "uk"
    # Training and synthesis run on their own task queue, so one rate limit caps provider calls across workers.
    provider_task_queue: str | None = None
    # How soon a provider activity on a dead worker is retried elsewhere (it heartbeats every second or two).
    heartbeat_timeout: timedelta = timedelta(minutes=1)


class MonthSelection(BaseModel):
    variant_id: int = Field(ge=1, le=2**31 - 1)
    month_number: int = Field(ge=1, le=12)


class Selection(BaseModel):
    """The `select` signal: one variant for each of the 12 months."""

    selections: list[MonthSelection]


def selection_problem(selections: list[MonthSelection], *, allow_repeats: bool = False) -> str | None:
    """Why a selection cannot make a calendar, in words a person can act on; None when it can.

    `allow_repeats` is for preview generations: 6 variants may fill 12 months.
    """
    if len(selections) != 12:
        return f"must select exactly 12 variants (one per month), got {len(selections)}"
    months = sorted(s.month_number for s in selections)
    if months != list(MONTHS):
        missing = sorted(set(MONTHS) - set(months))
        return f"every month 1-12 must be chosen exactly once; missing months: {missing}"
    if not allow_repeats and len({s.variant_id for s in selections}) != 12:
        return "each variant may be used for one month only"
    return None


class RegenerateRequest(BaseModel):
    """The `regenerate` signal: replace one variant, optionally with the customer's own prompt."""

    variant_id: int
    custom_prompt: str | None = Field(default=None, max_length=500)


class VariantView(BaseModel):
    variant_id: int
    variant_number: int
    status: str


class GenerationStatus(BaseModel):
    """The `status` query result."""

    job_id: int
    stage: Stage
    progress: int
    current_step: str
    variants_ready: int
    variant_count: int
    regenerations_left: int
    calendar_id: int | None = None
    error: str | None = None
    variants: list[VariantView] = Field(default_factory=list)


class GenerationResult(BaseModel):
    job_id: int
    stage: Stage
    calendar_id: int | None = None
    error: str | None = None


# --- activity messages -------------------------------------------------------------------------------------


class PromptConfig(BaseModel):
    theme: str
    base_prompt: str
    negative_prompt: str
    style_strength: float
    steps: int
    color_scheme: list[str]


class GenerationPlan(BaseModel):
    """What the workflow needs to know, loaded once from the database by `load_generation_plan`."""

    theme: str
    prompt: PromptConfig
    photo_ids: list[int]
    photo_set_hash: str


class TrainModelInput(BaseModel):
    job_id: int
    user_id: int
    photo_ids: list[int]
    photo_set_hash: str


class TrainedModel(BaseModel):
    flux_model_id: int
    model_ref: str
    reused: bool


class VariantSlot(BaseModel):
    """Which variant of which job, and which attempt at it."""

    job_id: int
    user_id: int
    template_id: int
    variant_number: int
    attempt: int
    source_photo_id: int


class GenerateVariantInput(VariantSlot):
    model_ref: str
    prompt: PromptConfig
    variation: str
    custom_prompt: str | None = None
    seed: int
    preview: bool = False


class VariantResult(BaseModel):
    variant_id: int
    variant_number: int
    attempt: int


class VariantFailure(VariantSlot):
    error: str


class JobUpdate(BaseModel):
    job_id: int
    stage: Stage
    progress: int
    current_step: str
    error: str | None = None
    flux_model_id: int | None = None
    calendar_id: int | None = None
    expires_at: datetime | None = None


class FinalizeInput(BaseModel):
    job_id: int
    user_id: int
    template_id: int
    year: int
    locale: str
    selection: Selection


class FinalizeResult(BaseModel):
    calendar_id: int


class DeleteVariantsInput(BaseModel):
    job_id: int
    keep_selected: bool


class RenderInput(BaseModel):
    calendar_id: int
