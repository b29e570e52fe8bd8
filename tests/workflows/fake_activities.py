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

from workflows import activity_names as names
from workflows.models import (
    DeleteVariantsInput,
    FinalizeInput,
    FinalizeResult,
    GenerateVariantInput,
    GenerationInput,
    GenerationPlan,
    JobUpdate,
    PromptConfig,
    RenderInput,
    TrainedModel,
    TrainModelInput,
    VariantFailure,
    VariantResult,
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
    generated: list[GenerateVariantInput] = field(default_factory=list)
    failures: list[VariantFailure] = field(default_factory=list)
    deletions: list[DeleteVariantsInput] = field(default_factory=list)
    finalized: list[FinalizeInput] = field(default_factory=list)
    rendered: list[int] = field(default_factory=list)
    running: int = 0
    max_running: int = 0
    generation_gate: asyncio.Event | None = None  # when set, syntheses wait for it

    @property
    def stages(self) -> list[str]:
        stages: list[str] = []
        for update in self.updates:
            if not stages or stages[-1] != update.stage:
                stages.append(update.stage)
        return stages

    def all(self) -> list[Callable]:
        return [self.load_generation_plan, self.train_model, self.generate_variant, self.mark_variant_failed,
                self.record_job_update, self.finalize_calendar, self.delete_variants, self.render_calendar]

    @activity.defn(name=names.LOAD_GENERATION_PLAN)
    async def load_generation_plan(self, request: GenerationInput) -> GenerationPlan:
        prompt = PromptConfig(theme="vintage", base_prompt="vintage retro photography", negative_prompt="modern",
                              style_strength=0.8, steps=30, color_scheme=["#78350F"])
        return GenerationPlan(theme="vintage", prompt=prompt, photo_ids=request.photo_ids, photo_set_hash="abc")

    @activity.defn(name=names.TRAIN_MODEL)
    async def train_model(self, request: TrainModelInput) -> TrainedModel:
        if self.fail_training:
            raise ApplicationError("the photos could not be used for training: no faces", type="ContentRejected",
                                   non_retryable=True)
        return TrainedModel(flux_model_id=1, model_ref="local:abc", reused=False)

    @activity.defn(name=names.GENERATE_VARIANT)
    async def generate_variant(self, request: GenerateVariantInput) -> VariantResult:
        self.generated.append(request)
        self.running += 1
        self.max_running = max(self.max_running, self.running)
        try:
            if self.generation_gate is not None:
                await self.generation_gate.wait()
            await asyncio.sleep(self.synthesis_seconds)
        finally:
            self.running -= 1
        if self.reject_all or (request.variant_number, request.attempt) in self.rejected:
            raise ApplicationError("NSFW content detected", type="ContentRejected", non_retryable=True)
        return VariantResult(variant_id=variant_id(request.variant_number), variant_number=request.variant_number,
                             attempt=request.attempt)

    @activity.defn(name=names.MARK_VARIANT_FAILED)
    async def mark_variant_failed(self, failure: VariantFailure) -> None:
        self.failures.append(failure)

    @activity.defn(name=names.RECORD_JOB_UPDATE)
    async def record_job_update(self, update: JobUpdate) -> None:
        self.updates.append(update)

    @activity.defn(name=names.FINALIZE_CALENDAR)
    async def finalize_calendar(self, request: FinalizeInput) -> FinalizeResult:
        self.finalized.append(request)
        return FinalizeResult(calendar_id=77)

    @activity.defn(name=names.DELETE_VARIANTS)
    async def delete_variants(self, request: DeleteVariantsInput) -> int:
        self.deletions.append(request)
        return 0

    @activity.defn(name=names.RENDER_CALENDAR)
    async def render_calendar(self, request: RenderInput) -> None:
        self.rendered.append(request.calendar_id)
