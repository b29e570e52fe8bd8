"""The workflow's scoring steps (docs/scoring.md): reference faces, a score per variant, the likeness guard and
the recommended 12. Decisions only; the work is in the scoring activities (a CPU task queue of its own).

Runs that started before scoring existed replay without it: the workflow creates a `VariantScoring` only when
`workflow.patched(PATCH_VARIANT_SCORING)`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import timedelta
from typing import TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, CancelledError

with workflow.unsafe.imports_passed_through():
    from contracts import activities as act
    from contracts.messages import (
        JobRef,
        LikenessProblem,
        ReferenceFaces,
        ReferenceFacesInput,
        ScoreVariantInput,
        VariantResult,
        VariantScore,
    )
    from workflows.models import GenerationInput
    from workflows.steps import reason

PATCH_VARIANT_SCORING = "variant-scoring"
PATCH_REFERENCES_BESIDE_TRAINING = "references-beside-training"
PATCH_BUDGET_AFTER_SCORE = "replacement-budget-after-score"
# Reading the photos and running the face model: a few seconds per photo at most. The activities heartbeat too, so
# a worker killed mid-score is noticed within the generation's heartbeat timeout, not after these minutes.
SCORING_TIMEOUT = timedelta(minutes=5)

Result = TypeVar("Result")


async def _optional(step: Awaitable[Result], what: str) -> Result | None:
    """Scoring helps the customer choose; it never fails a generation. None when the step failed for good."""
    try:
        return await step
    except ActivityError as err:
        if isinstance(err.cause, CancelledError):
            raise
        workflow.logger.warning("%s failed, the generation goes on without it: %s", what, reason(err))
        return None


class VariantScoring:
    def __init__(self, input: GenerationInput, retry: RetryPolicy) -> None:
        self._input = input
        self._retry = retry
        self._replacements_left = input.likeness_replacements
        # variant number -> why the guard replaced an earlier attempt of it
        self._replaced_because: dict[int, LikenessProblem] = {}
        # The reference faces being found (runs since the patch below): the first score waits for them.
        self._references: asyncio.Future[ReferenceFaces | None] | None = None

    async def prepare_references(self, photo_ids: list[int]) -> None:
        step = _optional(workflow.execute_activity(
            act.prepare_reference_faces, ReferenceFacesInput(
                job_id=self._input.job_id, user_id=self._input.user_id, photo_ids=photo_ids),
            task_queue=self._input.scoring_task_queue, retry_policy=self._retry,
            heartbeat_timeout=self._input.heartbeat_timeout,
            start_to_close_timeout=SCORING_TIMEOUT, schedule_to_close_timeout=self._input.retry.outage_tolerance,
            summary=f"reference faces of {len(photo_ids)} photos"), "reference faces")
        if workflow.patched(PATCH_REFERENCES_BESIDE_TRAINING):
            # The faces are found while the model trains instead of before it: with many customers at once the
            # scoring queue is busy, and a training need not wait in it; the first score waits for them instead.
            self._references = asyncio.ensure_future(step)
        else:
            await step

    async def needs_replacement(self, variant: VariantResult, *, attempts_left: bool) -> bool:
        """Score the variant; True when it doesn't show the customer and a fresh attempt is allowed — the budget is
        then spent by one. Past the budget (or the variant's attempts) the variant stays, flagged."""
        can_replace = attempts_left and self._replacements_left > 0
        score = await self._score(variant, can_replace=can_replace)
        if score is None or score.likeness_problem is None or not can_replace:
            return False
        if self._replacements_left <= 0 and workflow.patched(PATCH_BUDGET_AFTER_SCORE):
            # Several variants are scored at once (all of them wait on the reference faces at first): the others'
            # scores spent the budget while this one was measured. Every replacement is paid, so this variant
            # stays, flagged, and is told so (its score was asked for as one that could be replaced).
            await self.keep(variant)
            return False
        self._replacements_left -= 1
        self._replaced_because[variant.variant_number] = score.likeness_problem
        workflow.logger.info("variant %s replaced: %s", variant.variant_number, score.likeness_problem)
        return True

    async def keep(self, variant: VariantResult) -> None:
        """Every fresh attempt for a variant sent back was refused by the provider: it stays, and says so."""
        await self._score(variant, can_replace=False)

    async def _score(self, variant: VariantResult, *, can_replace: bool) -> VariantScore | None:
        if self._references is not None:
            await self._references  # at once, once they are found
        return await _optional(workflow.execute_activity(
            act.score_variant, ScoreVariantInput(
                job_id=self._input.job_id, user_id=self._input.user_id, variant_id=variant.variant_id,
                attempt=variant.attempt, can_replace=can_replace,
                replaced_because=self._replaced_because.get(variant.variant_number)),
            task_queue=self._input.scoring_task_queue, retry_policy=self._retry,
            heartbeat_timeout=self._input.heartbeat_timeout,
            start_to_close_timeout=SCORING_TIMEOUT, schedule_to_close_timeout=self._input.retry.outage_tolerance,
            summary=f"score variant {variant.variant_number}, attempt {variant.attempt}"), "scoring")

    async def recommend(self) -> None:
        await _optional(workflow.execute_activity(
            act.recommend_variants, JobRef(job_id=self._input.job_id, user_id=self._input.user_id),
            retry_policy=self._retry, start_to_close_timeout=timedelta(seconds=60),
            schedule_to_close_timeout=self._input.retry.outage_tolerance), "recommendation")
