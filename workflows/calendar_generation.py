"""CalendarGenerationWorkflow: the customer's journey from photos to a finished calendar (seed steps 3-7).

1. training            — train (or reuse) a model on the customer's photos
2. generating          — 24 styled variants, never more than `max_parallel` at once; failures replaced
3. ready_for_selection — wait up to 7 days for the `select` signal; `regenerate` replaces single variants
4. finalizing          — the 12 chosen variants become a calendar; the rest are deleted
   (no selection in time → expired: every variant deleted; cancelled → the same clean-up)

All I/O happens in activities; this file only decides what happens next.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from collections.abc import Coroutine, Iterable
from typing import Any, NoReturn

from temporalio import workflow
from temporalio.workflow import ActivityCancellationType
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, CancelledError

with workflow.unsafe.imports_passed_through():
    from workflows import activity_names as act
    from workflows import search_attributes as sa
    from workflows.models import (
        WORKFLOW_NAME,
        DeleteVariantsInput,
        FinalizeInput,
        FinalizeResult,
        GenerateVariantInput,
        GenerationInput,
        GenerationPlan,
        GenerationResult,
        GenerationStatus,
        JobUpdate,
        RegenerateRequest,
        RenderInput,
        Selection,
        Stage,
        TrainedModel,
        TrainModelInput,
        VariantFailure,
        VariantResult,
        VariantSlot,
        VariantView,
        selection_problem,
    )
    from workflows.variations import variant_seed, variation_for

MIN_VARIANTS_FOR_CALENDAR = 12

DATABASE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30),
                             maximum_attempts=10)
TRAINING_RETRY = RetryPolicy(initial_interval=timedelta(seconds=10), maximum_interval=timedelta(minutes=5),
                             maximum_attempts=5, non_retryable_error_types=["ContentRejected", "InvalidInput"])
SYNTHESIS_RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), maximum_interval=timedelta(minutes=1),
                              maximum_attempts=4, non_retryable_error_types=["ContentRejected", "InvalidInput"])

STEP_TEXT = {
    Stage.pending: "Waiting to start",
    Stage.training: "Step 1 of 4: training the model on your photos",
    Stage.generating: "Step 2 of 4: generating variants ({ready}/{total})",
    Stage.ready_for_selection: "Step 3 of 4: choose 12 variants, one for each month",
    Stage.finalizing: "Step 4 of 4: creating your calendar",
    Stage.completed: "Your calendar is ready",
    Stage.expired: "Expired: no selection was made in time, the variants were deleted",
    Stage.cancelled: "Cancelled: the variants were deleted",
    Stage.failed: "Failed",
}


@workflow.defn(name=WORKFLOW_NAME)
class CalendarGenerationWorkflow:
    @workflow.init
    def __init__(self, input: GenerationInput) -> None:
        self._input = input
        self._stage = Stage.pending
        self._progress = 0
        self._slots = asyncio.Semaphore(input.max_parallel)
        self._plan: GenerationPlan | None = None
        self._model: TrainedModel | None = None
        self._variants: dict[int, VariantResult] = {}  # by variant number
        self._attempts: dict[int, int] = {}  # highest attempt started, by variant number
        self._pending_selection: Selection | None = None
        self._regenerations_used = 0
        self._calendar_id: int | None = None
        self._error: str | None = None

    @workflow.run
    async def run(self, input: GenerationInput) -> GenerationResult:
        try:
            self._plan = await self._activity(act.LOAD_GENERATION_PLAN, input, GenerationPlan)
            await self._enter(Stage.training)
            self._model = await self._train_model()

            await self._enter(Stage.generating)
            await _all(self._produce_variant(n) for n in range(1, input.variant_count + 1))
            needed = min(MIN_VARIANTS_FOR_CALENDAR, input.variant_count)
            if len(self._variants) < needed:
                await self._fail(f"only {len(self._variants)} of {input.variant_count} variants could be "
                                 f"generated; a calendar needs {needed}")

            selection = await self._await_selection()
            if selection is None:
                await workflow.wait_condition(workflow.all_handlers_finished)
                await self._delete_variants(keep_selected=False)
                await self._enter(Stage.expired)
                return self._result()

            await self._enter(Stage.finalizing)
            await self._finalize(selection)
            await self._enter(Stage.completed, progress=100)
            return self._result()
        except asyncio.CancelledError:
            # The customer (API DELETE) or an operator (Temporal UI) cancelled: clean up, then end as cancelled.
            await workflow.wait_condition(workflow.all_handlers_finished)
            await self._delete_variants(keep_selected=False)
            await self._enter(Stage.cancelled)
            raise
        except ActivityError as err:
            await self._fail(_reason(err))

    # --- signals and queries -----------------------------------------------------------------------------

    @workflow.signal
    def select(self, selection: Selection) -> None:
        # Held even when it arrives early: it is checked once every variant is known.
        self._pending_selection = selection

    @workflow.signal
    async def regenerate(self, request: RegenerateRequest) -> None:
        number = next((n for n, v in self._variants.items() if v.variant_id == request.variant_id), None)
        if self._stage != Stage.ready_for_selection or number is None:
            workflow.logger.warning("regenerate ignored: variant %s not ready in %s", request.variant_id, self._stage)
            return
        if self._regenerations_used >= self._input.max_regenerations:
            workflow.logger.warning("regenerate ignored: all %s regenerations used", self._input.max_regenerations)
            return
        self._regenerations_used += 1
        await self._produce_variant(number, custom_prompt=request.custom_prompt, replacing=True)

    @workflow.query
    def status(self) -> GenerationStatus:
        return GenerationStatus(
            job_id=self._input.job_id,
            stage=self._stage,
            progress=self._progress,
            current_step=self._step_text(self._stage),
            variants_ready=len(self._variants),
            variant_count=self._input.variant_count,
            regenerations_left=self._input.max_regenerations - self._regenerations_used,
            calendar_id=self._calendar_id,
            error=self._error,
            variants=[
                VariantView(variant_id=v.variant_id, variant_number=n, status="ready")
                for n, v in sorted(self._variants.items())
            ],
        )

    # --- the steps -------------------------------------------------------------------------------------------

    async def _train_model(self) -> TrainedModel:
        assert self._plan is not None
        request = TrainModelInput(job_id=self._input.job_id, user_id=self._input.user_id,
                                  photo_ids=self._plan.photo_ids, photo_set_hash=self._plan.photo_set_hash)
        return await workflow.execute_activity(
            act.TRAIN_MODEL, request, result_type=TrainedModel, retry_policy=TRAINING_RETRY,
            task_queue=self._input.provider_task_queue,
            start_to_close_timeout=timedelta(hours=2), heartbeat_timeout=self._input.heartbeat_timeout,
        )

    async def _produce_variant(self, number: int, *, custom_prompt: str | None = None,
                               replacing: bool = False) -> None:
        """One variant, with up to `max_variant_replacements` fresh attempts after a failure that retries can't fix."""
        assert self._plan is not None and self._model is not None
        photo_ids = self._plan.photo_ids
        for _ in range(self._input.max_variant_replacements + 1):
            attempt = self._attempts.get(number, -1) + 1
            self._attempts[number] = attempt
            request = GenerateVariantInput(
                job_id=self._input.job_id, user_id=self._input.user_id, template_id=self._input.template_id,
                variant_number=number, attempt=attempt, source_photo_id=photo_ids[(number - 1) % len(photo_ids)],
                model_ref=self._model.model_ref, prompt=self._plan.prompt, variation=variation_for(number),
                custom_prompt=custom_prompt, preview=self._input.preview,
                seed=variant_seed(self._plan.photo_set_hash, self._plan.theme, number, attempt),
            )
            try:
                async with self._slots:
                    result = await workflow.execute_activity(
                        act.GENERATE_VARIANT, request, result_type=VariantResult, retry_policy=SYNTHESIS_RETRY,
                        task_queue=self._input.provider_task_queue,
                        start_to_close_timeout=timedelta(minutes=15), heartbeat_timeout=self._input.heartbeat_timeout,
                        # On cancel, wait until the synthesis really stopped, so none stores a variant after clean-up.
                        cancellation_type=ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
                    )
            except ActivityError as err:
                if isinstance(err.cause, CancelledError):
                    raise asyncio.CancelledError from err  # the workflow is being cancelled: no new attempts
                workflow.logger.warning("variant %s attempt %s failed: %s", number, attempt, _reason(err))
                if not replacing:
                    failure = VariantFailure(**request.model_dump(include=set(VariantSlot.model_fields)),
                                             error=_reason(err))
                    await self._activity(act.MARK_VARIANT_FAILED, failure)
                continue
            self._variants[number] = result
            if self._stage == Stage.generating:
                await self._enter(Stage.generating)
            return

    async def _await_selection(self) -> Selection | None:
        """Wait for a valid selection until the deadline; None when the customer did not choose in time."""
        timeout = self._input.selection_timeout
        deadline = workflow.now() + timeout
        await self._enter(Stage.ready_for_selection, expires_at=deadline)
        while True:
            remaining = deadline - workflow.now()
            try:
                await workflow.wait_condition(lambda: self._pending_selection is not None,
                                              timeout=max(remaining, timedelta(0)))
            except TimeoutError:
                return None
            # A regeneration may be replacing a chosen variant: let it finish before the ids are checked.
            await workflow.wait_condition(workflow.all_handlers_finished)
            selection, self._pending_selection = self._pending_selection, None
            assert selection is not None
            problem = self._selection_problem(selection)
            if problem is None:
                return selection
            workflow.logger.warning("selection ignored: %s", problem)
            self._error = f"selection ignored: {problem}"

    async def _finalize(self, selection: Selection) -> None:
        finalized = await self._activity(act.FINALIZE_CALENDAR, FinalizeInput(
            job_id=self._input.job_id, user_id=self._input.user_id, template_id=self._input.template_id,
            year=self._input.year, locale=self._input.locale, selection=selection), FinalizeResult)
        self._calendar_id = finalized.calendar_id
        self._error = None
        await self._delete_variants(keep_selected=True)
        await workflow.execute_activity(act.RENDER_CALENDAR, RenderInput(calendar_id=finalized.calendar_id),
                                        retry_policy=TRAINING_RETRY, start_to_close_timeout=timedelta(minutes=10))

    async def _fail(self, reason: str) -> NoReturn:
        self._error = reason
        await self._delete_variants(keep_selected=False)
        await self._enter(Stage.failed)
        # Failing the run (not just returning) makes the failure visible to operators in Temporal UI.
        raise ApplicationError(reason, type="GenerationFailed", non_retryable=True)

    # --- helpers ---------------------------------------------------------------------------------------------

    def _selection_problem(self, selection: Selection) -> str | None:
        problem = selection_problem(selection.selections, allow_repeats=self._input.preview)
        if problem:
            return problem
        known = {v.variant_id for v in self._variants.values()}
        unknown = [s.variant_id for s in selection.selections if s.variant_id not in known]
        return f"variants {unknown} are not ready variants of this job" if unknown else None

    async def _delete_variants(self, *, keep_selected: bool) -> None:
        await self._activity(act.DELETE_VARIANTS, DeleteVariantsInput(job_id=self._input.job_id,
                                                                      keep_selected=keep_selected))

    async def _enter(self, stage: Stage, *, progress: int | None = None, expires_at: datetime | None = None) -> None:
        self._stage = stage
        self._progress = progress if progress is not None else self._progress_of(stage)
        attributes = [sa.CALENDAR_STATUS.value_set(stage.value), sa.CALENDAR_PROGRESS.value_set(self._progress),
                      sa.CALENDAR_USER_ID.value_set(self._input.user_id)]
        if self._plan is not None:
            attributes.append(sa.CALENDAR_THEME.value_set(self._plan.theme))
        workflow.upsert_search_attributes(attributes)
        await self._activity(act.RECORD_JOB_UPDATE, JobUpdate(
            job_id=self._input.job_id, stage=stage, progress=self._progress, current_step=self._step_text(stage),
            error=self._error, flux_model_id=self._model.flux_model_id if self._model else None,
            calendar_id=self._calendar_id, expires_at=expires_at))

    def _progress_of(self, stage: Stage) -> int:
        if stage == Stage.generating:
            return 10 + 80 * len(self._variants) // self._input.variant_count
        fixed = {Stage.pending: 0, Stage.training: 5, Stage.ready_for_selection: 90, Stage.finalizing: 95,
                 Stage.completed: 100}
        return fixed.get(stage, self._progress)

    def _step_text(self, stage: Stage) -> str:
        text = STEP_TEXT[stage].format(ready=len(self._variants), total=self._input.variant_count)
        return f"{text}: {self._error}" if stage == Stage.failed and self._error else text

    def _result(self) -> GenerationResult:
        return GenerationResult(job_id=self._input.job_id, stage=self._stage, calendar_id=self._calendar_id,
                                error=self._error)

    async def _activity(self, name: str, arg: object, result_type: type | None = None):  # noqa: ANN202
        return await workflow.execute_activity(name, arg, result_type=result_type, retry_policy=DATABASE_RETRY,
                                               start_to_close_timeout=timedelta(seconds=60))


async def _all(coroutines: Iterable[Coroutine[Any, Any, None]]) -> None:
    """Run concurrently; unlike plain gather, a cancellation returns only once every coroutine has stopped, so
    clean-up never races a synthesis that is still storing its image."""
    for outcome in await asyncio.gather(*coroutines, return_exceptions=True):
        if isinstance(outcome, BaseException):
            raise outcome


def _reason(err: BaseException) -> str:
    """The innermost message: the provider's or the database's own words, not Temporal's wrapper text."""
    while err.__cause__ is not None:
        err = err.__cause__
    return str(getattr(err, "message", None) or err)
