"""The activities' contracts: one typed stub per activity.

The workflow calls these stubs (`workflow.execute_activity(activities.generate_variant, ...)`), so every call is
type-checked and the workflow never imports database or provider code. The real activities (`activities/`) and the
test fakes (`tests/workflows/fake_activities.py`) implement them under the same names with `@implements(stub)`;
`tests/contracts/test_activity_contracts.py` checks that their signatures agree.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

from temporalio import activity

from contracts.messages import (
    DeleteVariantsInput,
    FinalizeInput,
    FinalizeResult,
    GenerateVariantInput,
    GenerationPlan,
    JobRef,
    JobUpdate,
    Notification,
    PlanRequest,
    PrintUpscaleInput,
    PrintUpscaleResult,
    RecommendationResult,
    ReconcileReport,
    ReferenceFaces,
    ReferenceFacesInput,
    RegenerationCharge,
    RegenerationMark,
    RenderInput,
    ScoreVariantInput,
    SettlementRequest,
    SettlementResult,
    TrainedModel,
    TrainModelInput,
    VariantFailure,
    VariantResult,
    VariantScore,
)

F = TypeVar("F", bound=Callable[..., Any])


class FailureType(StrEnum):
    """`ApplicationError.type`s the activities raise and the workflow's retry policies and logic act on."""

    invalid_input = "InvalidInput"  # no retry can fix it (a missing row, someone else's id)
    content_rejected = "ContentRejected"  # the provider refused this image: a fresh attempt (new seed) may pass
    provider_job_failed = "ProviderJobFailed"  # a paid job ended without a result: a fresh attempt may succeed
    provider_account = "ProviderAccountError"  # 401/402/403: a person must fix the token or the credit
    provider_unavailable = "ProviderError"  # timeouts, 5xx, 429: retried, resuming the same paid job
    insufficient_credit = "InsufficientCredit"  # the customer's balance does not cover a paid step


def implements(stub: Callable[..., Any]) -> Callable[[F], F]:
    """Register an implementation under its contract's activity name."""
    return activity.defn(name=stub.__name__)


@activity.defn
async def load_generation_plan(request: PlanRequest) -> GenerationPlan:
    raise NotImplementedError


@activity.defn
async def train_model(request: TrainModelInput) -> TrainedModel:
    raise NotImplementedError


@activity.defn
async def generate_variant(request: GenerateVariantInput) -> VariantResult:
    raise NotImplementedError


@activity.defn
async def mark_variant_failed(failure: VariantFailure) -> None:
    raise NotImplementedError


@activity.defn
async def mark_variant_regenerating(mark: RegenerationMark) -> None:
    raise NotImplementedError


@activity.defn
async def record_job_update(update: JobUpdate) -> None:
    raise NotImplementedError


@activity.defn
async def finalize_calendar(request: FinalizeInput) -> FinalizeResult:
    raise NotImplementedError


@activity.defn
async def delete_variants(request: DeleteVariantsInput) -> int:
    raise NotImplementedError


@activity.defn
async def render_calendar(request: RenderInput) -> None:
    raise NotImplementedError


@activity.defn
async def upscale_selected(request: PrintUpscaleInput) -> PrintUpscaleResult:
    """Provider queue: the calendar's images that are too small for print enlarged by the provider's AI upscaler
    (paid, idempotent); nothing with a provider that has none."""
    raise NotImplementedError


@activity.defn
async def send_notification(notification: Notification) -> bool:
    """True when a message went out (or into the outbox folder); False when it no longer applies."""
    raise NotImplementedError


@activity.defn
async def prepare_reference_faces(request: ReferenceFacesInput) -> ReferenceFaces:
    """Scoring queue: the customer's face embeddings, computed once per photo and stored with it."""
    raise NotImplementedError


@activity.defn
async def settle_generation(request: SettlementRequest) -> SettlementResult:
    """Charge the delivered share of the job's reservation and give the rest back (once, whatever the retries)."""
    raise NotImplementedError


@activity.defn
async def score_variant(request: ScoreVariantInput) -> VariantScore:
    """Scoring queue: the variant's 0-100 score and components, stored on its row."""
    raise NotImplementedError


@activity.defn
async def charge_regeneration(charge: RegenerationCharge) -> None:
    """Fails with InsufficientCredit when the balance does not cover it."""
    raise NotImplementedError


@activity.defn
async def recommend_variants(request: JobRef) -> RecommendationResult:
    """The recommended 12 and their months, stored on the variants' rows."""
    raise NotImplementedError


@activity.defn
async def refund_regeneration(charge: RegenerationCharge) -> None:
    raise NotImplementedError


@activity.defn
async def reconcile_jobs() -> ReconcileReport:
    raise NotImplementedError


GENERATION_ACTIVITIES = (load_generation_plan, train_model, generate_variant, mark_variant_failed,
                         mark_variant_regenerating, record_job_update, finalize_calendar, delete_variants,
                         render_calendar, send_notification, prepare_reference_faces, score_variant,
                         recommend_variants, settle_generation, charge_regeneration, refund_regeneration,
                         upscale_selected)
ALL = (*GENERATION_ACTIVITIES, reconcile_jobs)
