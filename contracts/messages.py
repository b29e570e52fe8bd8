"""What travels between the workflow and its activities: one pydantic model per message.

Only ids, storage keys and small values travel here — never image bytes (history payloads stay small). Every
message about a job carries the job's `user_id` as well, and the activities check that they agree, so a wrong or
replayed id can never touch another customer's data.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel

from contracts.selection import MonthPick
from contracts.vocabulary import Stage


class JobRef(BaseModel):
    job_id: int
    user_id: int


class PlanRequest(JobRef):
    template_id: int
    photo_ids: list[int]


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


class TrainModelInput(JobRef):
    photo_ids: list[int]
    photo_set_hash: str


class TrainedModel(BaseModel):
    flux_model_id: int
    model_ref: str
    reused: bool


class VariantSlot(JobRef):
    """Which variant of which job, and which attempt at it."""

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


class RegenerationMark(JobRef):
    """A ready variant enters (`regenerating=True`) or leaves regeneration; `error` says why one failed."""

    variant_number: int
    regenerating: bool
    error: str | None = None


class JobUpdate(JobRef):
    stage: Stage
    progress: int
    current_step: str
    error: str | None = None
    flux_model_id: int | None = None
    calendar_id: int | None = None
    expires_at: datetime | None = None


class FinalizeInput(JobRef):
    template_id: int
    year: int
    locale: str
    selections: list[MonthPick]


class FinalizeResult(BaseModel):
    calendar_id: int


class DeleteVariantsInput(JobRef):
    keep_selected: bool


class RenderInput(BaseModel):
    calendar_id: int
    user_id: int | None = None  # checked against the calendar's owner when given


class PrintUpscaleInput(JobRef):
    calendar_id: int


class PrintUpscaleResult(BaseModel):
    """What the print upscale did to the calendar's images (activities/print_upscale.py)."""

    upscaled: int = 0  # paid for now (or adopted from a lost response)
    reused: int = 0  # a print copy already stored (a retry, or an image used before)
    sharp_enough: int = 0  # enough pixels of its own: nothing to do
    method: str | None = None  # None: the provider has no upscaler; the renderer enlarges classically
    cost_usd: float = 0.0


class AccountRef(BaseModel):
    """An account, by id and creation time: SQLite may give a later account the same id."""

    user_id: int
    created_at: datetime


class ProviderErasureInput(BaseModel):
    """What the image provider holds of one customer: found by their id and their photos' SHA-256."""

    user_id: int
    photo_sha256: list[str] = []


class ProviderErasureResult(BaseModel):
    provider: str
    versions_deleted: int = 0
    model_deleted: bool = False
    files_deleted: int = 0


class ReconcileReport(BaseModel):
    """What one pass of the job reconciler found and repaired."""

    checked: int = 0
    started: list[int] = []  # job rows whose workflow never started: started now
    closed: list[int] = []  # job rows left non-terminal by a workflow that had ended: given its outcome
    renders_requested: list[int] = []  # calendars whose edit was never rendered: their render signalled-with-start
    webhook_events_pruned: int = 0  # provider webhook events older than the retention, deleted


class NotificationKind(StrEnum):
    variants_ready = "variants_ready"  # every variant can be chosen now
    expiry_reminder = "expiry_reminder"  # the selection window closes soon (skipped after an opt-out)
    calendar_ready = "calendar_ready"  # the calendar's preview and PDF are ready


class Notification(JobRef):
    """An e-mail to the job's owner, in their language; `send_notification` decides whether it still applies."""

    kind: NotificationKind
    calendar_id: int | None = None
    expires_at: datetime | None = None


class ReferenceFacesInput(JobRef):
    photo_ids: list[int]


class ReferenceFaces(BaseModel):
    """How many of the customer's faces the variants are compared with (0: likeness is not judged)."""

    references: int
    photos_without_face: int


class LikenessProblem(StrEnum):
    """Why the likeness guard doubts a variant shows the customer."""

    no_face = "no_face"  # the customer's photos show a face, the variant none
    unlike = "unlike"  # its faces are all farther from the customer's than the calibrated threshold


class LikenessNote(StrEnum):
    """What the customer is told on a variant (the web page words each code; docs/scoring.md)."""

    replacing_no_face = "replacing_no_face"  # no face: a fresh image is being made
    replacing_unlike = "replacing_unlike"
    kept_no_face = "kept_no_face"  # no face, and no automatic replacement is left: kept, flagged
    kept_unlike = "kept_unlike"
    replaced_no_face = "replaced_no_face"  # this image replaced one that showed no face
    replaced_unlike = "replaced_unlike"


class ScoreVariantInput(JobRef):
    variant_id: int
    attempt: int
    # The workflow replaces a flagged variant only while its budget and the variant's attempts last; the activity
    # writes what the customer is told accordingly.
    can_replace: bool
    replaced_because: LikenessProblem | None = None  # why an earlier attempt was replaced automatically


class VariantScore(BaseModel):
    variant_id: int
    attempt: int
    score: float
    likeness_problem: LikenessProblem | None = None  # set when the variant does not clearly show the customer


class RecommendationResult(BaseModel):
    recommended: list[int]  # variant ids, in month order


class SettlementRequest(JobRef):
    """Settle the job's reservation: `delivered` of `total` variants (0: refunded in full)."""

    delivered: int
    total: int


class SettlementResult(BaseModel):
    charged_kopiyky: int
    refunded_kopiyky: int


class RegenerationCharge(JobRef):
    """The job's `ordinal`-th regeneration: charged `amount_kopiyky`, or (refund) given back."""

    ordinal: int
    amount_kopiyky: int = 0
