"""In-memory stand-ins for the activities, registered under the real activity names.

They record every call, so tests can assert what the workflow asked for and in which order, and they measure
how many syntheses run at once (the parallel bound).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from temporalio import activity
from temporalio.exceptions import ApplicationError

from contracts import activities as contract
from contracts.activities import FailureType, implements
from contracts.messages import (
    DeleteVariantsInput,
    FinalizeInput,
    FinalizeResult,
    GenerateVariantInput,
    GenerationPlan,
    JobRef,
    JobUpdate,
    LikenessProblem,
    Notification,
    PlanRequest,
    PrintUpscaleInput,
    PrintUpscaleResult,
    PromptConfig,
    RecommendationResult,
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

VARIANT_ID_BASE = 100


def variant_id(number: int) -> int:
    return VARIANT_ID_BASE + number


@dataclass
class FakeActivities:
    synthesis_seconds: float = 0.01
    fail_training: bool = False
    # (variant number, attempt) pairs whose synthesis fails for good
    rejected: set[tuple[int, int]] = field(default_factory=set)
    reject_all: bool = False
    updates: list[JobUpdate] = field(default_factory=list)
    marks: list[RegenerationMark] = field(default_factory=list)
    generated: list[GenerateVariantInput] = field(default_factory=list)
    failures: list[VariantFailure] = field(default_factory=list)
    deletions: list[DeleteVariantsInput] = field(default_factory=list)
    finalized: list[FinalizeInput] = field(default_factory=list)
    rendered: list[int] = field(default_factory=list)
    # (calendar id, how many renders had happened by then): the print upscale comes before the render
    upscaled: list[tuple[int, int]] = field(default_factory=list)
    fail_upscale: bool = False  # the provider refuses the upscale for good
    running: int = 0
    max_running: int = 0
    generation_gate: asyncio.Event | None = None  # when given, syntheses wait for it ...
    gate_from_attempt: int = 0  # ... those of this attempt on (1: only replacements and regenerations)
    finalize_gate: asyncio.Event | None = None  # when given, finalize_calendar waits for it
    training_gate: asyncio.Event | None = None  # when given, train_model waits for it
    references_gate: asyncio.Event | None = None  # when given, prepare_reference_faces waits for it
    account_refused: bool = False  # every synthesis: the provider refuses our account (HTTP 402)
    # variant number -> how many times its synthesis fails the way an outage does (retried, not replaced)
    outages: dict[int, int] = field(default_factory=dict)
    fail_render: bool = False
    notifications: list[Notification] = field(default_factory=list)
    fail_mail: bool = False  # every e-mail fails for good (the SMTP server refuses the message)
    # (variant number, attempt) pairs whose image shows no face: the likeness guard flags them
    faceless: set[tuple[int, int]] = field(default_factory=set)
    scored: list[ScoreVariantInput] = field(default_factory=list)
    recommendations: int = 0
    settlements: list[SettlementRequest] = field(default_factory=list)
    regeneration_charges: list[int] = field(default_factory=list)  # ordinals charged
    regeneration_refunds: list[int] = field(default_factory=list)
    balance_short: bool = False  # every paid regeneration is refused: the customer's balance is too low
    # The first try of the first job update hangs without a beat, as a step does whose worker was killed under it
    dead_worker_update: bool = False

    @property
    def stages(self) -> list[str]:
        stages: list[str] = []
        for update in self.updates:
            if not stages or stages[-1] != update.stage:
                stages.append(update.stage)
        return stages

    def all(self) -> list[Callable]:
        return [self.load_generation_plan, self.train_model, self.generate_variant, self.mark_variant_failed,
                self.mark_variant_regenerating, self.record_job_update, self.finalize_calendar,
                self.delete_variants, self.render_calendar, self.send_notification, self.prepare_reference_faces,
                self.score_variant, self.recommend_variants, self.settle_generation, self.charge_regeneration,
                self.refund_regeneration, self.upscale_selected]

    @implements(contract.load_generation_plan)
    async def load_generation_plan(self, request: PlanRequest) -> GenerationPlan:
        prompt = PromptConfig(theme="vintage", base_prompt="vintage retro photography", negative_prompt="modern",
                              style_strength=0.8, steps=30, color_scheme=["#78350F"])
        return GenerationPlan(theme="vintage", prompt=prompt, photo_ids=request.photo_ids, photo_set_hash="abc")

    @implements(contract.train_model)
    async def train_model(self, request: TrainModelInput) -> TrainedModel:
        if self.training_gate is not None:
            await self.training_gate.wait()
        if self.fail_training:
            raise ApplicationError("the photos could not be used for training: no faces",
                                   type=FailureType.content_rejected, non_retryable=True)
        return TrainedModel(flux_model_id=1, model_ref="local:abc", reused=False)

    @implements(contract.generate_variant)
    async def generate_variant(self, request: GenerateVariantInput) -> VariantResult:
        self.generated.append(request)
        self.running += 1
        self.max_running = max(self.max_running, self.running)
        try:
            if self.generation_gate is not None and request.attempt >= self.gate_from_attempt:
                await self.generation_gate.wait()
            await asyncio.sleep(self.synthesis_seconds)
        finally:
            self.running -= 1
        if self.account_refused:
            raise ApplicationError("Replicate refused our account (HTTP 402): add credit",
                                   type=FailureType.provider_account, non_retryable=True)
        if self.outages.get(request.variant_number, 0) > 0:
            self.outages[request.variant_number] -= 1
            raise ApplicationError("connection refused: the database is down", type="OperationalError")
        if self.reject_all or (request.variant_number, request.attempt) in self.rejected:
            raise ApplicationError("NSFW content detected", type=FailureType.content_rejected, non_retryable=True)
        return VariantResult(variant_id=variant_id(request.variant_number), variant_number=request.variant_number,
                             attempt=request.attempt)

    @implements(contract.mark_variant_failed)
    async def mark_variant_failed(self, failure: VariantFailure) -> None:
        self.failures.append(failure)

    @implements(contract.mark_variant_regenerating)
    async def mark_variant_regenerating(self, mark: RegenerationMark) -> None:
        self.marks.append(mark)

    @implements(contract.record_job_update)
    async def record_job_update(self, update: JobUpdate) -> None:
        if self.dead_worker_update and not self.updates and activity.info().attempt == 1:
            await asyncio.Event().wait()  # until this worker stops: the server has long retried it elsewhere
        self.updates.append(update)

    @implements(contract.finalize_calendar)
    async def finalize_calendar(self, request: FinalizeInput) -> FinalizeResult:
        self.finalized.append(request)
        if self.finalize_gate is not None:
            await self.finalize_gate.wait()
        return FinalizeResult(calendar_id=77)

    @implements(contract.delete_variants)
    async def delete_variants(self, request: DeleteVariantsInput) -> int:
        self.deletions.append(request)
        return 0

    @implements(contract.render_calendar)
    async def render_calendar(self, request: RenderInput) -> None:
        if self.fail_render:
            raise ApplicationError("month images are missing for month(s) 4", type=FailureType.invalid_input,
                                   non_retryable=True)
        self.rendered.append(request.calendar_id)

    @implements(contract.upscale_selected)
    async def upscale_selected(self, request: PrintUpscaleInput) -> PrintUpscaleResult:
        self.upscaled.append((request.calendar_id, len(self.rendered)))
        if self.fail_upscale:
            raise ApplicationError("NSFW content detected", type=FailureType.content_rejected, non_retryable=True)
        return PrintUpscaleResult(upscaled=12, method="AI upscaled (real-esrgan ×3)")

    @implements(contract.send_notification)
    async def send_notification(self, notification: Notification) -> bool:
        if self.fail_mail:
            raise ApplicationError("550 mailbox unavailable", type=FailureType.invalid_input, non_retryable=True)
        self.notifications.append(notification)
        return True

    @implements(contract.prepare_reference_faces)
    async def prepare_reference_faces(self, request: ReferenceFacesInput) -> ReferenceFaces:
        if self.references_gate is not None:
            await self.references_gate.wait()
        return ReferenceFaces(references=len(request.photo_ids), photos_without_face=0)

    @implements(contract.score_variant)
    async def score_variant(self, request: ScoreVariantInput) -> VariantScore:
        self.scored.append(request)
        faceless = (request.variant_id - VARIANT_ID_BASE, request.attempt) in self.faceless
        return VariantScore(variant_id=request.variant_id, attempt=request.attempt, score=10.0 if faceless else 80.0,
                            likeness_problem=LikenessProblem.no_face if faceless else None)

    @implements(contract.recommend_variants)
    async def recommend_variants(self, request: JobRef) -> RecommendationResult:
        self.recommendations += 1
        return RecommendationResult(recommended=[])

    @implements(contract.settle_generation)
    async def settle_generation(self, request: SettlementRequest) -> SettlementResult:
        # Like the real one: the first settlement of a job is the one that counts.
        first = next((s for s in self.settlements if s.job_id == request.job_id), None)
        self.settlements.append(request)
        delivered = (first or request).delivered
        return SettlementResult(charged_kopiyky=delivered, refunded_kopiyky=request.total - delivered)

    @implements(contract.charge_regeneration)
    async def charge_regeneration(self, charge: RegenerationCharge) -> None:
        if self.balance_short:
            raise ApplicationError("the balance is 5 ₴ and 20 ₴ is needed: top up 15 ₴ more",
                                   type=FailureType.insufficient_credit, non_retryable=True)
        self.regeneration_charges.append(charge.ordinal)

    @implements(contract.refund_regeneration)
    async def refund_regeneration(self, charge: RegenerationCharge) -> None:
        self.regeneration_refunds.append(charge.ordinal)
